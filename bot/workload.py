"""Each supporter's load, from the store: the work log follows the requests (a session begins
when a supporter has a request and ends when they no longer do, whatever ended it: `!done`,
a handover, a timeout, `!forget`), so a crash can never leave it behind. From it: who rests
now (bot.limits), why (`!shift`), and the team's load as counts (`!status`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot import limits
from bot.limits import Rest
from bot.roster import Roster, Supporter
from bot.team import TeamRoom
from bot.text import Piece, join
from store import Store
from store.support import WorkEntry

# A request closed this long before the last look is looked at again (its closing time may
# have been taken a moment before it was stored).
LOOK_BACK = 3600.0


class Workload:
    def __init__(
        self,
        store: Store,
        roster: Callable[[], Roster],
        team: TeamRoom,
        when: Callable[[float], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._roster = roster
        self._team = team
        self._when = when  # a time for the team, in the team's zone
        self._clock = clock
        self._looked: float | None = None  # when sync last ran (all requests at the first)

    def sync(self) -> None:
        """Brings the work log up to the requests, closed ones included while they are kept
        (writes only when something changed)."""
        now = self._clock()
        log = self._store.work_since(now - limits.WEEK)
        roster = self._roster().supporters
        began: list[WorkEntry] = []
        ended: dict[tuple[str, str], float] = {}
        seen: set[str] = set()
        by_request: dict[str | None, list[WorkEntry]] = {}
        for e in log:
            by_request.setdefault(e.request_id, []).append(e)
        # Closed requests whose sessions are already in the log need no second look: with
        # 10,000 requests kept, reading them all took a quarter of a second on every page.
        since = now - limits.WEEK
        if self._looked is not None:
            since = max(since, self._looked - LOOK_BACK)
        running = {e.request_id for e in log if e.ended is None and e.request_id is not None}
        for r in self._store.requests_worked(since, running):
            if r.supporter is None or r.accepted_at is None:
                continue
            seen.add(r.id)
            # this request's sessions (an id is reused only after its request was purged)
            mine = [e for e in by_request.get(r.id, []) if e.started >= r.accepted_at]
            finished = r.state != "accepted"
            for e in mine:
                if e.ended is None and (finished or e.supporter != r.supporter):
                    ended[(r.id, e.supporter)] = min(r.closed_at or now, now)
            if not any(e.supporter == r.supporter for e in mine):
                # after a handover: from when the one before them stopped
                before = [e.ended for e in mine if e.ended is not None]
                before += [t for (rid, _), t in ended.items() if rid == r.id]
                start = max([r.accepted_at, *before])
                tier = roster[r.supporter].tier if r.supporter in roster else 1
                stop = min(r.closed_at or now, now) if finished else None
                began.append(WorkEntry(r.supporter, tier, start, stop, r.id))
        for e in log:  # running, but their request is gone
            if e.ended is None and e.request_id not in seen:
                ended[(e.request_id or "", e.supporter)] = now
        if began or ended:
            self._store.record_work(began, ended)
        self._looked = now

    def rests(self) -> dict[str, Rest]:
        """Who is not paged now, and why."""
        self.sync()
        now = self._clock()
        by_supporter: dict[str, list[WorkEntry]] = {}
        for e in self._store.work_since(now - limits.WEEK):
            by_supporter.setdefault(e.supporter, []).append(e)
        found: dict[str, Rest] = {}
        for s in self._roster().supporters.values():
            rest = limits.resting(s, by_supporter.get(s.user_id, []), now)
            if rest is not None:
                found[s.user_id] = rest
        return found

    def pageable(self, supporters: list[Supporter]) -> list[Supporter]:
        """Those of `supporters` not past a limit or resting after a session."""
        if not supporters:
            return supporters
        rests = self.rests()
        return [s for s in supporters if s.user_id not in rests]

    def leads(self) -> list[Supporter]:
        now = self._clock()
        return self._roster().leads(datetime.fromtimestamp(now, UTC), self._store.overrides(now))

    # -- !shift ---------------------------------------------------------------------------
    def shift_lines(self) -> Piece:
        """Who leads now, and who is on call but not paged (and why)."""
        now = self._clock()
        roster = self._roster()
        leads = [s.name for s in self.leads()]
        if leads:
            lines = [self._team.piece("shift_lead", names=self._team.listed([*leads]))]
        else:
            lines = [self._team.piece("shift_no_lead")]
        on_call = roster.on_call(datetime.fromtimestamp(now, UTC), self._store.overrides(now))
        rests = self.rests()
        quiet = [
            s for s in sorted(on_call, key=lambda s: s.name) if s.trainee or s.user_id in rests
        ]
        if quiet:
            lines.append(self._team.piece("shift_resting_title"))
        lines += [self._why(s, rests.get(s.user_id)) for s in quiet]
        return join(lines)

    def _why(self, s: Supporter, rest: Rest | None) -> Piece:
        piece = self._team.piece
        if rest is None:  # a trainee
            return piece("rest_trainee", name=s.name)
        limit = int(rest.limit)
        if rest.reason == limits.SHIFT_SESSIONS:
            sessions = self._team.count("sessions", int(rest.count))
            return piece("rest_shift_sessions", name=s.name, sessions=sessions, limit=limit)
        if rest.reason == limits.WEEK_HOURS:
            return piece("rest_week_hours", name=s.name, hours=f"{rest.count:.1f}", limit=limit)
        return piece("rest_cooldown", name=s.name, time=self._when(rest.until or self._clock()))

    # -- !status --------------------------------------------------------------------------
    def load_lines(self, week_began: float, counts: dict[str, int]) -> Piece:
        """Sessions and hours since `week_began` per tier, breaks and flags: counts only."""
        self.sync()
        now = self._clock()
        entries = [e for e in self._store.work_since(week_began) if e.started <= now]
        lines = [self._team.piece("status_load_title")]
        for tier in (1, 2):
            mine = [e for e in entries if e.tier == tier]
            begun = sum(1 for e in mine if e.started >= week_began)
            sessions = self._team.count("sessions", begun)
            hours = f"{limits.hours_within(mine, week_began, now):.1f}"
            lines.append(
                self._team.piece("status_load_tier", tier=tier, sessions=sessions, hours=hours)
            )
        breaks = self._team.count("breaks", counts.get("breaks", 0))
        flags = self._team.count("flags", counts.get("flags", 0))
        lines.append(self._team.piece("status_load_care", breaks=breaks, flags=flags))
        return join(lines)
