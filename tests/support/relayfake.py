"""A recording stand-in for the relay's sending (bot.relay_map.RelayOut), for unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.relay_map import MEDIA, Edited, Reacted, Said, TooBig


@dataclass
class RecordingRelayOut:
    sent: list[tuple[str, object, str | None, str]] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    _by_txn: dict[str, str] = field(default_factory=dict)

    def _event(self, txn: str) -> str:
        # like the homeserver: a repeated transaction id gets the first event back
        return self._by_txn.setdefault(txn, f"$copy{len(self._by_txn)}")

    async def say(self, room: str, said: Said, label: str | None, txn: str) -> str | None:
        if said.kind == MEDIA and "huge" in said.body:
            raise TooBig(10)
        if said.kind == MEDIA and "broken" in said.body:
            return None  # could not be downloaded
        self.sent.append((room, said, label, txn))
        return self._event(txn)

    async def edit(self, room: str, edited: Edited, label: str | None, txn: str) -> str | None:
        self.sent.append((room, edited, label, txn))
        return self._event(txn)

    async def redact(self, room: str, target: str, txn: str) -> None:
        self.sent.append((room, ("redact", target), None, txn))

    async def react(self, room: str, reacted: Reacted, txn: str) -> str | None:
        self.sent.append((room, reacted, None, txn))
        return self._event(txn)

    async def open_room(self, supporter: str, name: str, topic: str) -> str:
        self.rooms.append(name)
        self.topics.append(topic)
        return f"!relay{len(self.rooms)}:hs"
