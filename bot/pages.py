"""Pages in the team room, combined under load without delaying a lone request.

Natural batching: a page goes out at once; requests that arrive while it is in flight go out
together in the next message, so a burst of a hundred requests becomes a handful of team
messages instead of a hundred (the homeserver persists events one room at a time, and a
hundred page events queue behind each other). The same holds for escalation reminders. A
page is always re-rendered from the store: edits show every listed request's current state.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from bot.roster import Supporter
from bot.team import TeamRoom
from bot.text import Piece, join
from store.records import Request

log = logging.getLogger(__name__)
T = TypeVar("T")


class Coalescer(Generic[T]):
    """`submit` returns once its item has been sent; items submitted while a send is in
    flight are sent together by the next call of `send`. Sending runs in a task of its own,
    so one submitter being cancelled never strands the others' items."""

    def __init__(self, send: Callable[[list[T]], Awaitable[None]]) -> None:
        self._send = send
        self._waiting: list[tuple[T, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """A send is in flight: a new item will wait for the next one."""
        return self._sender is not None and not self._sender.done()

    @property
    def waiting(self) -> int:
        """How many items wait for the next send."""
        return len(self._waiting)

    async def submit(self, item: T) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if not self.busy:
            self._sender = asyncio.create_task(self._drain())
        await asyncio.shield(done)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._send([item for item, _ in batch])
            except Exception as exc:  # every submitter of the batch hears of it
                for _, fut in batch:
                    fut.set_exception(exc)
            except BaseException:  # cancelled (shutting down): nobody waits forever
                for _, fut in batch + self._waiting:
                    fut.cancel()
                self._waiting = []
                raise
            else:
                for _, fut in batch:
                    fut.set_result(None)


class PageRecords(Protocol):
    """The part of the store the pages use: which requests a page lists, and whether one
    is paged already."""

    def requests_paged_as(self, event_id: str) -> list[Request]: ...

    def set_page_event(self, request_ids: list[str], event_id: str) -> None: ...

    def request(self, request_id: str) -> Request | None: ...

    def set_page_txn(self, request_ids: list[str], txn: str) -> None: ...

    def requests_meant_for(self, txn: str) -> list[Request]: ...

    def pages_on_their_way(self) -> bool: ...

    def keep_early_accept(self, page_event: str, supporter: str, now: float) -> None: ...

    def early_accepts(self) -> list[tuple[str, str]]: ...

    def drop_early_accept(self, page_event: str) -> None: ...


class Pages:
    def __init__(
        self,
        store: PageRecords,
        team: TeamRoom,
        pageable: Callable[[int], list[Supporter]],
        supporter_name: Callable[[str | None], str],
        clock: Callable[[], float] = time.time,
        leads: Callable[[], list[Supporter]] = list,
        reminder_gap: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self._store = store
        # reminders of one request closer than this are one (after an outage the queued
        # ones all went out at once; bench.chaos counted them twice within a second)
        self._gap = reminder_gap
        self._reminded: dict[str, float] = {}  # request: when it was last reminded
        self._leads = leads  # the lead on call, mentioned on escalations too
        self._team = team
        self._pageable = pageable
        self._name = supporter_name
        self._clock = clock
        self._new: Coalescer[Request] = Coalescer(self._send_new)
        self._reminders: Coalescer[Request] = Coalescer(self._send_reminders)
        self._paging: set[str] = set()  # requests whose first page is on its way
        # ✅ on a page before its event was recorded (sent just before a crash): kept in the
        # store (a crash must not lose it) and taken as the accept once the page is recorded
        self.on_early: Callable[[str, str], Awaitable[None]] | None = None

    @property
    def busy(self) -> bool:
        return self._new.busy

    async def page(self, request: Request) -> None:
        """Pages tier 1 (or tier 2 if nobody in tier 1 can take it) about a new request,
        unless it is paged already or on its way (after a restart, the restart itself and
        the member's message handled again both see it unpaged)."""
        stored = self._store.request(request.id)
        if stored is None or stored.state != "open" or stored.page_event is not None:
            return
        if request.id in self._paging:
            return
        if stored.page_txn is not None:  # begun before a crash: the same page again
            group = self._store.requests_meant_for(stored.page_txn)
            ids = {r.id for r in group}
            self._paging |= ids
            try:
                await self._send_new(group, stored.page_txn)
            finally:
                self._paging -= ids
            return
        self._paging.add(request.id)
        try:
            await self._new.submit(stored)
        finally:
            self._paging.discard(request.id)

    async def escalate(self, request: Request) -> None:
        """Pages tier 2 and reminds tier 1 about a request nobody accepted in time."""
        await self._reminders.submit(request)

    def _line(self, r: Request) -> Piece:
        """One open request as a list line of a combined page."""
        waited = self._team.waited(self._clock() - r.created_at)
        return self._team.piece("page_line", id=r.id, language=r.language, waited=waited)

    async def _send_new(self, requests: list[Request], once: str | None = None) -> None:
        began = time.monotonic()
        mentioned = self._pageable(1) or self._pageable(2)
        if once is None:
            # the intent first: after a crash before the page's event was recorded, the same
            # page again, the same transaction (a request reopened after a failed handoff
            # has a new room marker: a new page)
            listed = "-".join(f"{r.id}.{r.created_at:.0f}.{r.room_marker}" for r in requests)
            once = "page-" + hashlib.sha256(listed.encode()).hexdigest()[:32]
            self._store.set_page_txn([r.id for r in requests], once)
        if len(requests) == 1:
            r = requests[0]
            waited = self._team.waited(self._clock() - r.created_at)
            event = await self._team.send(
                "page", mentioned, once, id=r.id, language=r.language, waited=waited
            )
        else:
            lines = [self._team.piece("page_many"), *map(self._line, requests)]
            event = await self._team.send_text(join(lines), mentioned, once)
        log.info("paged %d request(s) in %.0f ms", len(requests), (time.monotonic() - began) * 1000)
        if event is None:
            return
        self._store.set_page_event([r.id for r in requests], event)
        await self.take_early(event)
        if any(r.state != "open" for r in self._store.requests_paged_as(event)):
            await self.refresh(event)  # withdrawn while the page was on its way

    async def _send_reminders(self, requests: list[Request]) -> None:
        now, gap = self._clock(), self._gap()
        requests = [r for r in requests if now - self._reminded.get(r.id, -gap) >= gap]
        if not requests:
            return
        mentioned = self._pageable(2) + self._pageable(1)
        mentioned += [s for s in self._leads() if s not in mentioned]
        if len(requests) == 1:
            r = requests[0]
            waited = self._team.waited(self._clock() - r.created_at)
            await self._team.send(
                "escalation", mentioned, id=r.id, language=r.language, waited=waited
            )
        else:
            lines = [self._team.piece("escalation_many"), *map(self._line, requests)]
            await self._team.send_text(join(lines), mentioned)
        sent = self._clock()  # when it went out (it may have waited for the homeserver)
        self._reminded = {k: t for k, t in self._reminded.items() if sent - t < 3600}
        self._reminded.update((r.id, sent) for r in requests)

    def _state(self, r: Request) -> tuple[str, dict[str, object]]:
        """The catalogue key and values describing one request on its page now."""
        if r.state == "open":
            return "page", {"language": r.language, "waited": self._team.waited(0)}
        if r.state == "accepted":
            return "page_taken", {"supporter": self._name(r.supporter)}
        if r.state == "cancelled":
            return "page_cancelled", {}
        return "page_closed", {"outcome": self._team.text(f"outcome_{r.state}")}

    async def refresh(self, page_event: str | None) -> None:
        """Edits the page to show the current state of every request it lists."""
        if page_event is None:
            return
        requests = self._store.requests_paged_as(page_event)
        if len(requests) == 1:
            key, values = self._state(requests[0])
            if key == "page":  # still open: as paged, without mentioning anyone again
                values["waited"] = self._team.waited(self._clock() - requests[0].created_at)
            await self._team.edit(page_event, key, id=requests[0].id, **values)
            return
        if not requests:
            return
        lines = [self._team.piece("page_many_edit")]
        for r in requests:
            key, state = self._state(r)
            if key == "page":
                lines.append(self._line(r))
            else:
                lines.append(Piece("- {line}", {"line": self._team.piece(key, id=r.id, **state)}))
        await self._team.edit_text(page_event, join(lines))

    def unrecorded(self) -> bool:
        """Whether a page may be out whose event the bot has not recorded (a crash)."""
        return self._store.pages_on_their_way()

    def early_accept(self, page_event: str, supporter: str) -> None:
        """✅ by `supporter` on `page_event`, not (yet) known as a page."""
        self._store.keep_early_accept(page_event, supporter, self._clock())

    async def take_early(self, page_event: str | None = None) -> None:
        """Takes each kept ✅ whose page is recorded now (only `page_event`'s if given) as
        its supporter's accept; forgotten only once taken (a crash between: taken again at
        the restart, and refused as already taken)."""
        for event, supporter in self._store.early_accepts():
            if page_event not in (None, event):
                continue
            target = self.accept_target(event)
            if target is None:
                continue  # not recorded (yet): kept, bounded by the store
            if self.on_early is not None:
                await self.on_early(target.id, supporter)
            self._store.drop_early_accept(event)

    def accept_target(self, page_event: str) -> Request | None:
        """What ✅ on a page takes: its request, or on a combined page the oldest still open
        (or, if none is, the first, so the supporter is told it is taken)."""
        requests = self._store.requests_paged_as(page_event)
        open_ones = [r for r in requests if r.state == "open"]
        chosen = open_ones or requests
        return chosen[0] if chosen else None
