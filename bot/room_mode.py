"""Room mode: the member and their supporter talk in a private room the bot made.

Someone new comes in by invitation (a new supporter as moderator; an observer at power level
0, where the room's `events_default` keeps them from writing). The bot can only invite into a
room it is still in: once it has left after the introduction (`handoff.bot_stays: false`), a
yes moves the conversation to a new private room with everyone who belongs in it, and the old
one is left to its people (the old supporter leaves when they choose). While an observer is
in a room, the bot stays there, so `!alone` can take them out at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.catalogue import Catalogue
from bot.config import Config
from bot.ports import Meeting, Messenger, Rooms
from bot.roster import Roster
from store import Store
from store.records import Request

log = logging.getLogger(__name__)
MODERATOR, READER = 50, 0


class RoomConversation:
    def __init__(
        self,
        store: Store,
        rooms: Rooms,
        messenger: Messenger,
        texts: Catalogue,
        config: Callable[[], Config],
        roster: Callable[[], Roster],
    ) -> None:
        self._store = store
        self._rooms = rooms
        self._messenger = messenger
        self._texts = texts
        self._config = config
        self._roster = roster

    def _current(self, request: Request) -> str | None:
        """The request's room, if the bot is still in it."""
        room = request.handoff_room
        return room if room is not None and self._rooms.present(room) else None

    async def hand_over(self, request: Request, newcomer: str) -> Meeting:
        assert request.supporter is not None
        room = self._current(request)
        if room is not None:
            await self._rooms.let_in(room, newcomer, MODERATOR)
            return Meeting(room)
        new = await self._rooms.create_handoff(request.member, newcomer)
        log.info("request %s moved to a new room for a handover", request.id)
        return Meeting(new, moved=True)

    async def admit(self, request: Request, observer: str) -> Meeting:
        assert request.supporter is not None
        room = self._current(request)
        if room is not None:
            await self._rooms.let_in(room, observer, READER)
            return Meeting(room)
        new = await self._rooms.create_handoff(request.member, request.supporter, (observer,))
        log.info("request %s moved to a new room for an observer", request.id)
        return Meeting(new, moved=True)

    async def remove(self, request: Request, observer: str, where: str) -> None:
        if self._rooms.present(where):
            await self._rooms.remove(where, observer)
        else:  # cannot happen while the bot keeps its place for observers; say so if it does
            log.warning("request %s: an observer could not be removed (the bot left)", request.id)

    async def settle(self, request: Request) -> None:
        """The bot leaves a room it stayed in only for observers."""
        room = self._current(request)
        if room is None or self._config().handoff.bot_stays or not request.introduced:
            return
        if not self._store.observers(request.id):
            self._store.promise_leave(room)  # kept until it worked (see bot.handoffs)
            await self._rooms.leave(room)
            self._store.left_room(room)

    async def on_sync(self) -> None:
        """Tells the member, in the room, once an observer is there."""
        for observer in self._store.observers():
            if observer.announced or not self._rooms.joined(observer.room_id, (observer.user_id,)):
                continue
            request = self._store.request(observer.request_id)
            if request is None or not self._store.observer_announced(
                observer.request_id, observer.user_id
            ):
                continue
            who = self._roster().supporters.get(observer.user_id)
            name = who.display if who else self._texts.text(request.language, "someone_else")
            message = self._texts.render(request.language, "observer_intro", observer=name)
            await self._messenger.send(observer.room_id, message)
