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

    def _text(self, key: str, request_id: str, until: float | None = None) -> str:
        text = self._team.text(key).replace("{id}", request_id)
        return text.replace("{until}", self._when(until))

    def _when(self, until: float | None) -> str:
        if until is None:
            return self._team.text("block_forever")
        return datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M UTC")

    async def block(
        self, request_id: str, seconds: float | None, reason: str | None, by: str, organizer: bool
    ) -> str:
        """Blocks the member of `request_id`; the team's answer (CommandError if not)."""
        request = self._store.request(request_id)
        if request is None:
            raise CommandError(self._text("block_gone", request_id.upper()))
        if not organizer and request.supporter != by:
            raise CommandError(self._text("block_not_yours", request.id))
        now = self._clock()
        until = now + (self._config().safety.block_for if seconds is None else seconds)
        new = self._store.block(request.id, until, reason, now)
        if new is None:
            raise CommandError(self._text("block_gone", request.id))
        log.info("request %s: its member is blocked", request.id)
        if request.active:  # the session (or the wait) ends; the member hears it calmly
            await self._withdraw(request.member)
            await self._replies.tell(request.member_room, request.language, "blocked_member")
        return self._text("block_done" if new else "block_again", request.id, until)

    def unblock(self, request_id: str, by: str, organizer: bool) -> str:
        request = self._store.request(request_id)
        if request is not None and not organizer and request.supporter != by:
            raise CommandError(self._text("block_not_yours", request.id))
        if not self._store.unblock(request_id):
            raise CommandError(self._text("unblock_none", request_id.upper()))
        log.info("request %s: the block on its member is lifted", request_id.upper())
        return self._text("unblock_done", request_id.upper())

    def listing(self, organizer: bool) -> tuple[str, dict[str, object]]:
        """`!blocks`: ids and until when; the reasons only for organizers."""
        found = self._store.blocks(self._clock())
        if not found:
            return self._team.text("blocks_none"), {}
        lines, values = [self._team.text("blocks_title")], dict[str, object]()
        for i, block in enumerate(found):
            line = self._team.text("blocks_line")
            reason = self._team.text("blocks_reason") if organizer and block.reason else ""
            line = line.replace("{reason}", reason.replace("{reason}", f"{{r{i}}}"))
            lines.append(line.replace("{id}", f"{{i{i}}}").replace("{until}", f"{{u{i}}}"))
            values |= {f"i{i}": block.request_id, f"u{i}": self._when(block.until)}
            values[f"r{i}"] = block.reason or ""
        return "\n".join(lines), values

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
            self._team.text("repeat_team"), n=len(ids), ids=", ".join(ids)
        )
