"""Messages the bot cannot decrypt yet: keep them, retry when the key comes, and only after a
grace period tell the sender (once per room, sender and Megolm session) what to do.

A member's client may deliver the room key a moment after the message, or withhold it
(`m.room_key.withheld`, e.g. because it does not trust the bot's device); those notices are
remembered so the message to the member can say why.

What is kept is bounded, so nobody can fill the store with ciphertext the bot can never read:
at most KEPT_PER_SENDER events per sender (their oldest make room for their newest) and
KEPT_AT_MOST in all (beyond that new ones are not kept, and the log counts them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from bot.logs import Redactor
from bot.text import Message
from store import Incoming, Store, StoreWriteError
from store.records import KeptEvent

log = logging.getLogger(__name__)


class _StillLocked:
    pass


STILL_LOCKED = _StillLocked()
# Returns the decrypted event as an inbox entry, None when it decrypted to something the bot
# does not handle, or STILL_LOCKED when its key is still missing.
TryDecrypt = Callable[[KeptEvent], "Incoming | _StillLocked | None"]
Send = Callable[[str, Any], Awaitable[object]]
KEPT_FOR = 7 * 24 * 3600
KEPT_PER_SENDER = 20
KEPT_AT_MOST = 1000
WITHHELD_REMEMBERED = 1000  # withheld notices (any device can send them), newest kept

# What a withheld key's code says about why, as the notice's catalogue key says it.
WHY = {
    "m.unverified": "unverified",
    "m.blacklisted": "blacklisted",
    "m.unauthorised": "unauthorised",
    "m.no_olm": "no_olm",
}
# (sender, why: one of WHY's values or "") → the notice, in the sender's language
Notice = Callable[[str, str], Message]


class Undecryptable:
    def __init__(
        self,
        store: Store,
        try_decrypt: TryDecrypt,
        send: Send,
        notice: Notice,
        redactor: Redactor,
        grace: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._try_decrypt = try_decrypt
        self._send = send
        self._notice = notice
        self._redact = redactor
        self._grace = grace
        self._clock = clock
        self._withheld: OrderedDict[str, str] = OrderedDict()  # Megolm session id → code
        self._timers: set[asyncio.Task[None]] = set()
        self._refused = 0  # not kept since the store became full

    def withheld(self, session_id: str, code: str) -> None:
        self._withheld[session_id] = code
        self._withheld.move_to_end(session_id)
        while len(self._withheld) > WITHHELD_REMEMBERED:
            self._withheld.popitem(last=False)

    def keep(self, event: KeptEvent) -> None:
        if self._store.undecryptable_count() >= KEPT_AT_MOST:
            if not self._refused:
                log.warning(
                    "%d undecryptable events are kept already: new ones are not kept until "
                    "some are decrypted or expire",
                    KEPT_AT_MOST,
                )
            self._refused += 1
            return
        if self._store.keep_undecryptable(event, per_sender=KEPT_PER_SENDER):
            if self._refused:
                log.warning("%d undecryptable event(s) were not kept while full", self._refused)
                self._refused = 0
            log.warning(
                "cannot decrypt an event from %s in %s yet; keeping it for its key",
                self._redact.tag(event.sender),
                self._redact.tag(event.room_id),
            )
            self._arm(event)

    def resume(self) -> None:
        """After a restart: drop what is too old, re-arm the timers of the rest."""
        self._store.drop_undecryptable(self._clock() - KEPT_FOR)
        for event in self._store.kept_undecryptable():
            self._arm(event)

    def _arm(self, event: KeptEvent) -> None:
        delay = max(0.0, event.first_seen + self._grace - self._clock())
        task = asyncio.create_task(self._notice_after(event, delay))
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    def retry(self) -> list[Incoming]:
        """Decrypts what can be decrypted now; returns the new inbox entries to handle."""
        readable: list[Incoming] = []
        for event in self._store.kept_undecryptable():
            result = self._try_decrypt(event)
            if isinstance(result, _StillLocked):
                continue
            try:
                readable += self._store.decrypted_late(
                    event.event_id, [] if result is None else [result]
                )
            except StoreWriteError as exc:  # what was moved is handed on; the rest stays kept
                log.error("%s", exc)
                break
        return readable

    async def _notice_after(self, event: KeptEvent, delay: float) -> None:
        await asyncio.sleep(delay)
        if event.event_id not in {e.event_id for e in self._store.kept_undecryptable()}:
            return  # decrypted in the meantime
        if not self._store.claim_undecryptable_notice(
            event.room_id, event.sender, event.session_id, self._clock()
        ):
            return  # already told for this session
        why = WHY.get(self._withheld.get(event.session_id, ""), "")
        await self._send(event.room_id, self._notice(event.sender, why))

    async def settle(self) -> None:
        """Waits for every armed timer (tests use it with a grace of 0)."""
        await asyncio.gather(*list(self._timers), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._timers):
            task.cancel()
        await asyncio.gather(*self._timers, return_exceptions=True)
