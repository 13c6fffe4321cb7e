"""Test doubles at the boundary: a messenger that records instead of sending."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.text import Message
from store import Incoming


@dataclass
class RecordingMessenger:
    sent: list[tuple[str, Message]] = field(default_factory=list)

    edits: list[tuple[str, str, Message]] = field(default_factory=list)

    async def send(self, room_id: str, message: Message) -> str | None:
        self.sent.append((room_id, message))
        return f"$sent{len(self.sent)}"

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
) -> Incoming:
    return Incoming(event_id, room, sender, None, "text", body, None, 0, encrypted, members)
