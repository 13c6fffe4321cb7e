"""The sync loop: exactly-once handling across crashes, backoff, invites, stop; and no batch,
however malformed, that can stop it.

nio stores its sync token before running callbacks, so a crash in between drops events. Here
each batch's new events are written to the encrypted inbox *in the same transaction* that
advances warmline's own sync position; handlers then run as tracked tasks and mark each event
processed when done. A crash at any point leaves either the old position (the batch comes
again and is deduped by event id) or the events waiting in the inbox (handled after restart).

Hostile input: the client (`bot.matrix.guard`) leaves out whatever nio cannot take and
reports it; this loop counts it and logs it once per batch (never content; IDs tagged). Each
event the bot's own code takes from a batch is guarded on its own as well. Whatever still
raises while a batch is fetched or taken is caught: the batch is tried again (the same `since`
token brings it back) and after MAX_TRIES failures it is skipped past with one error line.
No batch is retried forever, and no batch stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nio import SyncError, SyncResponse

from bot.config import MatrixConfig
from bot.logs import Redactor
from bot.matrix.backfill import backfill
from bot.matrix.batch import (
    answer_invites,
    answer_kept_invites,
    keep_undecryptable,
    key_housekeeping,
)
from bot.matrix.client import BotClient
from bot.matrix.events import incoming, timeline
from bot.matrix.faults import DropLog, guarded, where
from bot.matrix.roomstate import (
    changes,
    forget_left,
    members_unsure,
    put_back,
    reload_members,
)
from bot.matrix.store_health import StoreHealth
from bot.matrix.undecryptable import Undecryptable
from store import Incoming, Store, StoreWriteError

log = logging.getLogger(__name__)
MAX_TRIES = 3  # a batch that fails this often is skipped past

SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"limit": 500},  # SyncTuning.timeline_limit
        "ephemeral": {"types": []},
        "account_data": {"types": []},
        # Lazy-loaded members (#16): without them Synapse looks up every room the bot is in on
        # every sync (is it partially joined?): 24-34 ms of the homeserver's time per sync at
        # 5,000 DMs against 5 ms, twice per !help. Joins and leaves still come as timeline
        # events. A limited timeline's state may name only its senders: those rooms' members
        # are loaded again and their Megolm session dropped (`members_unsure`); full-state
        # syncs ask for every member (`_eager`). Accepted: a membership that changes only by
        # state resolution (a fork in a federated room, no event of its own in the timeline)
        # is not sent to lazy-loading clients (Element's case too); nio sees it when it next
        # loads the room's members.
        "state": {"lazy_load_members": True},
    },
}


@dataclass(frozen=True)
class SyncTuning:
    """Settings only tests change (passed in by bot.dev.run, never read from the environment)."""

    # Events beyond this many per room between two syncs arrive as a gap (see backfill).
    timeline_limit: int = 500
    # Called right after a batch with new events is committed, before any handler runs.
    after_commit: Callable[[], None] | None = None
    # The first wait before a failed sync is tried again (doubling up to a minute).
    retry_pause: float = 1.0
    # Awaited before each sync (tests: hold the bot between two batches to make a gap).
    before_sync: Callable[[], Awaitable[None]] | None = None


@dataclass(frozen=True)
class _Failure:
    reason: str
    next_batch: str | None  # where the failed batch would have led, if it was received


class SyncLoop:
    def __init__(
        self,
        client: BotClient,
        store: Store,
        matrix: MatrixConfig,
        submit: Callable[[Incoming], None],
        redactor: Redactor,
        stop: asyncio.Event,
        undecryptable: Undecryptable,
        devices_changed: Callable[[list[str]], None] = lambda users: None,
        after_batch: Callable[[], Awaitable[None]] | None = None,
        tuning: SyncTuning | None = None,
        store_down: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._matrix = matrix
        self._submit = submit
        self._redact = redactor
        self._stop = stop
        self._devices_changed = devices_changed
        self._undecryptable = undecryptable
        self._after_batch = after_batch
        self.first_sync_done = asyncio.Event()
        self._store_health = StoreHealth(client, store_down)
        self._tuning = tuning or SyncTuning()
        self._filter = copy.deepcopy(SYNC_FILTER)
        self._filter["room"]["timeline"]["limit"] = self._tuning.timeline_limit
        # A full-state sync (a new store, kept state unreadable) is the list every later batch
        # builds on: every member, and no member counts from a lazy-loading summary to mislead.
        self._eager = copy.deepcopy(self._filter)
        self._eager["room"]["state"]["lazy_load_members"] = False
        self._backoff = self._tuning.retry_pause
        self._failed_token: str | None = None
        self._tries = 0
        self._drops = DropLog(redactor)
        self.skipped_total = 0  # batches skipped past after MAX_TRIES failures
        self.restored_rooms: int | None = None  # rooms put back from the store at the start

    async def run(self) -> None:
        token = self._store.sync_token()
        # nio keeps no room state across restarts: it is put back from the store, or (a new
        # store, one from before, a batch skipped past) asked for once in full.
        if token is not None:
            self.restored_rooms = put_back(self._client, self._store)
        full_state = self.restored_rooms is None
        first = "full state" if full_state else f"{self.restored_rooms} rooms from the store"
        started = time.monotonic()
        while not self._stop.is_set():
            if self._tuning.before_sync is not None:
                await self._until_stopped(self._tuning.before_sync())
            try:
                resp = await self._fetch(token, full_state)
                if resp is None:
                    return
                token, full_state = await self._handle(resp, token, full_state)
            except Exception as exc:  # the last line of defence: nothing stops the loop
                failure = _Failure(where(exc), self._client.last_sync_batch)
                token, full_state = await self._failed(token, failure, full_state)
            if token is not None and not full_state and not self.first_sync_done.is_set():
                self.first_sync_done.set()
                took = time.monotonic() - started
                log.info("warmline is ready (first sync done in %.2f s; %s)", took, first)

    async def _handle(
        self, resp: Any, token: str | None, full_state: bool
    ) -> tuple[str | None, bool]:
        """Takes one fetched batch; returns the (position, full_state) to go on from."""
        if isinstance(resp, _Failure):
            return await self._failed(token, resp, full_state)
        if isinstance(resp, StoreWriteError):  # nio could not keep its crypto state
            self._store_health.down(str(resp), crypto=True)
            await self._pause()
            return token, full_state
        if isinstance(resp, SyncError) or not isinstance(resp, SyncResponse):
            why = getattr(resp, "status_code", None) or getattr(resp, "message", None) or resp
            self._client.connectivity.down(f"sync failed ({why})")
            await self._pause()
            return token, full_state
        self._client.connectivity.up()
        if not full_state:
            members_unsure(self._client, resp)
        try:
            fresh = await self._take(resp, token, full_state)
        except StoreWriteError as exc:
            # The position did not move: the same batch comes again once writing works, and
            # no new work is taken until then (one log line, and one word to the organizers).
            self._store_health.down(str(exc))
            await self._pause()
            return token, full_state
        except Exception as exc:
            self._report_dropped()
            return await self._failed(token, _Failure(where(exc), resp.next_batch), full_state)
        self._store_health.up()
        self._backoff, self._tries = self._tuning.retry_pause, 0
        try:
            await self._hand_on(resp, fresh)
        except Exception as exc:  # committed: going back would take its events for duplicates
            log.error("handing on a committed sync batch failed (%s)", where(exc))
        return resp.next_batch, False

    async def _fetch(self, token: str | None, full_state: bool) -> Any:
        """The next batch: a SyncResponse, a SyncError (HTTP), a _Failure, or None if stopped."""
        self._client.last_sync_batch = None
        if not self._store_health.ready_to_sync():
            return StoreWriteError("nio's crypto state could not be read back from the store")
        # The first sync does not wait for news: with nothing new since a kept position, a
        # long poll would hold "ready" back by up to 30 s (a full-state sync never waited).
        wait = 30_000 if self.first_sync_done.is_set() else 0
        try:
            resp = await self._until_stopped(
                self._client.sync(
                    timeout=wait,
                    since=token,
                    sync_filter=self._eager if full_state else self._filter,
                    full_state=full_state,
                )
            )
        except StoreWriteError as exc:  # not the batch's fault: it comes again once writing works
            resp = exc
        except Exception as exc:
            resp = _Failure(where(exc), self._client.last_sync_batch)
        self._report_dropped()
        return resp

    async def _failed(
        self, token: str | None, failure: _Failure, full_state: bool
    ) -> tuple[str | None, bool]:
        """Counts a failed attempt at the batch after `token`; (position, full_state) to go on
        from: the same to try again, or the batch's end to skip it."""
        if token != self._failed_token:
            self._failed_token, self._tries = token, 0
        self._tries += 1
        if self._tries < MAX_TRIES or failure.next_batch is None:
            log.error(
                "a sync batch could not be handled (%s); trying again (attempt %d)",
                failure.reason,
                self._tries,
            )
            await self._pause()
            return token, full_state
        try:
            self._store.commit_batch(failure.next_batch, [])
        except Exception as exc:
            self._store_health.down(str(exc), tell=False)
            await self._pause()
            return token, full_state
        self.skipped_total += 1
        log.error(
            "a sync batch failed %d times (%s): skipped past it; what it held is lost",
            self._tries,
            failure.reason,
        )
        # Not full state again: a full-state batch that fails would fail every time.
        return failure.next_batch, False

    async def _take(self, resp: SyncResponse, since: str | None, full_state: bool) -> list[Any]:
        """Keeps the batch's new events and the rooms' state, and advances the position, in
        one transaction; returns the events new to the bot."""
        with guarded(self._client.dropped, "device lists"):
            self._devices_changed(list(resp.device_list.changed))
        try:
            await key_housekeeping(self._client, resp, self._undecryptable, self._redact)
        except Exception as exc:  # keys are tried again after the next sync
            log.warning("key housekeeping after a sync failed (%s)", where(exc))
        await reload_members(self._client, list(resp.rooms.join))
        events = timeline(resp, self._client, first_sync=since is None)
        if since is not None:
            events = await backfill(self._client, resp, since, self._redact) + events
        await keep_undecryptable(self._client, events, self._undecryptable)
        entries = []
        for room_id, ev in events:
            with guarded(self._client.dropped, "timeline", room_id, ev):
                if (entry := incoming(self._client, room_id, ev)) is not None:
                    entries.append(entry)
        rooms = changes(self._client, resp, complete=full_state)
        fresh = self._store.commit_batch(resp.next_batch, entries, rooms)
        forget_left(self._client, resp)
        self._report_dropped()
        return fresh

    async def _hand_on(self, resp: SyncResponse, fresh: list[Incoming]) -> None:
        """After the commit: hand the new events to the handlers, answer invites, follow up.
        Each part is guarded: the position has moved, so nothing here may stop the loop."""
        try:
            fresh += self._undecryptable.retry()
        except Exception as exc:
            log.error("retrying undecryptable events failed (%s)", where(exc))
        try:
            if fresh and self._tuning.after_commit is not None:
                self._tuning.after_commit()  # tests: a crash where nio's bookkeeping loses events
        finally:  # whatever failed, what was committed is handled now, not at the next start
            self._client.synced.set()  # wakes sends waiting for a room this sync brought
            self._client.synced.clear()
            for item in fresh:
                self._submit(item)
        await answer_invites(self._client, resp, self._matrix, self._redact)
        if self.restored_rooms is not None and not self.first_sync_done.is_set():
            await answer_kept_invites(self._client, resp, self._matrix, self._redact)
        self._report_dropped()
        if self._after_batch is not None:
            try:
                await self._after_batch()
            except Exception:  # a failed follow-up must never stop the sync loop
                log.exception("after-sync work failed")

    def _report_dropped(self) -> None:
        self._drops.report(self._client.take_dropped())

    async def _pause(self) -> None:
        await self._until_stopped(asyncio.sleep(self._backoff))
        self._backoff = min(self._backoff * 2, 60.0)

    async def _until_stopped(self, aw: Any) -> Any:
        """Awaits `aw` unless stop is set first (then cancels it and returns None)."""
        task = asyncio.ensure_future(aw)
        stopper = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            stopper.cancel()
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return None
