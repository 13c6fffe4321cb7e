"""Events that reach the bot long after they were sent are not acted on.

A message can arrive days late: its room key came late (the bot kept it undecrypted until
then), or it was sent while the bot was down. "I need to talk" from last week must not page
the team today, and a week-old `!cancel` must not withdraw today's request. So an event older
than `stale_after` (by its server timestamp) is marked handled without running, the log counts
such drops, and a member whose late message was a command in their encrypted DM with the bot
is told that it came too late and asked to send it again; a late talk request gets the crisis
resources with that answer. Nothing is said in shared rooms, and the flood guard applies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.command import parse_command
from bot.flood import FloodGuard
from bot.phrases import talk_language, without_reply_fallback
from commands import talk
from store import Incoming

log = logging.getLogger(__name__)
TALK = frozenset({talk.SPEC.name, *talk.SPEC.aliases})
REPORT_AFTER = 1.0  # seconds: drops in one burst are logged as one count
# (room, language, catalogue key, what the member sent when, as "2026-11-29 18:05")
Tell = Callable[[str, str, str, str], Awaitable[None]]


class LateEvents:
    def __init__(
        self,
        max_age: Callable[[], float],
        tell: Tell,
        language_of: Callable[[str], str],
        flood: FloodGuard | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._max_age = max_age
        self._tell = tell
        self._language_of = language_of
        self._flood = flood
        self._clock = clock
        self._dropped = 0

    def is_late(self, event: Incoming) -> bool:
        return self._clock() - event.origin_ts / 1000 > self._max_age()

    async def drop(self, event: Incoming) -> None:
        """Not acted on: counted, and the member told if it was a command in their DM."""
        if not self._dropped:
            asyncio.get_running_loop().call_later(REPORT_AFTER, self._report)
        self._dropped += 1
        if event.kind != "text" or not event.is_dm or not event.room_encrypted:
            return
        own_words = without_reply_fallback(event.body) if event.reply_to else event.body
        key, language = self._answer(own_words)
        if key is None:
            return
        if self._flood is not None and not self._flood.check(event.sender)[0]:
            return
        sent = datetime.fromtimestamp(event.origin_ts / 1000, UTC).strftime("%Y-%m-%d %H:%M")
        await self._tell(event.room_id, language or self._language_of(event.sender), key, sent)

    @staticmethod
    def _answer(body: str) -> tuple[str | None, str | None]:
        """(catalogue key, the language a talk phrase was in) for a late message."""
        parsed = parse_command(body)
        if parsed is not None:
            return ("late_talk" if parsed[0] in TALK else "late_command"), None
        spoken = talk_language(body)
        return ("late_talk", spoken) if spoken else (None, None)

    def _report(self) -> None:
        log.info(
            "not acted on %d event(s) sent more than %.0f s before they reached the bot "
            "(decrypted late, or sent while it was away)",
            self._dropped,
            self._max_age(),
        )
        self._dropped = 0
