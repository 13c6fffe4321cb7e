"""Passing one event across a relay (bot.relay), before the router sees it.

An event is the relay's when it is the member's, in their DM, during a relayed session, or
the supporter's in that session's relay room; commands (`!end`, `!done`, `!alone`, …),
answers to a consent question and reactions to the bot's own messages stay the router's.
Only the event-id pair is kept (bot.relay_map, store.relay), never the text; the log names
the request, never what was said. A repeat after a crash is answered by the homeserver with
the first copy (transaction ids), so each event is relayed exactly once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from bot.phrases import without_reply_fallback
from bot.ports import Messenger, SenderTrust, Verdict
from bot.relay import RelaySessions
from bot.relay_map import (
    MEDIA,
    MESSAGES,
    Edited,
    Reacted,
    Refused,
    RelayOut,
    Removed,
    Said,
    TooBig,
    plan,
    txn_id,
)
from store import Incoming, Store
from store.records import Request
from store.relay import RelayPair, RelaySession

log = logging.getLogger(__name__)
KINDS = frozenset({*MESSAGES, MEDIA, "edit", "redaction", "reaction", "other"})
MEMBER, SUPPORTER = "member", "supporter"
COMMAND = re.compile(r"\s*!\w")  # `!end`, `!done`, `!alone`: the router's (not "!!!")


class RelayPass:
    def __init__(
        self,
        store: Store,
        sessions: RelaySessions,
        out: RelayOut,
        messenger: Messenger,
        trust: SenderTrust,
        claimed: Callable[[Incoming], bool] = lambda event: False,
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._out = out
        self._messenger = messenger
        self._trust = trust
        self.claimed = claimed  # the router's: a consent answer, a reaction command

    def wrap(self, handle: Callable[[Incoming], Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """The router's handler, after the relay has taken what is its."""

        async def relay_first(event: Incoming) -> None:
            if not await self.take(event):
                await handle(event)

        return relay_first

    async def take(self, event: Incoming) -> bool:
        """Passes the event across if it is the relay's; False leaves it to the router."""
        if event.kind not in KINDS:
            return False
        found = self._where(event)
        if found is None:
            return await self._sessions.choose(event)
        request, session, side = found
        if event.kind == "text" and COMMAND.match(self._words(event)):
            return False
        if self.claimed(event):
            return False
        if not await self._trusted(event):
            await self._note(event, request, side, "relay_untrusted")
            return True
        return await self._pass(event, request, session, side)

    def _where(self, event: Incoming) -> tuple[Request, RelaySession, str] | None:
        session = self._store.relay_session_in(event.room_id)
        if session is not None:
            request = self._store.request(session.request_id)
            accepted = request is not None and request.state == "accepted"
            if request is not None and accepted and event.sender == request.supporter:
                return request, session, SUPPORTER
            return None
        if not event.is_dm:
            return None
        request = self._store.active_request_of(event.sender)
        if request is None or request.state != "accepted":
            return None
        if request.member_room != event.room_id:
            return None
        session = self._store.relay_session(request.id)
        if session is None or not session.relayed or session.room_id is None:
            return None
        return request, session, MEMBER

    async def _trusted(self, event: Incoming) -> bool:
        """Redactions are always sent in clear; anything else must be encrypted, from a
        session the trust policy accepts (a homeserver can forge an unencrypted event)."""
        if event.kind == "redaction":
            return True
        if not event.encrypted:
            return False
        verdict = await self._trust.verdict(event.sender, event.sender_device)
        return verdict is Verdict.TRUSTED

    @staticmethod
    def _words(event: Incoming) -> str:
        if event.kind in MESSAGES and event.reply_to:
            return without_reply_fallback(event.body)
        return event.body

    def _scrubbed(self, text: str, request: Request) -> str:
        """Neither account's Matrix ID is passed on, even typed out."""
        if request.member:
            text = text.replace(request.member, f"member {request.id}")
        if request.supporter:
            text = text.replace(request.supporter, self._sessions.supporter_label(request))
        return text

    async def _pass(
        self, event: Incoming, request: Request, session: RelaySession, side: str
    ) -> bool:
        def lookup(event_id: str) -> RelayPair | None:
            return self._store.relay_counterpart(request.id, event_id)

        body = self._scrubbed(self._words(event), request)
        action = plan(event.kind, body, event.relates_to, event.reply_to, lookup)
        if action is None:
            return False
        if side == MEMBER:
            await self._sessions.tell_member(request)  # before anything is passed on
            there, label = session.room_id or "", None
        else:
            there, label = request.member_room, self._sessions.supporter_label(request)
        txn = txn_id(event.event_id)
        copy: str | None = None
        kind = "reaction" if isinstance(action, Reacted) else event.kind
        if isinstance(action, Said):
            try:
                copy = await self._out.say(there, action, label, txn)
            except TooBig as big:
                await self._note(event, request, side, "relay_too_big", limit=big.limit_mb)
                return True
            if copy is None and action.kind == MEDIA:
                await self._note(event, request, side, "relay_media_failed")
                return True
        elif isinstance(action, Edited):
            await self._out.edit(there, action, label, txn)
        elif isinstance(action, Removed):
            await self._out.redact(there, action.target, txn)
            self._store.drop_relay_pair(request.id, action.target)
        elif isinstance(action, Reacted):
            copy = await self._out.react(there, action, txn)
        elif isinstance(action, Refused):
            await self._note(event, request, side, f"relay_not_{action.what}")
            return True
        if copy is not None:
            self._store.add_relay_pair(request.id, RelayPair(event.event_id, copy, kind))
        log.debug("request %s: relayed a %s from the %s", request.id, event.kind, side)
        return True

    async def _note(
        self, event: Incoming, request: Request, side: str, key: str, **values: object
    ) -> None:
        language = request.language if side == MEMBER else self._sessions.team_language()
        message = self._sessions.texts.render(language, key, **values)
        await self._messenger.send(event.room_id, message)
