"""The interfaces the support line talks through. No nio here: `bot.matrix` implements them,
the tests fake them, and the domain (line, team, replies, check-ins, …) sees only these."""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from bot.errors import Role
from bot.text import Message


class Verdict(Enum):
    """How the device-trust policy sees one device."""

    TRUSTED = "trusted"
    NOT_CROSS_SIGNED = "not cross-signed"
    MASTER_KEY_CHANGED = "master key changed"


class Messenger(Protocol):
    async def send(self, room_id: str, message: Message) -> str | None: ...

    async def edit(self, room_id: str, event_id: str, message: Message) -> str | None: ...


class RoomError(Exception):
    """A room could not be joined, found or made; the text is for the operator."""


class Rooms(Protocol):
    async def join(self, ref: str) -> str: ...

    async def direct_room(self, user_id: str, prefer: str | None = None) -> str:
        """The member's private encrypted DM with the bot: `prefer` if it is one, else another,
        else a new one (RoomError if none can be had)."""
        ...

    async def create_handoff(self, member: str, supporter: str) -> str: ...

    def joined(self, room_id: str, user_ids: tuple[str, ...]) -> bool: ...

    async def leave(self, room_id: str) -> None: ...


class Roles(Protocol):
    def of(self, user_id: str) -> frozenset[Role]: ...


class SenderTrust(Protocol):
    """Whether a sender's device may run sensitive commands."""

    async def verdict(self, user_id: str, device_id: str | None) -> Verdict: ...


class Identities(Protocol):
    """Cross-signing identities as the team's controls need them."""

    async def approve(self, user_id: str) -> str | None:
        """Pins the user's current master key; returns it, or None if they have none."""
        ...

    async def unsigned_devices(self, user_ids: list[str]) -> dict[str, list[str]]:
        """Each user's devices that are not cross-signed (fresh from the server)."""
        ...
