"""Blocks that don't unmask (issue #13). The supporter who has or had a request, or an
organizer, blocks the member behind it by the request's id, during the session or after it
closed (while the store keeps the request: privacy.retention). The store knows the member
only by a keyed hash (store.safety); the team sees request ids, until when, and (organizers
only) the reason. A blocked member who asks again is not paged: they get a calm, fixed
answer with the crisis resources, never silence. Repeated requests (more than
`safety.repeat_limit` in a week from one member) are told to the organizers once, by ids."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.catalogue import Catalogue
from bot.config import Config
from bot.errors import CommandError
from bot.line_hooks import LineHooks
from bot.ports import Messenger
from bot.replies import MemberReplies
from bot.roster import Roster
from bot.team import TeamRoom
from bot.text import Piece, join
from store import Store
from store.records import Request

log = logging.getLogger(__name__)


class Blocks:
    def __init__(
        self,
        store: Store,
        config: Callable[[], Config],
        team: TeamRoom,
        messenger: Messenger,
        texts: Catalogue,
        roster: Callable[[], Roster],
        withdraw: Callable[[str], Awaitable[bool]],  # the line's: ends a member's request
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._config = config
        self._team = team
        self._withdraw = withdraw
        self._clock = clock
        self._replies = MemberReplies(
            messenger,
            texts,
            lambda: config().resources,
            roster,
            lambda: datetime.fromtimestamp(clock(), UTC),
        )

    def hooks(self, hooks: LineHooks) -> LineHooks:
        """The line's hooks with these added: blocked members turned away, requests noted."""
        return dataclasses.replace(hooks, turned_away=self.turned_away, opened=self.opened)

    def _when(self, until: float | None) -> str:
        if until is None:
            return self._team.text("block_forever")
        return datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M UTC")

    async def block(
        self, request_id: str, seconds: float | None, reason: str | None, by: str, organizer: bool
    ) -> Piece:
        """Blocks the member of `request_id`; the team's answer (CommandError if not)."""
        request = self._store.request(request_id)
        if request is None:
            raise CommandError("block_gone", id=request_id.upper())
        if not organizer and request.supporter != by:
            raise CommandError("block_not_yours", id=request.id)
        now = self._clock()
        until = now + (self._config().safety.block_for if seconds is None else seconds)
        new = self._store.block(request.id, until, reason, now)
        if new is None:
            raise CommandError("block_gone", id=request.id)
        log.info("request %s: its member is blocked", request.id)
        if request.active:  # the session (or the wait) ends; the member hears it calmly
            await self._withdraw(request.member)
            await self._replies.tell(request.member_room, request.language, "blocked_member")
        key = "block_done" if new else "block_again"
        return self._team.piece(key, id=request.id, until=self._when(until))

    def unblock(self, request_id: str, by: str, organizer: bool) -> Piece:
        request = self._store.request(request_id)
        if request is not None and not organizer and request.supporter != by:
            raise CommandError("block_not_yours", id=request.id)
        if not self._store.unblock(request_id):
            raise CommandError("unblock_none", id=request_id.upper())
        log.info("request %s: the block on its member is lifted", request_id.upper())
        return self._team.piece("unblock_done", id=request_id.upper())

    def listing(self, organizer: bool) -> Piece:
        """`!blocks`: ids and until when; the reasons only for organizers."""
        found = self._store.blocks(self._clock())
        if not found:
            return self._team.piece("blocks_none")
        lines: list[object] = [self._team.piece("blocks_title")]
        for block in found:
            shown = organizer and block.reason
            reason = self._team.piece("blocks_reason", reason=block.reason) if shown else ""
            lines.append(
                self._team.piece(
                    "blocks_line", id=block.request_id, until=self._when(block.until), reason=reason
                )
            )
        return join(lines)

    def count(self) -> int:
        return len(self._store.blocks(self._clock()))

    # -- the line's hooks ------------------------------------------------------------------
    async def turned_away(self, member: str, room: str, language: str) -> bool:
        """A blocked member asking: answered calmly with the resources, nobody paged."""
        if not self._store.is_blocked(member, self._clock()):
            return False
        log.info("a blocked member asked again; nobody was paged")
        await self._replies.tell(room, language, "blocked_member")
        return True

    async def opened(self, request: Request) -> None:
        """Notes a new request; past the weekly limit, the organizers hear it once."""
        ids, told = self._store.note_ask(request.id, self._clock())
        if len(ids) <= self._config().safety.repeat_limit or told:
            return
        self._store.mark_told(request.id)
        await self._team.to_organizers(
            self._team.piece("repeat_team", n=len(ids), ids=", ".join(ids))
        )
