"""The running config and what a reload changes in the running parts.

`Live` holds one good version of the config file; every part that follows the config reads
it through `Live` (or a callable over it), so a reload swaps it whole. What cannot be read
that way (the catalogue's overrides, flood limits, scheduled jobs, the team room) is told
here, in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.catalogue import Catalogue
from bot.checkins import Checkins
from bot.config import Config, Loaded
from bot.errors import Role
from bot.flood import FloodGuard
from bot.ports import Rooms
from bot.reload import ApplyRefused, Outcome, Reloader, describe
from bot.roster import Roster
from bot.schedules import Schedules
from bot.team import TeamRoom

log = logging.getLogger(__name__)
JoinTeam = Callable[[Rooms, str | None], Awaitable[str | None]]


@dataclass
class LiveParts:
    """The parts a reload reconfigures."""

    team: TeamRoom
    rooms: Rooms
    texts: Catalogue
    flood: FloodGuard
    schedules: Schedules
    checkins: Checkins


@dataclass
class Live:
    """The running config: one good version of the file, swapped whole by a reload."""

    loaded: Loaded
    roster: Roster

    @property
    def config(self) -> Config:
        return self.loaded.config

    def of(self, user_id: str) -> frozenset[Role]:  # the router's Roles, always current
        return self.roster.of(user_id)

    def reloader(
        self, parts: LiveParts, join_team: JoinTeam, after: Callable[[], None]
    ) -> Reloader:
        """A Reloader that applies a good edit to this config and to `parts`, and tells
        the team room how it went."""

        async def apply(new: Loaded, changed: list[str]) -> None:
            c = new.config
            room = parts.team.room_id
            if "rooms.supporters" in changed:  # first, so a refusal changes nothing
                room = await join_team(parts.rooms, c.rooms.supporters)
                if room is None and c.rooms.supporters is not None:
                    raise ApplyRefused(f"rooms.supporters: I cannot join {c.rooms.supporters}")
            self.loaded, self.roster, parts.team.room_id = new, Roster(c.roster), room
            parts.texts.update(c.messages, c.language)
            parts.flood.configure(c.flood.limit, c.flood.window)
            parts.schedules.replace(c.schedules, c.schedule_grace)
            parts.checkins.set_default_zone(c.roster.timezone)
            logging.getLogger().setLevel(c.logging.level)
            after()

        async def tell(outcome: Outcome) -> None:
            if outcome.kind in ("invalid", "restart"):
                log.warning("config edit not applied: %s", "; ".join(outcome.problems))
            told = describe(outcome, parts.team.piece, str(self.loaded.source))
            if outcome.kind == "applied":
                await parts.team.post(told)
            else:
                await parts.team.to_organizers(told)

        return Reloader(lambda: self.loaded, apply, tell)
