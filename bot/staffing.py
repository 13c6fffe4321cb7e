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
from bot.text import indexed
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
    def oncall(self, sender: str, organizer: bool, args: OnCallArgs) -> tuple[str, dict[str, str]]:
        """Applies `args` for the sender (or, for organizers, anyone); returns the reply as
        (template, values)."""
        roster = self._roster()
        supporter = self._target(roster, sender, organizer, args.target)
        now = self._clock()
        if args.automatic:
            self._store.clear_override(supporter.user_id)
        elif args.state is not None:
            until = self._until(supporter, now, args.seconds)
            self._store.set_override(OnCallOverride(supporter.user_id, args.state, until))
        template, values = self._oncall_state(supporter, now)
        waiting = len(self._store.open_requests()) if args.state else 0
        if waiting:
            template += "\n" + self._team.count("oncall_open", waiting)
        return template, values

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

    def _oncall_state(self, supporter: Supporter, now: float) -> tuple[str, dict[str, str]]:
        override = self._store.overrides(now).get(supporter.user_id)
        on = supporter.on_call(datetime.fromtimestamp(now, UTC), override)
        key = "oncall_now_on" if on else "oncall_now_off"
        values = {"who": supporter.name}
        if override is None:
            until = self._team.text("oncall_by_shifts")
        else:
            which = "oncall_until" if supporter.shifts else "oncall_no_shifts"
            until = self._team.text(which)  # with its {time}
            values["time"] = self.when(override.until)
        return self._team.text(key).replace("{until}", until), values

    # -- !shift ---------------------------------------------------------------------------
    def shift(self) -> tuple[str, dict[str, object]]:
        roster, now = self._roster(), self._now()
        overrides = self._store.overrides(now.timestamp())
        on_call = roster.on_call(now, overrides)
        lines: list[str] = []
        values: dict[str, object] = {}
        if on_call:
            lines.append(self._team.text("shift_on_title"))
            for i, s in enumerate(sorted(on_call, key=lambda s: (s.tier, s.name))):
                override = overrides.get(s.user_id)
                manual = ""
                if override is not None:
                    manual = self._team.text("shift_manual").replace(
                        "{time}", self.when(override.until)
                    )
                lines.append(indexed(self._team.text("shift_on_line"), i, "name", "tier", "manual"))
                values |= {f"name{i}": s.name, f"tier{i}": s.tier, f"manual{i}": manual}
        else:
            lines.append(self._team.text("shift_nobody"))
        upcoming = roster.next_shift(now, skip={s.user_id for s in on_call})
        if upcoming is None:
            lines.append(self._team.text("shift_none"))
        else:
            lines.append(self._team.text("shift_next"))
            values["name"], values["time"] = upcoming[0].name, self.when(upcoming[1])
        return "\n".join(lines), values

    # -- !sessions ------------------------------------------------------------------------
    def sessions(self, sender: str, everyone: bool) -> tuple[str, dict[str, object]]:
        roster, now = self._roster(), self._clock()
        mine = [r for r in self._store.accepted_requests() if everyone or r.supporter == sender]
        if not mine:
            return self._team.text("sessions_none"), {}
        lines = [self._team.text("sessions_title")]
        values: dict[str, object] = {}
        for i, r in enumerate(mine):
            who = roster.supporters.get(r.supporter or "")
            line = self._team.text("sessions_line")
            lines.append(indexed(line, i, "id", "language", "supporter", "age", "left"))
            values |= {
                f"id{i}": r.id,
                f"language{i}": r.language,
                f"supporter{i}": who.name if who else "?",
                f"age{i}": self._team.duration(now - (r.accepted_at or now)),
                f"left{i}": self._team.duration(max(0.0, (r.next_deadline or now) - now)),
            }
        return "\n".join(lines), values

    # -- !status --------------------------------------------------------------------------
    def status(self) -> tuple[str, dict[str, object]]:
        roster, now = self._roster(), self._now()
        zone = ZoneInfo(self._zone())
        today = now.astimezone(zone).date()
        week = stats.week_start(today)

        day_of = stats.local_day(self._zone())  # as the retention purge counts days
        rows = self._store.all_requests()
        counts = self._store.counts_since(week.isoformat())
        waits = self._store.accept_waits_since(week.isoformat())
        on_call = roster.on_call(now, self._store.overrides(now.timestamp()))
        open_rows = [r for r in rows if r.state == "open"]
        text = self._team.text
        lines = [
            text("status_title"),
            text("status_open"),
            text("status_on_call"),
            text("status_sessions"),
        ]
        values: dict[str, object] = {
            "time": self.when(now),
            "open": len(open_rows),
            "told": sum(r.gave_up for r in open_rows),
            # trainees observe; they are not on call for members
            "tier1": sum(s.tier == 1 and not s.trainee for s in on_call),
            "tier2": sum(s.tier == 2 and not s.trainee for s in on_call),
            "sessions": sum(r.state == "accepted" for r in rows),
        }
        for label, since in (("today", today), ("week", week)):
            figures = stats.period(since.isoformat(), rows, counts, waits, day_of)
            line = text("status_period").replace("{label}", text(f"status_{label}"))
            names = ("requests", "accepts", "escalations", "give_ups", "median")
            lines.append(indexed(line, f"_{label}", *names))
            median = figures.median_accept
            values |= {
                f"requests_{label}": self._team.count("requests", figures.requests),
                f"accepts_{label}": figures.accepts,
                f"escalations_{label}": self._team.count("escalations", figures.escalations),
                f"give_ups_{label}": figures.give_ups,
                f"median_{label}": text("status_no_median")
                if median is None
                else self._team.duration(median),
            }
        return "\n".join(lines), values
