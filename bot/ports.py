"""The interfaces the support line talks through. No nio here: `bot.matrix` implements them,
the tests fake them, and the domain (line, team, replies, check-ins, …) sees only these."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from bot.errors import Role
from bot.text import Message
from store.records import Request


class Verdict(Enum):
    """How the device-trust policy sees one device."""

    TRUSTED = "trusted"
    NOT_CROSS_SIGNED = "not cross-signed"
    MASTER_KEY_CHANGED = "master key changed"


class Messenger(Protocol):
    async def send(self, room_id: str, message: Message, once: str | None = None) -> str | None:
        """Sends; returns the event id, or None if it could not be sent. With `once` (a key
        unique to this side effect), sending again after a crash is the same event: the
        homeserver answers a repeated transaction with the event it already made."""
        ...

    async def edit(self, room_id: str, event_id: str, message: Message) -> str | None: ...


class RoomError(Exception):
    """A room could not be joined, found or made; the text is for the operator."""


class Rooms(Protocol):
    async def join(self, ref: str) -> str: ...

    async def direct_room(self, user_id: str, prefer: str | None = None) -> str:
        """The member's private encrypted DM with the bot: `prefer` if it is one, else another,
        else a new one (RoomError if none can be had)."""
        ...

    async def create_handoff(
        self, member: str, supporter: str, observers: tuple[str, ...] = (), marker: str = ""
    ) -> str:
        """A private encrypted room: member and supporter can write, observers only read.
        `marker` goes into the room's state, so `find_handoff` can find it again."""
        ...

    async def find_handoff(self, member: str, supporter: str, marker: str) -> str | None:
        """The room the bot created for these two with `marker`, if it is in it (after a
        crash between creating a room and recording it)."""
        ...

    def joined(self, room_id: str, user_ids: tuple[str, ...]) -> bool: ...

    def present(self, room_id: str) -> bool:
        """Whether the bot itself is in the room (it can invite, set levels, remove)."""
        ...

    async def let_in(self, room_id: str, user_id: str, level: int) -> None:
        """Sets `user_id`'s power level (0: may read, not write), then invites them."""
        ...

    async def remove(self, room_id: str, user_id: str) -> None:
        """Takes `user_id` out of the room (a kick)."""
        ...

    async def leave(self, room_id: str) -> None:
        """Leaves (done too if the bot is no longer in it); RoomError if it could not."""
        ...


class Eraser(Protocol):
    async def erase_own(self, room_id: str) -> int:
        """Redacts every message the bot itself sent in the room; returns how many."""
        ...


@dataclass(frozen=True)
class Meeting:
    """Where the people of a conversation now meet: `moved` when it had to move to a new
    room (the bot had left the old one and could let nobody in there)."""

    room_id: str
    moved: bool = False


class Conversation(Protocol):
    """How someone new comes into (or leaves) a member's conversation, once the member said
    yes: room mode today (bot.room_mode); an anonymous relay (issue #13) can take its place
    without the consent rules (bot.consent, bot.consents) changing."""

    async def hand_over(self, request: Request, newcomer: str) -> Meeting:
        """Brings in `newcomer` to take over; the old supporter leaves when they choose."""
        ...

    async def admit(self, request: Request, observer: str) -> Meeting:
        """Lets `observer` read along, unable to write."""
        ...

    async def remove(self, request: Request, observer: str, where: str) -> None:
        """Takes an observer out (`where`: the room they were let into)."""
        ...

    async def settle(self, request: Request) -> None:
        """Nobody but the member and their supporter is left: back to how a session is."""
        ...


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
