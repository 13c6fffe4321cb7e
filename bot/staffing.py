"""The team's controls: manual on-call overrides, who is on shift, open sessions, and the
organizers' figures. Supporters change only themselves; organizers change anyone."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import stats
from bot.config_values import DurationTooLong, duration_seconds
from bot.errors import CommandError
from bot.roster import Roster, Supporter
from bot.team import TeamRoom
from bot.text import Piece, join
from store import Store
from store.records import OnCallOverride

MAX_OVERRIDE = 7 * 86400.0
NO_SHIFTS_OVERRIDE = 86400.0


@dataclass(frozen=True)
class OnCallArgs:
    target: str | None  # a name or Matrix ID; None: the sender
    state: bool | None  # None: just show; True/False: on/off
    seconds: float | None  # an explicit duration
    automatic: bool = False  # `!oncall auto`: back to the shifts


def _seconds(word: str) -> float | None:
    """The duration `word` says (infinite if longer than anything allows), or None."""
    try:
        return duration_seconds(word)
    except DurationTooLong:
        return math.inf
    except ValueError:
        return None


def parse_oncall(args: str) -> OnCallArgs | None:
    """`[NAME] [on|off|auto] [DURATION]` in any order; None if it makes no sense."""
    state: bool | None = None
    seconds: float | None = None
    automatic = False
    rest: list[str] = []
    for word in args.split():
        low = word.lower()
        if low in ("on", "off", "auto"):
            if state is not None or automatic:
                return None
            automatic = low == "auto"
            state = None if automatic else low == "on"
        elif seconds is None and (duration := _seconds(low)) is not None:
            seconds = duration
        else:
            rest.append(word)
    if seconds is not None and (state is None or not 0 < seconds < math.inf):
        return None
    return OnCallArgs(" ".join(rest) or None, state, seconds, automatic)


class Staffing:
    def __init__(
        self,
        store: Store,
        roster: Callable[[], Roster],
        zone: Callable[[], str],
        team: TeamRoom,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._roster = roster
        self._zone = zone  # the team's time zone (roster.timezone), for times and "today"
        self._team = team
        self._clock = clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def when(self, moment: datetime | float) -> str:
        """A time for the team, in the team's zone, e.g. `Tue 18:00 Europe/Berlin`."""
        zone = ZoneInfo(self._zone())
        at = moment if isinstance(moment, datetime) else datetime.fromtimestamp(moment, UTC)
        return f"{self._team.weekday_time(at.astimezone(zone))} {zone.key}"

    # -- !oncall --------------------------------------------------------------------------
    def oncall(self, sender: str, organizer: bool, args: OnCallArgs) -> Piece:
        """Applies `args` for the sender (or, for organizers, anyone); returns the reply."""
        roster = self._roster()
        supporter = self._target(roster, sender, organizer, args.target)
        now = self._clock()
        if args.automatic:
            self._store.clear_override(supporter.user_id)
        elif args.state is not None:
            until = self._until(supporter, now, args.seconds)
            self._store.set_override(OnCallOverride(supporter.user_id, args.state, until))
        state = self._oncall_state(supporter, now)
        waiting = len(self._store.open_requests()) if args.state else 0
        if not waiting:
            return state
        return join([state, Piece(self._team.count("oncall_open", waiting))])

    def _target(self, roster: Roster, sender: str, organizer: bool, name: str | None) -> Supporter:
        if name is None:
            found = roster.supporters.get(sender)
            if found is None:
                raise CommandError("oncall_name_one")
            return found
        found = roster.find(name)
        if found is None:
            raise CommandError("oncall_who", name=name)
        if found.user_id != sender and not organizer:
            raise CommandError("oncall_only_self")
        return found

    def _until(self, supporter: Supporter, now: float, seconds: float | None) -> float:
        if seconds is not None:
            if seconds > MAX_OVERRIDE:
                raise CommandError("oncall_too_long")
            return now + seconds
        change = supporter.next_change(datetime.fromtimestamp(now, UTC))
        return change.timestamp() if change is not None else now + NO_SHIFTS_OVERRIDE

    def _oncall_state(self, supporter: Supporter, now: float) -> Piece:
        override = self._store.overrides(now).get(supporter.user_id)
        on = supporter.on_call(datetime.fromtimestamp(now, UTC), override)
        key = "oncall_now_on" if on else "oncall_now_off"
        if override is None:
            until = self._team.piece("oncall_by_shifts")
        else:
            which = "oncall_until" if supporter.shifts else "oncall_no_shifts"
            until = self._team.piece(which, time=self.when(override.until))
        return self._team.piece(key, who=supporter.name, until=until)

    # -- !shift ---------------------------------------------------------------------------
    def shift(self) -> Piece:
        roster, now = self._roster(), self._now()
        overrides = self._store.overrides(now.timestamp())
        on_call = roster.on_call(now, overrides)
        piece = self._team.piece
        lines: list[Piece] = []
        if on_call:
            lines.append(piece("shift_on_title"))
            for s in sorted(on_call, key=lambda s: (s.tier, s.name)):
                override = overrides.get(s.user_id)
                manual = (
                    Piece("")
                    if override is None
                    else piece("shift_manual", time=self.when(override.until))
                )
                lines.append(piece("shift_on_line", name=s.name, tier=s.tier, manual=manual))
        else:
            lines.append(piece("shift_nobody"))
        upcoming = roster.next_shift(now, skip={s.user_id for s in on_call})
        if upcoming is None:
            lines.append(piece("shift_none"))
        else:
            lines.append(piece("shift_next", name=upcoming[0].name, time=self.when(upcoming[1])))
        return join(lines)

    # -- !queue ---------------------------------------------------------------------------
    def queue(self) -> Piece:
        """Open requests: ids, language, waiting time; never who asked."""
        requests, now = self._store.open_requests(), self._clock()
        if not requests:
            return self._team.piece("queue_empty")
        lines = [self._team.piece("queue_title")]
        for r in requests:
            told = self._team.piece("queue_told") if r.gave_up else Piece("")
            waited = self._team.waited(now - r.created_at)
            lines.append(
                self._team.piece(
                    "queue_line", id=r.id, language=r.language, waited=waited, told=told
                )
            )
        lines.append(self._team.piece("queue_hint"))
        return join(lines)

    # -- !sessions ------------------------------------------------------------------------
    def sessions(self, sender: str, everyone: bool) -> Piece:
        roster, now = self._roster(), self._clock()
        mine = [r for r in self._store.accepted_requests() if everyone or r.supporter == sender]
        if not mine:
            return self._team.piece("sessions_none")
        lines = [self._team.piece("sessions_title")]
        for r in mine:
            who = roster.supporters.get(r.supporter or "")
            lines.append(
                self._team.piece(
                    "sessions_line",
                    id=r.id,
                    language=r.language,
                    supporter=who.name if who else "?",
                    age=self._team.duration(now - (r.accepted_at or now)),
                    left=self._team.duration(max(0.0, (r.next_deadline or now) - now)),
                )
            )
        return join(lines)

    # -- !status --------------------------------------------------------------------------
    def status(self) -> Piece:
        roster, now = self._roster(), self._now()
        zone = ZoneInfo(self._zone())
        today = now.astimezone(zone).date()
        week = stats.week_start(today)

        counts = self._store.counts_since(week.isoformat())
        on_call = roster.on_call(now, self._store.overrides(now.timestamp()))
        open_rows = self._store.open_requests()
        piece = self._team.piece
        lines = [
            piece("status_title", time=self.when(now)),
            piece("status_open", open=len(open_rows), told=sum(r.gave_up for r in open_rows)),
            piece(  # trainees observe; they are not on call for members
                "status_on_call",
                tier1=sum(s.tier == 1 and not s.trainee for s in on_call),
                tier2=sum(s.tier == 2 and not s.trainee for s in on_call),
            ),
            piece("status_sessions", sessions=len(self._store.accepted_requests())),
        ]
        for label, since in (("today", today), ("week", week)):
            day = since.isoformat()
            stored = self._store.request_figures(stats.day_start(since, self._zone()), day)
            figures = stats.period(day, stored, counts)
            median = figures.median_accept
            lines.append(
                piece(
                    "status_period",
                    label=piece(f"status_{label}"),
                    requests=self._team.count("requests", figures.requests),
                    accepts=figures.accepts,
                    escalations=self._team.count("escalations", figures.escalations),
                    give_ups=figures.give_ups,
                    median=self._team.text("status_no_median")
                    if median is None
                    else self._team.duration(median),
                )
            )
        return join(lines)
