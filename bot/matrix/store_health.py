"""The store as the sync loop sees it, when writing stops working (a full disk).

One log line when writing fails and one when it works again; one word to the organizers per
episode (if a message can still go out). And nio's crypto state: nio decrypts a batch's
to-device messages before warmline commits the batch, changing its Olm state in memory (a
one-time key used, a room key taken) and then writing it. If that write fails, memory is
ahead of the disk: the batch comes again (its position did not move), but its to-device
messages no longer decrypt against the state in memory, and the room keys they carried are
lost for good — a member's request becomes "I couldn't read a message you sent". Worse, nio
ignores a batch that leads where the last one it began led, so the batch that comes again
would not be decrypted at all. So after such a failure the persisted part of the crypto
state is read back from the store and nio forgets that batch before it is fetched again, as
a restart would (bot.matrix.client.BotClient.reload_crypto).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.logs import StateLog
from bot.matrix.client import BotClient
from bot.matrix.faults import where

log = logging.getLogger(__name__)


class StoreHealth:
    def __init__(
        self, client: BotClient, store_down: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self._client = client
        self._store_down = store_down  # a word to the organizers when writing stops working
        self._state = StateLog("store")
        self._telling: set[asyncio.Task[None]] = set()
        self._crypto_behind = False  # nio's state on disk is behind the one in memory

    @property
    def ok(self) -> bool:
        return self._state.ok

    def down(self, reason: str, crypto: bool = False, tell: bool = True) -> None:
        """Writing failed (`crypto`: nio's own write, while it handled a batch)."""
        first = self._state.ok
        self._state.down(reason)
        self._crypto_behind |= crypto
        if first and tell and self._store_down is not None:
            task = asyncio.create_task(self._tell(self._store_down))
            self._telling.add(task)
            task.add_done_callback(self._telling.discard)

    def up(self) -> None:
        self._state.up()

    def ready_to_sync(self) -> bool:
        """Before a batch is fetched: nio's crypto state read back from the store if a write
        of it failed. False if that read failed too (try again after a pause)."""
        if not self._crypto_behind:
            return True
        try:
            self._client.reload_crypto()
        except Exception as exc:
            self._state.down(f"reading the crypto state back failed ({where(exc)})")
            return False
        self._crypto_behind = False
        return True

    @staticmethod
    async def _tell(tell: Callable[[], Awaitable[None]]) -> None:
        try:
            await tell()
        except Exception as exc:  # sending may need the store too: the log line says it
            log.warning(
                "could not tell the organizers that the store cannot be written (%s)", where(exc)
            )
