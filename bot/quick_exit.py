"""A member's quick exit (`!exit`, issue #13): no question asked, speed is the point. At once
their request is withdrawn (the page edited, as for `!cancel`) and everything kept about them
deleted (as `!forget`), every message the bot sent in their DM is redacted, and the bot leaves
the DM. Its last words there, the one message not redacted, are a neutral line on how to
delete the room in their client: nothing in it says what the room was for."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.catalogue import Catalogue
from bot.logs import Redactor
from bot.members import Members
from bot.ports import Eraser, Messenger, Rooms

log = logging.getLogger(__name__)


class QuickExit:
    def __init__(
        self,
        members: Members,
        eraser: Eraser,
        messenger: Messenger,
        rooms: Rooms,
        texts: Catalogue,
        redactor: Redactor,
    ) -> None:
        self._members = members
        self._eraser = eraser
        self._messenger = messenger
        self._rooms = rooms
        self._texts = texts
        self._redact = redactor

    async def leave(self, member: str, room: str, language: str, handling: str) -> None:
        """`room`: the member's DM with the bot; `handling`: the `!exit` event itself."""
        forgotten, erased = await asyncio.gather(
            self._members.forget(member, language, handling),
            self._eraser.erase_own(room),
            return_exceptions=True,
        )
        for failed in (forgotten, erased):
            if isinstance(failed, BaseException):  # the rest still goes ahead
                log.error("a quick exit step failed: %s", type(failed).__name__)
        await self._messenger.send(room, self._texts.render(language, "exit_last_words"))
        with contextlib.suppress(Exception):
            await self._rooms.leave(room)
        log.info("quick exit by %s", self._redact.tag(member))
