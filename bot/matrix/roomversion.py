"""Which room version the bot's new rooms get, and what their power levels must say for it.

Room version 12 (MSC4289) gives a room's creator unlimited power and forbids listing them in
`m.room.power_levels.users`; in version 11 and older the creator is an ordinary user, and
power levels that leave the creator out (or below what it needs) make `createRoom` fail
(Synapse answers 400, on v10 as `M_UNKNOWN`). The homeserver says which versions it offers
in `GET /capabilities` (`m.room_versions`); the bot reads that once and creates rooms of the
server's default version, with power levels built for exactly that version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.matrix.crosssign import api

log = logging.getLogger(__name__)
# The first numbered room version whose creators are privileged (MSC4289).
PRIVILEGED_CREATORS_FROM = 12
# Unstable identifiers of room versions with privileged creators (MSC4289's test version).
PRIVILEGED_UNSTABLE = ("org.matrix.hydra.",)


def creators_privileged(version: str) -> bool:
    """True if the room version gives its creators unlimited power (they must not be listed in
    the power levels); False for versions 1 to 11 and versions this code does not know."""
    if version.isdigit():
        return int(version) >= PRIVILEGED_CREATORS_FROM
    return version.startswith(PRIVILEGED_UNSTABLE)


@dataclass(frozen=True)
class RoomVersions:
    default: str | None  # None: the server did not say (then nothing is asked for explicitly)
    available: frozenset[str] = frozenset()

    @classmethod
    def from_capabilities(cls, body: Any) -> RoomVersions:
        """From a `/capabilities` answer; a missing or malformed part means "not said"."""
        caps = body.get("capabilities") if isinstance(body, dict) else None
        versions = caps.get("m.room_versions") if isinstance(caps, dict) else None
        if not isinstance(versions, dict):
            return cls(None)
        default = versions.get("default")
        offered = versions.get("available")
        available = (
            frozenset(k for k, v in offered.items() if isinstance(k, str) and v == "stable")
            if isinstance(offered, dict)
            else frozenset()
        )
        return cls(default if isinstance(default, str) and default else None, available)


def power_levels(
    version: str | None, bot: str, users: dict[str, int], bot_level: int
) -> dict[str, Any]:
    """The `users` of a new room's power levels for `version`: the bot listed with
    `bot_level` where the version needs it (v11 and older, or unknown), never in v12+."""
    if version is not None and creators_privileged(version):
        return {u: level for u, level in users.items() if u != bot}
    return {**users, bot: bot_level}


async def read_room_versions(client: Any) -> RoomVersions | None:
    """The homeserver's room versions, or None if it could not be asked (try again later)."""
    try:
        status, body = await api(client, "GET", "/capabilities")
    except Exception as exc:  # network trouble: asked again at the next room
        log.warning("could not read the homeserver's capabilities: %s", type(exc).__name__)
        return None
    if status != 200:
        log.warning("could not read the homeserver's capabilities (HTTP %d)", status)
        return None
    versions = RoomVersions.from_capabilities(body)
    log.info("homeserver room versions: default %s", versions.default or "not said")
    return versions
