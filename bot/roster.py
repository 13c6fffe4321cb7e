"""The roster: who supports, who organizes, who is on call now and can take a request.

Pure: built from the config, asked with an explicit `now`. It also answers the router's
question of who may run which command (the Roles protocol).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import RosterConfig
from bot.router import Role
from bot.shifts import Shift, next_start, on_call


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

    def on_call(self, now: datetime) -> bool:
        return on_call(self.shifts, self.zone, now)

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
                s.shifts,
                s.max_sessions,
                s.tier,
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

    def on_call(self, now: datetime) -> list[Supporter]:
        return [s for s in self.supporters.values() if s.on_call(now)]

    def pageable(
        self, tier: int, now: datetime, open_sessions: Mapping[str, int]
    ) -> list[Supporter]:
        """On call now, of this tier, and below their max_sessions."""
        return [
            s
            for s in self.on_call(now)
            if s.tier == tier and open_sessions.get(s.user_id, 0) < s.max_sessions
        ]

    def next_shift(self, now: datetime) -> datetime | None:
        starts = [t for s in self.supporters.values() if (t := next_start(s.shifts, s.zone, now))]
        return min(starts, default=None)
