"""The roster: who supports, who organizes, who is on call now and can take a request.

Pure: built from the config, asked with an explicit `now`. It also answers the router's
question of who may run which command (the Roles protocol).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import LeadShift, LimitsConfig, RosterConfig, SupporterConfig
from bot.errors import Role
from bot.shifts import Shift, next_change, next_start, on_call
from store.records import OnCallOverride

Overrides = Mapping[str, OnCallOverride]
NO_OVERRIDES: Overrides = {}


@dataclass(frozen=True)
class Supporter:
    user_id: str
    name: str
    pronouns: str | None
    languages: tuple[str, ...]
    zone: ZoneInfo
    shifts: tuple[Shift, ...]
    max_sessions: int
    tier: int
    trainee: bool = False  # observes with the member's consent; never paged
    limits: LimitsConfig = field(default_factory=LimitsConfig)

    def scheduled(self, now: datetime) -> bool:
        """On call by their shifts alone."""
        return on_call(self.shifts, self.zone, now)

    def on_call(self, now: datetime, override: OnCallOverride | None = None) -> bool:
        if override is not None and override.until > now.timestamp():
            return override.on_call
        return self.scheduled(now)

    def leads(self, now: datetime, override: OnCallOverride | None = None) -> bool:
        """The lead on call: on call now, during one of their lead shifts."""
        lead_shifts = tuple(s for s in self.shifts if s.lead)
        return (
            bool(lead_shifts)
            and self.on_call(now, override)
            and on_call(lead_shifts, self.zone, now)
        )

    def next_change(self, now: datetime) -> datetime | None:
        """When their shifts next switch them on or off (None: not within a week)."""
        return next_change(self.shifts, self.zone, now)

    @property
    def display(self) -> str:
        return f"{self.name} ({self.pronouns})" if self.pronouns else self.name


class Roster:
    def __init__(self, config: RosterConfig) -> None:
        default = ZoneInfo(config.timezone)
        self.supporters: dict[str, Supporter] = {
            s.user_id: Supporter(
                s.user_id,
                s.name,
                s.pronouns,
                s.languages,
                ZoneInfo(s.timezone) if s.timezone else default,
                tuple(_shift(x) for x in s.shifts),
                s.max_sessions,
                s.tier,
                s.role == "trainee",
                _limits(s, config.limits),
            )
            for s in config.supporters
        }
        self.organizers = frozenset(config.organizers)

    def of(self, user_id: str) -> frozenset[Role]:
        roles: set[Role] = {"member"}
        if user_id in self.supporters:
            roles.add("supporter")
        if user_id in self.organizers:
            roles.add("organizer")
        return frozenset(roles)

    def on_call(self, now: datetime, overrides: Overrides = NO_OVERRIDES) -> list[Supporter]:
        return [s for s in self.supporters.values() if s.on_call(now, overrides.get(s.user_id))]

    def pageable(
        self,
        tier: int,
        now: datetime,
        open_sessions: Mapping[str, int],
        overrides: Overrides = NO_OVERRIDES,
    ) -> list[Supporter]:
        """On call now (shifts or a manual override), of this tier, below max_sessions;
        never a trainee."""
        return [
            s
            for s in self.on_call(now, overrides)
            if s.tier == tier and not s.trainee and open_sessions.get(s.user_id, 0) < s.max_sessions
        ]

    def leads(self, now: datetime, overrides: Overrides = NO_OVERRIDES) -> list[Supporter]:
        """Who leads now, each by their own shifts in their own time zone."""
        return sorted(
            (s for s in self.supporters.values() if s.leads(now, overrides.get(s.user_id))),
            key=lambda s: s.name,
        )

    def next_shift(
        self, now: datetime, skip: Collection[str] = ()
    ) -> tuple[Supporter, datetime] | None:
        """Whose shift starts next after `now` (not counting `skip`), and when."""
        starts = [
            (t, s)
            for s in self.supporters.values()
            if s.user_id not in skip and (t := next_start(s.shifts, s.zone, now))
        ]
        if not starts:
            return None
        when, who = min(starts, key=lambda pair: pair[0].timestamp())
        return who, when

    def find(self, name: str) -> Supporter | None:
        """A supporter by Matrix ID, localpart or name (case-insensitive), if unambiguous."""
        wanted = name.strip().lower().lstrip("@")
        hits = [
            s
            for s in self.supporters.values()
            if wanted in (s.user_id.lower().lstrip("@"), s.user_id[1:].split(":")[0].lower())
            or wanted == s.name.lower()
        ]
        return hits[0] if len(hits) == 1 else None


def _shift(entry: Shift | LeadShift) -> Shift:
    return entry if isinstance(entry, Shift) else dataclasses.replace(entry.shift, lead=entry.lead)


def _limits(supporter: SupporterConfig, default: LimitsConfig) -> LimitsConfig:
    """A supporter's own limits, each falling back to the roster's."""
    return LimitsConfig(
        supporter.max_sessions_per_shift or default.max_sessions_per_shift,
        supporter.max_hours_per_week or default.max_hours_per_week,
        default.cooldown if supporter.cooldown is None else supporter.cooldown,
    )
