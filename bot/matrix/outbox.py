"""The order the bot's messages leave in while the homeserver rate-limits it.

A homeserver with default limits (Synapse: `rc_message` 0.2/s after a burst of 10) answers a
busy bot with `429 M_LIMIT_EXCEEDED`. nio retries such a request by itself after
`retry_after_ms` (nothing is lost), but every waiting caller retries on its own, in no order:
a member's acknowledgement can queue behind a dozen page edits. So once a 429 is seen, sends
go out one at a time, the most urgent first: what a member is waiting for (acknowledgements,
honest answers), then pages, then introductions in handoff rooms, then edits of old pages and
team notices. An edit of a message whose previous edit is still waiting replaces it (one edit
goes out, with the newest text).

Order alone does not save a member's wait when every message costs the same scarce token: a
page sent for each request spends half of them. So once the homeserver has shown that it limits
the bot (and for as long as the process runs), everything but members' answers is paced: at
most one such message every LOW_GAP seconds, and pages submitted meanwhile are combined
(bot.pages) into the next. With Synapse's defaults (10 at once, then one every 5 s) twelve
requests within 24 s get their twelve answers and two or three pages from the fifteen
messages the homeserver allows, instead of twelve answers and twelve pages.

An episode (from the first 429 after a quiet spell to QUIET_AFTER seconds without one) is
reported once through `on_episode`, so the organizers hear of it once, not once a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

log = logging.getLogger(__name__)
QUIET_AFTER = 600.0  # seconds without a 429 that end an episode
LOW_GAP = 10.0  # seconds between two messages that are not a member's answer, once limited


class Urgency(IntEnum):
    MEMBER = 0  # acknowledgements and answers in a member's DM
    PAGE = 1  # new messages in the team room
    INTRO = 2  # introductions in handoff rooms
    LATER = 3  # edits (old pages) and the bot's own notices


@dataclass(order=True)
class _Item:
    urgency: int
    seq: int
    room_id: str = field(compare=False)
    content: dict[str, Any] = field(compare=False)
    merge_key: tuple[str, str] | None = field(compare=False)
    done: asyncio.Future[str | None] = field(compare=False)
    txn_id: str | None = field(compare=False, default=None)


class Outbox:
    def __init__(
        self,
        send: Callable[[str, dict[str, Any], str | None], Awaitable[str | None]],
        on_episode: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        low_gap: float = LOW_GAP,
    ) -> None:
        self._send = send
        self._low_gap = low_gap
        self._last_low = float("-inf")
        self._arrived = asyncio.Event()
        self.throttled = False  # the homeserver has limited the bot since it started
        self._on_episode = on_episode
        self._clock = clock
        self._queue: list[_Item] = []
        self._merging: dict[tuple[str, str], _Item] = {}
        self._seq = itertools.count()
        self._drainer: asyncio.Task[None] | None = None
        self._last_429: float | None = None
        self._retry_until = 0.0
        self.episodes = 0

    @property
    def limited(self) -> bool:
        """A 429 was seen and the homeserver has not been quiet since."""
        return self._last_429 is not None and self._clock() - self._last_429 < QUIET_AFTER

    def rate_limited(self, retry_after_ms: int | None) -> None:
        """Called for every 429 the client sees (nio's response callback)."""
        now = self._clock()
        wait = (retry_after_ms if retry_after_ms is not None else 5000) / 1000
        new_episode = not self.limited
        self.throttled = True
        self._last_429 = now
        self._retry_until = max(self._retry_until, now + wait)
        if new_episode:
            self.episodes += 1
            log.warning(
                "the homeserver is rate-limiting the bot (retry after %.1f s): messages go out "
                "one at a time, members' first",
                wait,
            )
            if self._on_episode is not None:
                asyncio.ensure_future(self._on_episode()).add_done_callback(_log_failure)

    async def submit(
        self,
        room_id: str,
        content: dict[str, Any],
        urgency: Urgency,
        merge_key: tuple[str, str] | None = None,
        txn_id: str | None = None,
    ) -> str | None:
        """`txn_id`: the transaction id (a repeat after a crash returns the first event)."""
        if not self.throttled and not self._queue and not self._busy:
            return await self._send(room_id, content, txn_id)
        if merge_key is not None and (waiting := self._merging.get(merge_key)) is not None:
            waiting.content = content  # the newer edit wins; one goes out
            return await asyncio.shield(waiting.done)
        item = _Item(
            int(urgency),
            next(self._seq),
            room_id,
            content,
            merge_key,
            asyncio.get_running_loop().create_future(),
            txn_id,
        )
        heapq.heappush(self._queue, item)
        self._arrived.set()  # a paced wait ends: this one may be more urgent
        if merge_key is not None:
            self._merging[merge_key] = item
        if not self._busy:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())
        return await asyncio.shield(item.done)

    @property
    def _busy(self) -> bool:
        return self._drainer is not None and not self._drainer.done()

    async def _drain(self) -> None:
        while self._queue:
            now = self._clock()
            wait = self._retry_until - now  # nio would sleep inside the request: here instead
            if self.throttled and self._queue[0].urgency > Urgency.MEMBER:
                wait = max(wait, self._last_low + self._low_gap - now)
            if wait > 0:  # then pick again: something more urgent may have come
                self._arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), wait)
                continue
            item = heapq.heappop(self._queue)
            if item.urgency > Urgency.MEMBER:
                self._last_low = now
            if item.merge_key is not None:
                self._merging.pop(item.merge_key, None)
            try:
                result = await self._send(item.room_id, item.content, item.txn_id)
            except asyncio.CancelledError:
                for rest in [item, *self._queue]:
                    rest.done.cancel()
                self._queue.clear()
                self._merging.clear()
                raise
            except Exception as exc:  # its caller hears of it; the others still go out
                item.done.set_exception(exc)
            else:
                item.done.set_result(result)


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("telling the organizers about the rate limit failed: %s", type(exc).__name__)
