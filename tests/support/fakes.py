"""Test doubles at the boundary (the ports): a messenger that records instead of sending,
rooms that exist only in memory, a device-trust answer fixed in advance."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.ports import RoomError, Verdict
from bot.text import Message
from store import Incoming


@dataclass
class RecordingMessenger:
    sent: list[tuple[str, Message]] = field(default_factory=list)

    edits: list[tuple[str, str, Message]] = field(default_factory=list)

    # `once` keys already sent, with their event: a repeat is the same event, as on Synapse
    onces: dict[tuple[str, str], str] = field(default_factory=dict)

    async def send(self, room_id: str, message: Message, once: str | None = None) -> str | None:
        if once is not None and (room_id, once) in self.onces:
            return self.onces[room_id, once]
        self.sent.append((room_id, message))
        event = f"$sent{len(self.sent)}"
        if once is not None:
            self.onces[room_id, once] = event
        return event

    async def edit(self, room_id: str, event_id: str, message: Message) -> str | None:
        self.edits.append((room_id, event_id, message))
        return f"$edit{len(self.edits)}"

    @property
    def bodies(self) -> list[str]:
        return [m.body for _, m in self.sent]


def text_event(
    body: str,
    sender: str = "@alex:hs",
    room: str = "!dm:hs",
    encrypted: bool = True,
    members: int = 2,
    event_id: str = "$e1",
    event_encrypted: bool | None = None,  # default: as the room
    reply_to: str | None = None,
    device: str | None = None,
) -> Incoming:
    sealed = encrypted if event_encrypted is None else event_encrypted
    return Incoming(
        event_id, room, sender, device, "text", body, None, 0, encrypted, members, sealed, reply_to
    )


class FakeRooms:
    """Rooms in memory. `dms` maps each room that is some member's private DM to that member
    (what bot.matrix.direct decides for real); a member without one gets `!dm-<member>`. The
    bot is in each handoff room it made until it leaves it."""

    def __init__(self, dms: dict[str, str] | None = None) -> None:
        self.created = 0
        self.joined_all = False
        self.dms: dict[str, str] = dict(dms or {})
        self.made: list[str] = []  # DMs made, in order
        self.fail = False  # direct_room raises RoomError (e.g. rate limited)
        self.handoffs: list[tuple[str, str, tuple[str, ...]]] = []  # member, supporter, observers
        self.present_in: set[str] = set()
        self.let_in_calls: list[tuple[str, str, int]] = []
        self.removed: list[tuple[str, str]] = []
        self.left: list[str] = []
        self.markers: dict[str, tuple[str, str, str]] = {}  # room: member, supporter, marker

    async def join(self, ref: str) -> str:
        return ref

    async def direct_room(self, user_id: str, prefer: str | None = None) -> str:
        if self.fail:
            raise RoomError("could not open a direct message (M_LIMIT_EXCEEDED)")
        if prefer is not None and self.dms.get(prefer) == user_id:
            return prefer
        for room, member in self.dms.items():
            if member == user_id:
                return room
        room = f"!dm-{user_id}"
        self.dms[room] = user_id
        self.made.append(room)
        return room

    async def create_handoff(
        self, member: str, supporter: str, observers: tuple[str, ...] = (), marker: str = ""
    ) -> str:
        self.created += 1
        self.handoffs.append((member, supporter, observers))
        room = f"!handoff{self.created}:hs"
        self.present_in.add(room)
        self.markers[room] = (member, supporter, marker)
        return room

    async def find_handoff(self, member: str, supporter: str, marker: str) -> str | None:
        for room, made in self.markers.items():
            if made == (member, supporter, marker) and room in self.present_in:
                return room
        return None

    def joined(self, room_id: str, user_ids: tuple[str, ...]) -> bool:
        return self.joined_all

    def present(self, room_id: str) -> bool:
        return room_id in self.present_in

    async def let_in(self, room_id: str, user_id: str, level: int) -> None:
        self.let_in_calls.append((room_id, user_id, level))

    async def remove(self, room_id: str, user_id: str) -> None:
        self.removed.append((room_id, user_id))

    async def leave(self, room_id: str) -> None:
        self.left.append(room_id)
        self.present_in.discard(room_id)


class FixedTrust:
    """The router's SenderTrust with one answer for every device; records who was asked."""

    def __init__(self, verdict: Verdict = Verdict.TRUSTED) -> None:
        self.verdict_value = verdict
        self.asked: list[tuple[str, str | None]] = []

    async def verdict(self, user_id: str, device_id: str | None) -> Verdict:
        self.asked.append((user_id, device_id))
        return self.verdict_value


class FakeEraser:
    """Redacts the bot's own messages in memory: `erased` lists each room asked for, and the
    messenger's messages sent there until then are marked taken back."""

    def __init__(self, messenger: RecordingMessenger) -> None:
        self.messenger = messenger
        self.erased: list[tuple[str, int]] = []  # room, how many messages had been sent

    async def erase_own(self, room_id: str) -> int:
        count = sum(1 for room, _ in self.messenger.sent if room == room_id)
        self.erased.append((room_id, len(self.messenger.sent)))
        return count


async def until(condition: Callable[[], bool], turns: int = 10_000) -> None:
    """Lets the other tasks run until `condition` holds: waiting for what a test means, not
    for a number of event-loop turns that happens to be enough today."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")
