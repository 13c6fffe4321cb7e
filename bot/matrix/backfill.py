"""Filling the gap a limited sync leaves: more events arrived in a room between two syncs
(e.g. after downtime) than one sync carries, so the rest is fetched from the room's history
back to the previous sync position."""

from __future__ import annotations

import logging
from typing import Any

from nio import MessageDirection, RoomMessagesResponse, SyncResponse

from bot.logs import Redactor
from bot.matrix.client import BotClient
from bot.matrix.events import joined_in

log = logging.getLogger(__name__)
BACKFILL_PAGES = 20  # of 100 events each, per room and sync


async def backfill(
    client: BotClient, resp: SyncResponse, since: str, redact: Redactor
) -> list[tuple[str, Any]]:
    """(room id, event) a limited timeline left out, oldest first. A room the bot joined in
    this batch has nothing older for it."""
    found: list[tuple[str, Any]] = []
    for room_id, info in resp.rooms.join.items():
        if not info.timeline.limited or not info.timeline.prev_batch:
            continue
        if joined_in(info.timeline.events, client.user_id):
            continue
        gap = await _gap(client, room_id, info.timeline.prev_batch, since, redact)
        gap = [ev for ev in reversed(gap) if getattr(ev, "sender", None) != client.user_id]
        log.info("fetched %d event(s) a sync left out in %s", len(gap), redact.tag(room_id))
        found += [(room_id, ev) for ev in gap]
    return found


async def _gap(
    client: BotClient, room_id: str, start: str, since: str, redact: Redactor
) -> list[Any]:
    gap: list[Any] = []
    for _ in range(BACKFILL_PAGES):
        page = await client.room_messages(
            room_id, start=start, end=since, direction=MessageDirection.back, limit=100
        )
        if not isinstance(page, RoomMessagesResponse):
            log.warning("could not fetch a gap in %s: %s", redact.tag(room_id), page)
            break
        gap += page.chunk
        if not page.chunk or not page.end or page.end == start:
            break
        start = page.end
    else:
        log.warning(
            "a gap in %s is longer than %d events; older ones were not fetched",
            redact.tag(room_id),
            BACKFILL_PAGES * 100,
        )
    return gap
