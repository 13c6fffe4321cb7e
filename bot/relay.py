"""The anonymous relay's sessions (issue #13, `handoff.mode: relay | ask`).

The member stays in their DM with the bot; the supporter who accepts gets a private relay
room with the bot, named "member K7F2". The bot passes messages across (bot.relay_pass):
the member sees the supporter's roster name, the supporter sees the request's id, and neither
sees the other's account. The member hears what relay means before anything is passed on;
both sides hear when it ends (`!done`, `!end`, the session timeout), and then every event id
the relay kept is deleted. With `ask`, the member's acknowledgement offers the relay in one
line; a `private` reply chooses it, and silence means `handoff.ask_default`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable

from bot.catalogue import Catalogue
from bot.config import Config
from bot.line_hooks import LineHooks
from bot.phrases import without_reply_fallback
from bot.ports import Messenger
from bot.relay_map import RelayOut
from bot.roster import Roster
from store import Incoming, Store
from store.records import Request

log = logging.getLogger(__name__)
NEUTRAL_NAME = "Chat"  # as a handoff room's with discreet: true (bot.matrix.rooms)
PRIVATE_WORDS = frozenset({"private", "!private", "خاص", "!خاص"})


class RelaySessions:
    def __init__(
        self,
        store: Store,
        out: RelayOut,
        messenger: Messenger,
        texts: Catalogue,
        config: Callable[[], Config],
        roster: Callable[[], Roster],
    ) -> None:
        self._store = store
        self._out = out
        self._messenger = messenger
        self.texts = texts  # bot.relay_pass renders with it too
        self._config = config
        self._roster = roster
        # ends a member's session (the support line's withdraw_all), set by the composition
        # root once the line exists
        self.end_session: Callable[[str], Awaitable[bool]] | None = None

    # -- names -------------------------------------------------------------------------
    def supporter_label(self, request: Request) -> str:
        """How the member sees the supporter: their roster name (and pronouns)."""
        who = self._roster().supporters.get(request.supporter or "")
        return who.display if who else self.texts.text(request.language, "someone_else")

    def team_language(self) -> str:
        return self.texts.default

    # -- the mode ----------------------------------------------------------------------
    def relayed(self, request: Request) -> bool:
        """Whether this request's session is (or will be) relayed."""
        session = self._store.relay_session(request.id)
        if request.handoff_room is not None:  # begun: whatever the config says now
            return session is not None and session.room_id == request.handoff_room
        if session is not None:
            return session.relayed
        handoff = self._config().handoff
        if handoff.mode == "ask":
            return handoff.ask_default == "relay"
        return handoff.mode == "relay"

    def ack_extra(self) -> tuple[str, ...]:
        """The line the acknowledgement gains in `ask` mode."""
        return ("ask_offer",) if self._config().handoff.mode == "ask" else ()

    async def choose(self, event: Incoming) -> bool:
        """A member's `private` in their DM while their request waits (ask mode)."""
        if event.kind != "text" or not event.is_dm or self._config().handoff.mode != "ask":
            return False
        words = without_reply_fallback(event.body) if event.reply_to else event.body
        word = words.strip().strip("`'\"").lower()
        if word not in PRIVATE_WORDS and word.rstrip(".!") not in PRIVATE_WORDS:
            return False
        request = self._store.active_request_of(event.sender)
        if request is None or request.state != "open" or request.member_room != event.room_id:
            return False
        self._store.choose_relay(request.id, True)
        log.info("request %s: the member chose the relay", request.id)
        await self._tell(request.member_room, request.language, "relay_chosen")
        return True

    # -- start and end -----------------------------------------------------------------
    async def open(self, request: Request) -> str:
        """The supporter's relay room for an accepted request (the same one again after a
        crash), and both sides told: the member first, before anything is passed on."""
        assert request.supporter is not None
        session = self._store.relay_session(request.id)
        room = session.room_id if session is not None else None
        team = self.team_language()
        if room is None:
            if self._config().discreet:  # nothing in the supporter's room list says what it is
                name, topic = NEUTRAL_NAME, ""
            else:
                name = self.texts.text(team, "relay_room_name").replace("{id}", request.id)
                topic = self.texts.text(team, "relay_room_topic").replace("{id}", request.id)
            room = await self._out.open_room(request.supporter, name, topic)
            self._store.set_relay_room(request.id, room)
            log.info("request %s: relay room made", request.id)
        await self.tell_member(request)
        await self._tell(
            room,
            team,
            "relay_started_supporter",
            id=request.id,
            supporter=self.supporter_label(request),
        )
        return room

    async def tell_member(self, request: Request) -> None:
        """What relay means, once, before the first message is passed on."""
        session = self._store.relay_session(request.id)
        if session is None or session.member_told:
            return
        self._store.relay_member_told(request.id)
        await self._tell(
            request.member_room,
            request.language,
            "relay_started_member",
            supporter=self.supporter_label(request),
        )

    async def ending(self, request: Request) -> None:
        """A relayed session ends: both sides are told, and the event ids go."""
        session = self._store.relay_session(request.id)
        if session is None:
            return
        self._store.end_relay(request.id)
        if not session.relayed or session.room_id is None or request.state != "accepted":
            return
        log.info("request %s: relay ended", request.id)
        if request.member_room:
            await self._tell(
                request.member_room,
                request.language,
                "relay_ended_member",
                supporter=self.supporter_label(request),
            )
        await self._tell(
            session.room_id, self.team_language(), "relay_ended_supporter", id=request.id
        )

    async def end_by_member(self, member: str) -> bool:
        """`!end`: the member's session ends (False: they have none)."""
        request = self._store.active_request_of(member)
        if request is None or request.state != "accepted" or self.end_session is None:
            return False
        return await self.end_session(member)

    def request_in(self, room_id: str) -> str | None:
        """The request whose relay room this is, if any (for `!done` there)."""
        session = self._store.relay_session_in(room_id)
        return session.request_id if session is not None else None

    async def _tell(self, room: str, language: str, key: str, **values: object) -> None:
        await self._messenger.send(room, self.texts.render(language, key, **values))


def with_relay(hooks: LineHooks, sessions: RelaySessions) -> LineHooks:
    """The support line's hooks, with the relay's: it opens relayed sessions, adds the
    `ask` line to acknowledgements, and is told (after the care's own step) when one ends."""
    before = hooks.before_leave

    async def before_leave(request: Request) -> None:
        try:
            await before(request)  # observers go first
        finally:
            await sessions.ending(request)

    return dataclasses.replace(
        hooks,
        relayed=sessions.relayed,
        open_relay=sessions.open,
        ack_extra=sessions.ack_extra,
        before_leave=before_leave,
    )
