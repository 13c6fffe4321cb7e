"""Taking back what the bot said in a room (a member's quick exit, issue #13): every message
event the bot sent there is redacted, so the member's client shows none of it any more."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nio import MessageDirection, RoomMessagesResponse, RoomRedactError

from bot.logs import Redactor

log = logging.getLogger(__name__)
PAGES = 50  # of 100 events each: a DM longer than that is not one a member can be exposed by
ERASABLE = frozenset({"m.room.message", "m.room.encrypted", "m.reaction", "m.sticker"})


def erasable(source: Any, own_id: str) -> str | None:
    """The event's id if it is one of the bot's own messages, not yet redacted."""
    if not isinstance(source, dict) or source.get("sender") != own_id:
        return None
    if "state_key" in source or source.get("type") not in ERASABLE:
        return None
    unsigned = source.get("unsigned")
    if isinstance(unsigned, dict) and "redacted_because" in unsigned:
        return None
    if not source.get("content"):  # redacted already: nothing left to read
        return None
    event_id = source.get("event_id")
    return event_id if isinstance(event_id, str) else None


class MatrixEraser:
    def __init__(self, client: Any, redactor: Redactor) -> None:
        self._client = client
        self._redact = redactor

    async def erase_own(self, room_id: str) -> int:
        ids = await self._own_messages(room_id)
        results = await asyncio.gather(
            *(self._client.room_redact(room_id, event_id) for event_id in ids)
        )
        failed = sum(isinstance(r, RoomRedactError) for r in results)
        if failed:
            log.warning(
                "%d of %d message(s) in %s could not be redacted",
                failed,
                len(ids),
                self._redact.tag(room_id),
            )
        return len(ids) - failed

    async def _own_messages(self, room_id: str) -> list[str]:
        found: list[str] = []
        start: str | None = None
        for _ in range(PAGES):
            page = await self._client.room_messages(
                room_id, start=start, direction=MessageDirection.back, limit=100
            )
            if not isinstance(page, RoomMessagesResponse):
                log.warning("could not read the history of %s: %s", self._redact.tag(room_id), page)
                break
            own_id = self._client.user_id
            found += [
                e for e in (erasable(getattr(ev, "source", None), own_id) for ev in page.chunk) if e
            ]
            if not page.chunk or not page.end or page.end == start:
                break
            start = page.end
        return found
