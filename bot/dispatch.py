"""Runs handlers as tracked tasks so the sync loop never waits for one.

One member's events are handled in the order they arrived (a lock per room and sender);
different members never wait for each other. An event is marked processed in the store when
its handler has finished, never before: one interrupted by a shutdown or crash runs again at
the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.logs import Redactor
from bot.patience import GaveUp, patiently
from bot.stale import LateEvents
from store import Incoming, StoreWriteError

log = logging.getLogger(__name__)
PATIENCE = 300.0  # seconds an event waits for an unreachable homeserver before the next start


class Processed(Protocol):
    """The part of the store the dispatcher uses: an event handled is marked so."""

    def mark_processed(self, event_id: str, now: float | None = None) -> None: ...


class Dispatcher:
    def __init__(
        self,
        handle: Callable[[Incoming], Awaitable[None]],
        store: Processed,
        redactor: Redactor,
        late: LateEvents | None = None,
        unreachable: Callable[[BaseException], bool] = lambda exc: False,
    ) -> None:
        self._handle = handle
        self._store = store
        self._redact = redactor
        self._late = late  # events too old to act on go there instead (bot.stale)
        # a handler that failed because the homeserver could not be reached is run again
        # (handlers are safe to repeat: a crash replays them too), for up to `patience`
        self._unreachable = unreachable
        self.patience = PATIENCE
        self.retry_pause = 0.5
        self._tasks: set[asyncio.Task[None]] = set()
        # one lock per member, with how many of their events hold or wait for it: it is
        # dropped only when none does (a free lock may still have waiters about to wake)
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    def submit(self, event: Incoming, after: asyncio.Event | None = None) -> None:
        """Handles `event` after the member's events submitted before it; with `after`, not
        before that is set (its place in the member's order is taken now)."""
        task = asyncio.create_task(self._run(event, after))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, event: Incoming, after: asyncio.Event | None = None) -> None:
        key = (event.room_id, event.sender)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                if after is not None:
                    await after.wait()
                if not await self._patiently(event):
                    return  # still in the inbox: handled at the next start
                try:
                    self._store.mark_processed(event.event_id)
                except StoreWriteError as exc:
                    # Still in the inbox: handled once more after a restart, never lost.
                    log.error("%s", exc)
        finally:
            _, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _patiently(self, event: Incoming) -> bool:
        """Handles the event; False if the homeserver stayed unreachable all along."""

        async def once() -> None:
            if self._late is not None and self._late.is_late(event):
                await self._late.drop(event)
            else:
                await self._handle(event)

        try:
            await patiently(once, self._unreachable, self.patience, self.retry_pause)
        except GaveUp:
            log.error(
                "an event from %s waits for the next start: the homeserver did not answer "
                "for %.0f s",
                self._redact.tag(event.sender),
                self.patience,
            )
            return False
        except Exception:  # the router answers errors; this is the last guard
            log.exception("handling an event from %s failed", self._redact.tag(event.sender))
        return True

    async def drain(self, timeout: float) -> None:
        """Lets running handlers finish (up to `timeout`), then cancels the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            log.warning("%d event(s) left for the next start", len(pending))
