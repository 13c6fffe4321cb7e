"""An accepted request's private room, step by step, so that a crash or a failed call at any
point is finished at the next sync or start and nothing is done twice (the rule: store.store):

- the room: a marker is stored on the request before the room is created and kept in the
  room's state; after a crash the room is looked for by it before another one is made;
- the introduction: sent with an idempotency key (sent again after a crash, it is the same
  event) and recorded only once it went out;
- leaving: promised in the store, in the same transaction as the step that calls for it, and
  crossed off only once the leave succeeded; until then tried again at every sync and start,
  with a growing pause and one log line per room.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import secrets
import time
from collections.abc import Callable

from bot.catalogue import Catalogue
from bot.config import Config
from bot.line_hooks import LineHooks
from bot.logs import Redactor
from bot.ports import Messenger, Rooms
from bot.roster import Roster
from bot.text import render
from store import Store
from store.records import Request

log = logging.getLogger(__name__)
ROOM_TRIES = 3  # a private room that cannot be made after this many tries: the request reopens
LEAVE_PAUSE_MAX = 300.0  # seconds between tries to leave a room, at most


class NoRoom(Exception):
    """No private room could be made; the text is for the operator."""


def new_marker() -> str:
    return secrets.token_hex(16)


def once_key(kind: str, request: Request) -> str:
    """An idempotency key for one side effect of one request in its current room."""
    room = hashlib.sha256((request.handoff_room or "").encode()).hexdigest()[:16]
    return f"{kind}-{request.id}-{room}"


class Handoffs:
    def __init__(
        self,
        store: Store,
        rooms: Rooms,
        messenger: Messenger,
        texts: Catalogue,
        config: Callable[[], Config],
        roster: Callable[[], Roster],
        hooks: LineHooks,
        redactor: Redactor,
        pause: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._rooms = rooms
        self._messenger = messenger
        self._texts = texts
        self._config = config
        self._roster = roster
        self._hooks = hooks
        self._redact = redactor
        self.pause = pause
        self._clock = clock
        self._leave_at: dict[str, tuple[float, float]] = {}  # room: next try, pause after
        self._making: set[str] = set()  # requests whose room is being made now
        # rooms whose session is closing in this process: left only once both sides were told
        # (a relay room, observers); after a crash the promise alone counts
        self.closing: set[str] = set()

    # -- the room ---------------------------------------------------------------------------
    async def room_for(self, request: Request) -> Request | None:
        """`request` with its private room recorded: found again (made before a crash) or
        made now. None if the request changed meanwhile (closed, or taken elsewhere); NoRoom
        if no room could be made."""
        assert request.supporter is not None
        if request.id in self._making:  # a replayed accept and the restart's resume
            return None
        self._making.add(request.id)
        try:
            return await self._room_for(request, request.supporter)
        finally:
            self._making.discard(request.id)

    async def _room_for(self, request: Request, supporter: str) -> Request | None:
        marked = request
        if request.room_marker is None:  # the intent, before the side effect
            marked = dataclasses.replace(request, room_marker=new_marker())
            if not self._store.update_request(request, marked):
                return None
        assert marked.room_marker is not None
        room = await self._find_or_make(marked.member, supporter, marked.room_marker)
        done = dataclasses.replace(marked, handoff_room=room)
        if self._store.update_request(marked, done):
            return done
        now = self._store.request(request.id)
        if now is not None and now.handoff_room == room:
            # recorded meanwhile by another path (a replayed accept and the restart's resume,
            # one of them holding an older copy): the same room, carried on there
            return None
        log.info("request %s changed while its room was made: the bot leaves it", request.id)
        self._store.promise_leave(room)
        await self.leave_promised()
        return None

    async def _find_or_make(self, member: str, supporter: str, marker: str) -> str:
        pause = self.pause
        for attempt in range(1, ROOM_TRIES + 1):
            try:
                found = await self._rooms.find_handoff(member, supporter, marker)
                return found or await self._rooms.create_handoff(member, supporter, marker=marker)
            except Exception as exc:  # a failed call may still have made it: looked for again
                log.warning(
                    "could not make a private room (try %d of %d): %s", attempt, ROOM_TRIES, exc
                )
                if attempt == ROOM_TRIES:
                    raise NoRoom(str(exc)) from exc
                await asyncio.sleep(pause)
                pause *= 2
        raise AssertionError("unreachable")

    # -- the introduction -------------------------------------------------------------------
    async def introduce(self) -> None:
        """Introduces each new handoff once both people are in its room, then leaves the room
        (unless the bot stays); finishes leaving rooms it promised to leave."""
        for request in self._store.accepted_requests():
            if request.introduced or request.handoff_room is None or request.supporter is None:
                continue
            if self._hooks.relayed(request):  # the member is never in a relay room
                continue
            if not self._rooms.joined(request.handoff_room, (request.member, request.supporter)):
                continue
            # an observer in the room: the bot stays, so `!alone` can take them out at once
            stays = self._config().handoff.bot_stays or self._hooks.keeps_room(request)
            supporter = self._roster().supporters.get(request.supporter)
            unnamed = self._texts.text(request.language, "supporter_unnamed_within")
            name = supporter.display if supporter else unnamed
            leaving = "" if stays else self._texts.text(request.language, "handoff_leaving")
            intro = self._texts.text(request.language, "handoff_intro").replace(
                "{leaving}", leaving
            )
            direction = self._texts.direction(request.language)
            sent = await self._messenger.send(
                request.handoff_room,
                render(intro, direction, supporter=name),
                once_key("intro", request),
            )
            if sent is None:
                continue  # not out: tried again after the next sync
            introduced = dataclasses.replace(request, introduced=True)
            leave = None if stays else request.handoff_room
            self._store.update_request(request, introduced, leave=leave)
        await self.leave_promised()

    # -- leaving ----------------------------------------------------------------------------
    async def leave_promised(self) -> None:
        """Leaves every room the bot promised to leave and has not yet left."""
        now = self._clock()
        for room in self._store.rooms_to_leave():
            if room in self.closing:
                continue
            due, pause = self._leave_at.get(room, (0.0, self.pause))
            if now < due:
                continue
            try:
                await self._rooms.leave(room)
            except Exception as exc:
                if room not in self._leave_at:  # one line per room, not one per try
                    log.warning(
                        "could not leave %s yet (%s); trying again", self._redact.tag(room), exc
                    )
                self._leave_at[room] = (now + pause, min(pause * 2, LEAVE_PAUSE_MAX))
                continue
            self._leave_at.pop(room, None)
            self._store.left_room(room)
