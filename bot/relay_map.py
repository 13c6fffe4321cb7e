"""What one event on one side of a relay becomes on the other side: pure, no I/O.

Every relayed event has a pair: the original (in the member's DM, or the supporter's relay
room) and the bot's copy on the other side. Replies, edits, reactions and redactions name an
event on their own side; the pair gives the copy to point at on the other. A redaction takes
the pair away with the copy, so nothing can be done to a message that is gone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from store.relay import RelayPair

MESSAGES = ("text", "emote", "notice")  # relayed as they are (an emote stays an emote)
MEDIA = "media"  # an image, file, voice message or video: body is its description (JSON)
Lookup = Callable[[str], RelayPair | None]


@dataclass(frozen=True)
class Said:
    kind: str
    body: str
    reply_to: str | None  # the copy on the other side that this replies to


@dataclass(frozen=True)
class Edited:
    target: str  # the copy to edit
    kind: str
    body: str


@dataclass(frozen=True)
class Removed:
    target: str  # the copy to redact


@dataclass(frozen=True)
class Reacted:
    target: str  # the copy to react to
    key: str


@dataclass(frozen=True)
class Refused:
    """Cannot be passed on; the sender gets a short note (`what`: "edit" or "other")."""

    what: str


Action = Said | Edited | Removed | Reacted | Refused


def plan(
    kind: str, body: str, relates_to: str | None, reply_to: str | None, lookup: Lookup
) -> Action | None:
    """The action for one event; None when the relay has nothing to do with it (a reaction
    to one of the bot's own messages is the router's, say a 👍 on a consent question)."""
    if kind in MESSAGES or kind == MEDIA:
        target = lookup(reply_to) if reply_to else None
        return Said(kind, body, target.other if target else None)
    if kind == "edit":
        pair = lookup(relates_to) if relates_to else None
        if pair is None or pair.kind not in MESSAGES:
            return Refused("edit")
        return Edited(pair.other, pair.kind, body)
    if kind == "redaction":
        pair = lookup(relates_to) if relates_to else None
        return None if pair is None else Removed(pair.other)
    if kind == "reaction":
        pair = lookup(relates_to) if relates_to else None
        if pair is None or pair.kind == "reaction":
            return None
        return Reacted(pair.other, body)
    return Refused("other")


def txn_id(event_id: str, what: str = "copy") -> str:
    """The transaction id of the copy of `event_id`: the homeserver answers a repeat (after
    a crash between sending and recording the pair) with the first event instead of a second
    one, so each event is relayed exactly once."""
    digest = hashlib.sha256(f"{what}:{event_id}".encode()).hexdigest()[:32]
    return f"warmline-relay-{digest}"


class TooBig(Exception):
    """An attachment above the relay's limit (`limit_mb`): the sender is told."""

    def __init__(self, limit_mb: int) -> None:
        super().__init__(f"above {limit_mb} MB")
        self.limit_mb = limit_mb


class RelayOut(Protocol):
    """Sending for the relay (bot.matrix.relay_out): copies carry no sender's Matrix ID,
    name, avatar, mention or reply fallback; `label` (the member's side only) names the
    supporter as the roster does. An attachment is decrypted, encrypted again with a new
    key and uploaded again (TooBig above the limit)."""

    async def say(self, room: str, said: Said, label: str | None, txn: str) -> str | None: ...

    async def edit(self, room: str, edited: Edited, label: str | None, txn: str) -> str | None: ...

    async def redact(self, room: str, target: str, txn: str) -> None: ...

    async def react(self, room: str, reacted: Reacted, txn: str) -> str | None: ...

    async def open_room(self, supporter: str, name: str, topic: str) -> str:
        """A private encrypted room with only the bot and `supporter` (RoomError if not)."""
        ...
