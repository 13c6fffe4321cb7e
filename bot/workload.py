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
from bot.text import indexed
from store import Store
from store.support import WorkEntry

Lines = tuple[list[str], dict[str, object]]


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

    def sync(self) -> None:
        """Brings the work log up to the requests (writes only when something changed)."""
        now = self._clock()
        active = {(r.id, r.supporter): r for r in self._store.accepted_requests() if r.supporter}
        log = self._store.work_since(now - limits.WEEK)
        running = {(e.request_id or "", e.supporter) for e in log if e.ended is None}
        last_end: dict[str, float] = {}
        for e in log:
            if e.ended is not None and e.request_id:
                last_end[e.request_id] = max(e.ended, last_end.get(e.request_id, 0.0))
        roster = self._roster().supporters
        began = [
            WorkEntry(
                supporter,
                roster[supporter].tier if supporter in roster else 1,
                # a handover: from when the last one's session with this request ended
                max(r.accepted_at or now, last_end.get(request_id, 0.0)),
                request_id=request_id,
            )
            for (request_id, supporter), r in active.items()
            if (request_id, supporter) not in running
        ]
        ended = {key: self._ended_at(key[0], now) for key in running - active.keys()}
        if began or ended:
            self._store.record_work(began, ended)

    def _ended_at(self, request_id: str, now: float) -> float:
        request = self._store.request(request_id)
        if request is not None and request.state != "accepted" and request.closed_at:
            return min(request.closed_at, now)
        return now  # handed over (or purged already): now is as close as we know

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
    def shift_lines(self) -> Lines:
        """Who leads now, and who is on call but not paged (and why)."""
        now = self._clock()
        roster = self._roster()
        text = self._team.text
        values: dict[str, object] = {}
        leads = self.leads()
        if leads:
            names = self._team.names("lead", len(leads))
            lines = [text("shift_lead").replace("{names}", names)]
            values |= {f"lead{i}": s.name for i, s in enumerate(leads)}
        else:
            lines = [text("shift_no_lead")]
        on_call = roster.on_call(datetime.fromtimestamp(now, UTC), self._store.overrides(now))
        rests = self.rests()
        quiet = [
            s for s in sorted(on_call, key=lambda s: s.name) if s.trainee or s.user_id in rests
        ]
        if quiet:
            lines.append(text("shift_resting_title"))
        for i, s in enumerate(quiet):
            line, line_values = self._why(s, rests.get(s.user_id))
            lines.append(indexed(line, i, "name", *line_values))
            values |= {f"name{i}": s.name, **{f"{k}{i}": v for k, v in line_values.items()}}
        return lines, values

    def _why(self, s: Supporter, rest: Rest | None) -> tuple[str, dict[str, object]]:
        text = self._team.text
        if rest is None:  # a trainee
            return text("rest_trainee"), {}
        if rest.reason == limits.SHIFT_SESSIONS:
            sessions = self._team.count("sessions", int(rest.count))
            return text("rest_shift_sessions"), {"sessions": sessions, "limit": int(rest.limit)}
        if rest.reason == limits.WEEK_HOURS:
            return text("rest_week_hours"), {"hours": f"{rest.count:.1f}", "limit": int(rest.limit)}
        return text("rest_cooldown"), {"time": self._when(rest.until or self._clock())}

    # -- !status --------------------------------------------------------------------------
    def load_lines(self, week_began: float, counts: dict[str, int]) -> Lines:
        """Sessions and hours since `week_began` per tier, breaks and flags: counts only."""
        self.sync()
        now = self._clock()
        entries = [e for e in self._store.work_since(week_began) if e.started <= now]
        text = self._team.text
        lines = [text("status_load_title")]
        values: dict[str, object] = {}
        for tier in (1, 2):
            mine = [e for e in entries if e.tier == tier]
            begun = sum(1 for e in mine if e.started >= week_began)
            line = indexed(text("status_load_tier"), tier, "tier", "sessions", "hours")
            lines.append(line)
            values |= {
                f"tier{tier}": tier,
                f"sessions{tier}": self._team.count("sessions", begun),
                f"hours{tier}": f"{limits.hours_within(mine, week_began, now):.1f}",
            }
        lines.append(text("status_load_care"))
        values |= {
            "breaks": self._team.count("breaks", counts.get("breaks", 0)),
            "flags": self._team.count("flags", counts.get("flags", 0)),
        }
        return lines, values
