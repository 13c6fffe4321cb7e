"""The support line: from "I need to talk" to a private room with an on-call peer supporter.

The lifecycle rules live in bot.handoff (pure); this module carries them out: it stores every
step before acting on it (so a restart resumes instead of repeating: the rule is in
store.store, the private room's steps in bot.handoffs), pages the team room without ever
naming the member, and keeps the deadlines (escalation, give-up, session expiry) in one loop
rebuilt from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Literal

from bot import handoff
from bot.catalogue import Catalogue
from bot.config import Config
from bot.errors import CommandError
from bot.handoffs import Handoffs, NoRoom, new_marker, once_key
from bot.line_hooks import NO_HOOKS, LineHooks
from bot.logs import Redactor
from bot.metrics import LineEvent, Record
from bot.pages import Pages
from bot.ports import Messenger, Rooms
from bot.replies import MemberReplies
from bot.roster import Roster, Supporter
from bot.team import TeamRoom
from bot.text import Mention, Message, Piece
from store import Incoming, Store
from store.records import Request

log = logging.getLogger(__name__)
# What a deadline step counts as, for the metrics
STEP_EVENTS: dict[handoff.Step, LineEvent] = {
    handoff.Step.ESCALATE: "escalate",
    handoff.Step.GIVE_UP: "give_up",
    handoff.Step.EXPIRE: "expire",
    handoff.Step.LAPSE: "lapse",
}
ACCEPT_REACTIONS = ("✅", "👍", "✔")
# Seconds a private room may take (a rate-limited homeserver: a minute and more) before the
# member hears that it is being prepared.
PREPARING_AFTER = 8.0
# Seconds a member's answer waits for the page sent before it (bot.pages: under load the page
# goes first); a page held longer than this, the answer goes out anyway.
ACK_WAITS_FOR_PAGE = 1.0


class SupportLine:
    def __init__(
        self,
        store: Store,
        config: Callable[[], Config],
        roster: Callable[[], Roster],
        messenger: Messenger,
        rooms: Rooms,
        team: TeamRoom,
        redactor: Redactor,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[set[str]], str] = handoff.new_id,
        texts: Catalogue | None = None,
        record: Record | None = None,
        hooks: LineHooks = NO_HOOKS,
    ) -> None:
        self._store = store
        self._config = config
        self._roster = roster
        self._messenger = messenger
        self._rooms = rooms
        self._team = team
        self._redact = redactor
        self._clock = clock
        self._new_id = new_id
        self._texts = texts or Catalogue()
        self._wake = asyncio.Event()
        self._record: Record = record or _not_counted
        self._hooks = hooks
        self._pages = Pages(
            store,
            team,
            self._pageable,
            self._supporter_name,
            clock,
            leads=hooks.leads,
            reminder_gap=lambda: config().escalation.ack_timeout / 2,
        )
        self._pages.on_early = self._accept_early
        self._replies = MemberReplies(
            messenger, self._texts, lambda: config().resources, roster, self._now
        )
        self.handoffs = Handoffs(
            store, rooms, messenger, self._texts, config, roster, hooks, redactor
        )

    # -- helpers ---------------------------------------------------------------------------
    def _timing(self) -> handoff.Timing:
        c = self._config()
        return handoff.Timing(
            c.escalation.ack_timeout,
            c.escalation.give_up_after,
            c.handoff.session_timeout,
            c.privacy.retention,
        )

    @staticmethod
    def _until(request: Request) -> str:
        """When a request nobody took is closed, for the member: `2026-11-30 18:05` (UTC)."""
        return datetime.fromtimestamp(request.next_deadline or 0, UTC).strftime("%Y-%m-%d %H:%M")

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _pageable(self, tier: int) -> list[Supporter]:
        if self._team.room_id is None:
            return []
        now = self._now()
        on_call = self._roster().pageable(
            tier, now, self._store.open_sessions(), self._store.overrides(now.timestamp())
        )
        return self._hooks.pageable(on_call)  # not those past their limits or resting

    def pageable(self, tier: int) -> list[Supporter]:
        """Who a page of this tier would mention now."""
        return self._pageable(tier)

    async def _edit_page(self, request: Request) -> None:
        """The page, edited to show this request's (and its page-mates') state now."""
        await self._pages.refresh(request.page_event)

    def _supporter_name(self, user_id: str | None) -> str:
        who = self._roster().supporters.get(user_id or "")
        return who.name if who else self._team.text("someone_else")

    # -- members ---------------------------------------------------------------------------
    async def talk(self, member: str, room: str, language: str) -> None:
        """A member asked for a peer, in their encrypted DM `room`."""
        if await self._hooks.turned_away(member, room, language):  # blocked: not paged
            return
        existing = self._store.active_request_of(member)
        if existing is not None and existing.state == "open" and existing.gave_up:
            # asking again keeps a request nobody could take yet for longer
            kept = handoff.asked_again(existing, self._clock(), self._timing())
            if self._store.update_request(existing, kept):
                await self._replies.tell(
                    room, language, "talk_still_open", "request_kept", until=self._until(kept)
                )
                return
            existing = self._store.active_request_of(member)  # taken or closed meanwhile
        if existing is not None:
            key = "talk_in_session" if existing.state == "accepted" else "talk_still_open"
            await self._replies.tell(room, language, key)
            if self._unpaged(existing):  # saved, but the process died before its page went out
                await self._pages.page(existing)
            return
        tier1, tier2 = self._pageable(1), self._pageable(2)
        nobody = not tier1 and not tier2
        now = self._clock()
        request = handoff.open_request(
            self._new_id(self._store.request_ids()),
            member,
            room,
            language,
            now,
            self._timing(),
            nobody_on_call=nobody,
        )
        if not self._store.add_request(request):  # a twin request won the race
            await self._replies.tell(room, language, "talk_still_open")
            return
        log.info("request %s opened by %s", request.id, self._redact.tag(member))
        self._record("request")
        if nobody:
            self._record("give_up")
            ack = self._replies.tell(
                room,
                language,
                "talk_nobody",
                "request_kept",
                "promise",  # the first answer says what the line does and doesn't
                *self._hooks.ack_extra(),  # and, asked to, offers the relay
                next_shift=self._replies.next_shift(language),
                until=self._until(request),
            )
        else:
            ack = self._replies.tell(
                room, language, "talk_ack", "promise", *self._hooks.ack_extra()
            )
        self._wake.set()
        if self._pages.busy:
            # Under load the homeserver persists events one after another: the page goes
            # first, so it does not queue behind a crowd of acknowledgements; but a page the
            # homeserver holds back (rate limits) must not hold the member's answer too.
            paging = asyncio.ensure_future(self._pages.page(request))
            try:
                await asyncio.wait({paging}, timeout=ACK_WAITS_FOR_PAGE)
            finally:
                await ack  # the member hears back even if the team room cannot be reached
            await paging
        else:  # the member's answer and the page go out together
            await asyncio.gather(ack, self._pages.page(request))
        await self._hooks.opened(request)

    async def too_late(self, room: str, language: str, key: str, sent: str) -> None:
        """A member's message that reached the bot too late to act on (see bot.stale)."""
        await self._replies.tell(room, language, key, when=sent)

    def resources_message(self, language: str, topic: str | None) -> Message:
        return self._replies.resources_message(language, topic)

    async def withdraw_all(self, member: str) -> bool:
        """For `!forget`: ends the member's request, whatever its state; True if there was one."""
        request = self._store.active_request_of(member)
        if request is None:
            return False
        if request.state == "open":
            if self._store.update_request(request, handoff.cancel(request, self._clock())):
                self._record("cancel")
                await self._edit_page(request)
        else:
            await self._close(request, "done")
        return True

    async def cancel(
        self, member: str, room: str, language: str, event_id: str | None = None
    ) -> None:
        """`event_id`: the member's !cancel (recorded on the request it withdraws)."""
        request = self._store.active_request_of(member)
        if request is None:
            last = self._store.last_request_of(member)
            if last is not None and event_id is not None and last.closed_by == event_id:
                # this very !cancel, handled again after a crash: the same answer (once)
                await self._replies.tell(
                    room, language, "cancelled", once=once_key("cancelled", last)
                )
                return
            await self._replies.tell(room, language, "nothing_to_cancel")
            return
        if request.state == "accepted":
            await self._replies.tell(room, language, "cancel_in_session")
            return
        closed = dataclasses.replace(handoff.cancel(request, self._clock()), closed_by=event_id)
        if self._store.update_request(request, closed):
            self._record("cancel")
            await self._edit_page(request)
            await self._replies.tell(
                room, language, "cancelled", once=once_key("cancelled", request)
            )
            log.info("request %s cancelled", request.id)
        else:  # accepted a moment ago
            await self._replies.tell(room, language, "cancel_in_session")

    # -- supporters ------------------------------------------------------------------------
    async def accept(self, request_id: str, supporter_id: str) -> None:
        supporter = self._roster().supporters.get(supporter_id)
        if supporter is None:
            raise CommandError("not_supporter")
        if request_id.startswith("$"):  # ✅ on a page not recorded yet: taken once it is
            self._pages.early_accept(request_id, supporter_id)
            return
        request = self._store.request(request_id)
        if request is None:
            raise CommandError("no_request", id=request_id.upper())
        mine = request.state == "accepted" and request.supporter == supporter_id
        if mine and request.handoff_room is None:  # the same accept again, after a crash
            await self._hand_off(request)
            return
        try:
            accepted = handoff.accept(request, supporter_id, self._clock(), self._timing())
            if not self._store.update_request(request, accepted):
                raise handoff.Refused("taken", self._store.request(request.id) or request)
        except handoff.Refused as refused:
            raise self._refusal(refused) from None
        log.info("request %s accepted by %s", request.id, self._redact.tag(supporter_id))
        self._record("accept", (accepted.accepted_at or 0) - accepted.created_at)
        await self._edit_page(request)
        await self._hand_off(accepted)

    async def _accept_early(self, request_id: str, supporter_id: str) -> None:
        try:
            await self.accept(request_id, supporter_id)
        except CommandError as exc:  # taken meanwhile: nobody is waiting for this answer
            log.info("an early ✅ on request %s was not taken: %s", request_id, type(exc).__name__)

    def _refusal(self, refused: handoff.Refused) -> CommandError:
        r = refused.request
        if refused.reason == "taken":
            return CommandError(
                "taken_by", id=r.id, supporter=self._team.mention(r.supporter or "")
            )
        return CommandError("withdrawn" if refused.reason == "cancelled" else "closed", id=r.id)

    def reaction_command(self, event: Incoming) -> tuple[str, str] | None:
        """✅ or 👍 on a page in the team room means `!accept ID`."""
        if event.room_id != self._team.room_id or not event.relates_to:
            return None
        if not event.body.startswith(ACCEPT_REACTIONS):
            return None
        request = self._pages.accept_target(event.relates_to)
        if request is not None:
            return "accept", request.id
        if self._pages.unrecorded():  # perhaps a page sent just before a crash: see accept
            return "accept", event.relates_to
        return None

    async def _hand_off(self, request: Request) -> None:
        """Sets up the private room for an accepted request (found again after a crash, never
        made twice); if none can be made, the request goes back to open (see _no_room)."""
        if self._hooks.relayed(request):  # the member and the relay room are told by the relay
            room = await self._hooks.open_relay(request)
            if request.handoff_room != room:
                self._store.update_request(request, dataclasses.replace(request, handoff_room=room))
            supporter = self._roster().supporters.get(request.supporter or "")
            if supporter is not None:
                await self._team.send(
                    "accepted_team_relay",
                    None,
                    once_key("taken", request),
                    id=request.id,
                    supporter=Mention(supporter.user_id, supporter.name),
                )
            return
        making = asyncio.ensure_future(self.handoffs.room_for(request))
        told = False
        try:
            try:
                done = await asyncio.wait_for(asyncio.shield(making), PREPARING_AFTER)
            except TimeoutError:  # the homeserver holds the room back: the member hears why
                told = True
                await self._replies.tell(
                    request.member_room,
                    request.language,
                    "room_preparing",
                    once=once_key("preparing", request),
                    supporter=self._name(request),
                )
                done = await making
        except NoRoom as exc:
            await self._no_room(request, str(exc))
            return
        if done is None:  # closed or changed meanwhile
            return
        await self._tell_accepted(done, told)

    async def _tell_accepted(self, request: Request, told: bool = False) -> None:
        """The member (unless already told the room is being prepared) and the team hear the
        request was taken (the same messages again after a crash: sent once, see
        Messenger.send)."""
        supporter = self._roster().supporters.get(request.supporter or "")
        if not told:
            await self._replies.tell(
                request.member_room,
                request.language,
                "accepted_member",
                once=once_key("accepted", request),
                supporter=self._name(request),
            )
        if supporter is not None:
            mention = Mention(supporter.user_id, supporter.name)
            await self._team.send(
                "accepted_team", None, once_key("taken", request), id=request.id, supporter=mention
            )

    def _name(self, request: Request) -> str:
        supporter = self._roster().supporters.get(request.supporter or "")
        return (
            supporter.display
            if supporter
            else self._texts.text(request.language, "supporter_unnamed")
        )

    async def _no_room(self, accepted: Request, why: str) -> None:
        """No private room could be made: the request is open again and paged anew, the
        member hears that it takes longer, the supporter what happened."""
        request = self._store.request(accepted.id)
        if request is None or request.state != "accepted" or request.handoff_room is not None:
            return
        reopened = handoff.reopen(request, self._clock(), self._timing(), new_marker())
        if not self._store.update_request(request, reopened):
            return
        log.error("request %s: no private room could be made (%s); paged again", request.id, why)
        self._wake.set()
        await self._replies.tell(request.member_room, request.language, "handoff_failed_member")
        supporter = request.supporter or ""
        await self._team.send(
            "handoff_failed_team", id=request.id, supporter=self._team.mention(supporter)
        )
        await self._pages.page(reopened)

    def _unpaged(self, request: Request) -> bool:
        """Open, meant to be paged (someone was on call), and no page recorded."""
        return request.state == "open" and request.page_event is None and not request.gave_up

    async def done(self, request_id: str, supporter_id: str, organizer: bool) -> Piece:
        request = self._store.request(request_id)
        closed = self._team.piece("session_closed", id=request_id.upper())
        mine = request is not None and (request.supporter == supporter_id or organizer)
        if request is not None and request.state == "done" and mine:
            return closed  # the same !done again: after a crash its answer may have been lost
        if request is None or request.state != "accepted":
            raise CommandError("no_session", id=request_id.upper())
        if not mine:
            raise CommandError("not_your_session", id=request.id)
        await self._close(request, "done")
        return closed

    async def _close(self, request: Request, state: Literal["done"]) -> None:
        closed = handoff.finish(request, self._clock(), state)
        with self._closing(request):
            if not self._store.update_request(request, closed, leave=request.handoff_room):
                return
            self._record(state)
            await self._edit_page(request)
            await self._leave(request)

    @contextlib.contextmanager
    def _closing(self, request: Request) -> Iterator[None]:
        """While a session closes, its room is not left by the promise alone (a sync may run
        `leave_promised` meanwhile): the relay and observers' hooks speak in it first."""
        room = request.handoff_room
        if room is not None:
            self.handoffs.closing.add(room)
        try:
            yield
        finally:
            if room is not None:
                self.handoffs.closing.discard(room)

    async def _leave(self, request: Request) -> None:
        """Leaves the room promised (with the step that closed the request) to be left; the
        bot may have left already, after the introduction: that counts as left."""
        with contextlib.suppress(Exception):
            await self._hooks.before_leave(request)  # observers go first
        self.handoffs.closing.discard(request.handoff_room or "")  # both sides told: now
        await self.handoffs.leave_promised()

    async def store_down(self) -> None:
        """The store cannot be written (a full disk): the organizers hear it, if a message
        can still go out."""
        await self._team.to_organizers(self._team.piece("store_down_team"))

    # -- after each sync and at start -----------------------------------------------------
    async def on_sync(self) -> None:
        """Introduces each new handoff once both people are in the room, then leaves it."""
        await self.handoffs.introduce()

    async def resume(self) -> None:
        """After a restart, whatever a crash left half done: rooms the bot promised to leave,
        requests saved but never paged, handoffs whose private room was never recorded (found
        again if it was made). One that cannot be finished does not stop the others."""
        with contextlib.suppress(Exception):
            await self.handoffs.leave_promised()
        for request in self._store.open_requests():
            try:
                if self._unpaged(request):
                    await self._pages.page(request)
                await self._resume_gave_up(request)
            except Exception:
                log.exception("resuming request %s after a restart failed", request.id)
        with contextlib.suppress(Exception):  # a ✅ kept while its page was on its way
            await self._pages.take_early()
        for request in self._store.accepted_requests():
            try:
                if request.handoff_room is None:
                    await self._hand_off(request)
                elif not request.introduced:  # perhaps nobody was told yet
                    await self._tell_accepted(request)
            except Exception:
                log.exception("resuming request %s failed; it needs the team", request.id)

    async def _tell_gave_up(self, request: Request, now: float) -> None:
        """The honest answer to the member, and the word to the team, when nobody took the
        request in time. Recorded (gave_up) before, so the same messages (same transaction
        ids) are said again at a restart soon after: a crash in between must not leave the
        member in silence."""
        once = once_key("gave-up", request)
        await self._replies.tell(
            request.member_room,
            request.language,
            "talk_gave_up",
            "request_kept",
            once=once,
            until=self._until(request),
        )
        age = self._team.waited(now - request.created_at)
        await self._team.send("gave_up_team", None, once, id=request.id, waited=age)

    async def _resume_gave_up(self, request: Request) -> None:
        """A give-up recorded within the last hour is said again (the homeserver answers a
        repeated transaction with the same event; it keeps them a day)."""
        given_up_at = request.created_at + self._timing().give_up_after
        if request.gave_up and self._clock() - given_up_at < 3600:
            await self._tell_gave_up(request, given_up_at)

    # -- deadlines ------------------------------------------------------------------------
    async def run_deadlines(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.process_due()
            nxt = self._store.next_deadline()
            timeout = None if nxt is None else max(0.05, nxt - self._clock())
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                waiters = {
                    asyncio.ensure_future(self._wake.wait()),
                    asyncio.ensure_future(stop.wait()),
                }
                _, pending = await asyncio.wait(
                    waiters, timeout=timeout, return_when="FIRST_COMPLETED"
                )
                for task in pending:
                    task.cancel()

    async def process_due(self) -> None:
        """Carries out every deadline that has come (escalate, give up, expire)."""
        now = self._clock()

        async def one(request: Request) -> None:
            try:
                await self._due(request, now)
            except Exception:
                log.exception("a deadline of request %s failed", request.id)

        # together, so reminders that fall due at once go out as one team message
        await asyncio.gather(*(one(r) for r in self._store.due_requests(now)))

    async def _due(self, request: Request, now: float) -> None:
        step = handoff.due(request, now, self._timing())
        if step is None:
            return
        updated, kind = step
        leave = request.handoff_room if kind is handoff.Step.EXPIRE else None
        with self._closing(request):
            if self._store.update_request(request, updated, leave=leave):
                await self._stepped(request, updated, kind, now)

    async def _stepped(
        self, request: Request, updated: Request, kind: handoff.Step, now: float
    ) -> None:
        self._record(STEP_EVENTS[kind])
        if kind is handoff.Step.ESCALATE and self._unpaged(updated):
            await self._pages.page(updated)  # never paged (a crash): a page, which ✅ accepts
        elif kind is handoff.Step.ESCALATE:
            await self._pages.escalate(updated)
        elif kind is handoff.Step.GIVE_UP:
            await self._tell_gave_up(updated, now)
        elif kind is handoff.Step.EXPIRE:
            await self._edit_page(request)
            await self._leave(request)
        elif kind is handoff.Step.LAPSE:  # the member was told when, in every answer since
            log.info("request %s closed: nobody could take it in time", request.id)
            await self._edit_page(request)


def _not_counted(event: LineEvent, seconds: float | None = None) -> None:
    return None
