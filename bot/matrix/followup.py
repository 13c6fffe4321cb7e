"""Work after each sync batch (introductions in handoff rooms, care checks), off the sync loop.

That work sends messages, and a rate-limited homeserver can hold a send for many seconds
(bot.matrix.outbox): awaited inline, it would stop the bot from reading anything new meanwhile.
It runs in a task of its own instead, one run at a time; batches that arrive during a run ask
for one more run after it, so nothing is introduced twice and nothing is missed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Followup:
    def __init__(
        self,
        work: Callable[[], Awaitable[None]],
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        """`spawn` starts a tracked task (the composition root cancels it at shutdown)."""
        self._work = work
        self._spawn = spawn
        self._running = False
        self._again = False

    async def __call__(self) -> None:
        """Asks for a run; returns at once."""
        if self._running:
            self._again = True
            return
        self._running = True
        self._spawn(self._runs())

    async def _runs(self) -> None:
        try:
            while True:
                self._again = False
                try:
                    await self._work()
                except Exception:  # a failed follow-up must never stop the next ones
                    log.exception("after-sync work failed")
                if not self._again:
                    return
        finally:
            self._running = False
