"""The sync loop: exactly-once handling across crashes, backoff, invites, stop.

nio stores its sync token before running callbacks, so a crash in between drops events. Here
each batch's new events are written to the encrypted inbox *in the same transaction* that
advances warmline's own sync position; handlers then run as tracked tasks and mark each event
processed when done. A crash at any point leaves either the old position (the batch comes
again and is deduped by event id) or the events waiting in the inbox (handled after restart).
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

from nio import (
    InviteMemberEvent,
    MegolmEvent,
    MessageDirection,
    RoomMessagesResponse,
    SyncError,
    SyncResponse,
    UnknownToDeviceEvent,
)

from bot.config import MatrixConfig
from bot.logs import Redactor, StateLog
from bot.matrix.client import BotClient
from bot.matrix.events import incoming, joined_in, kept, timeline
from bot.matrix.undecryptable import Undecryptable
from store import Incoming, Store, StoreWriteError

log = logging.getLogger(__name__)
BACKFILL_PAGES = 20  # of 100 events each, per room and sync

SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"limit": 500},  # SyncTuning.timeline_limit
        "ephemeral": {"types": []},
        "account_data": {"types": []},
        "state": {"lazy_load_members": False},
    },
}


@dataclass(frozen=True)
class SyncTuning:
    """Settings only tests change (passed in by bot.dev.run, never read from the environment)."""

    # Events beyond this many per room between two syncs arrive as a gap (see _backfill).
    timeline_limit: int = 500
    # Called right after a batch with new events is committed, before any handler runs.
    after_commit: Callable[[], None] | None = None


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
        self._store_health = StateLog("store")
        self._tuning = tuning or SyncTuning()
        self._filter = copy.deepcopy(SYNC_FILTER)
        self._filter["room"]["timeline"]["limit"] = self._tuning.timeline_limit

    async def run(self) -> None:
        token = self._store.sync_token()
        full_state = True  # nio keeps no room state across restarts: rebuild it once
        backoff = 1.0
        started = time.monotonic()
        while not self._stop.is_set():
            resp = await self._until_stopped(
                self._client.sync(
                    timeout=30_000, since=token, sync_filter=self._filter, full_state=full_state
                )
            )
            if resp is None:
                return
            if isinstance(resp, SyncError) or not isinstance(resp, SyncResponse):
                self._client.connectivity.down(
                    f"sync failed ({getattr(resp, 'status_code', resp)})"
                )
                await self._until_stopped(asyncio.sleep(backoff))
                backoff = min(backoff * 2, 60.0)
                continue
            self._client.connectivity.up()
            self._devices_changed(list(resp.device_list.changed))
            await self._after_sync(resp)
            events = timeline(resp, self._client, first_sync=token is None)
            if token is not None:
                events = await self._backfill(resp, token) + events
            try:
                await self._keep_undecryptable(events)
                fresh = self._store.commit_batch(
                    resp.next_batch,
                    [i for r, ev in events if (i := incoming(self._client, r, ev)) is not None],
                )
                fresh += self._undecryptable.retry()
            except StoreWriteError as exc:
                # The position did not move: the same batch comes again once writing works.
                self._store_health.down(str(exc))
                await self._until_stopped(asyncio.sleep(backoff))
                backoff = min(backoff * 2, 60.0)
                continue
            self._store_health.up()
            backoff = 1.0
            token, full_state = resp.next_batch, False
            if fresh and self._tuning.after_commit is not None:
                self._tuning.after_commit()  # tests: a crash where nio's bookkeeping loses events
            self._client.synced.set()  # wakes sends waiting for a room this sync brought
            self._client.synced.clear()
            for item in fresh:
                self._submit(item)
            await self._answer_invites(resp)
            if self._after_batch is not None:
                try:
                    await self._after_batch()
                except Exception:  # a failed follow-up must never stop the sync loop
                    log.exception("after-sync work failed")
            if not self.first_sync_done.is_set():
                self.first_sync_done.set()
                log.info(
                    "warmline is ready (first sync done in %.2f s)", time.monotonic() - started
                )

    async def _backfill(self, resp: SyncResponse, since: str) -> list[tuple[str, Any]]:
        """Events a limited timeline left out (more arrived in a room between two syncs, e.g.
        after downtime, than one sync carries), fetched back to the previous sync position,
        oldest first. A room the bot joined in this batch has nothing older for it."""
        found: list[tuple[str, Any]] = []
        for room_id, info in resp.rooms.join.items():
            if not info.timeline.limited or not info.timeline.prev_batch:
                continue
            if joined_in(info.timeline.events, self._client.user_id):
                continue
            gap: list[Any] = []
            start = info.timeline.prev_batch
            for _ in range(BACKFILL_PAGES):
                page = await self._client.room_messages(
                    room_id, start=start, end=since, direction=MessageDirection.back, limit=100
                )
                if not isinstance(page, RoomMessagesResponse):
                    log.warning("could not fetch a gap in %s: %s", self._redact.tag(room_id), page)
                    break
                gap += page.chunk
                if not page.chunk or not page.end or page.end == start:
                    break
                start = page.end
            else:
                log.warning(
                    "a gap in %s is longer than %d events; older ones were not fetched",
                    self._redact.tag(room_id),
                    BACKFILL_PAGES * 100,
                )
            gap = [ev for ev in reversed(gap) if ev.sender != self._client.user_id]
            log.info(
                "fetched %d event(s) a sync left out in %s", len(gap), self._redact.tag(room_id)
            )
            found += [(room_id, ev) for ev in gap]
        return found

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

    async def _after_sync(self, resp: SyncResponse) -> None:
        """The key housekeeping nio's sync_forever would do."""
        client = self._client
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())
        await client.send_to_device_messages()
        for ev in resp.to_device_events:
            if isinstance(ev, UnknownToDeviceEvent) and ev.type == "m.room_key.withheld":
                content = ev.source.get("content", {})
                log.warning(
                    "%s withheld a room key from the bot (%s)",
                    self._redact.tag(ev.sender),
                    content.get("code"),
                )
                self._undecryptable.withheld(
                    str(content.get("session_id")), str(content.get("code"))
                )

    async def _keep_undecryptable(self, events: list[tuple[str, Any]]) -> None:
        for room_id, ev in events:
            if not isinstance(ev, MegolmEvent):
                continue
            self._undecryptable.keep(kept(room_id, ev, time.time()))
            if ev.session_id not in self._client.outgoing_key_requests:
                await self._client.request_room_key(ev)

    async def _answer_invites(self, resp: SyncResponse) -> None:
        for room_id, info in resp.rooms.invite.items():
            inviter = next(
                (
                    ev.sender
                    for ev in info.invite_state
                    if isinstance(ev, InviteMemberEvent)
                    and ev.state_key == self._client.user_id
                    and ev.membership == "invite"
                ),
                None,
            )
            room_tag = self._redact.tag(room_id)
            if inviter is not None and self._matrix.may_invite(inviter):
                await self._client.join(room_id)
                log.info("joined %s (invited by %s)", room_tag, self._redact.tag(inviter))
            else:
                await self._client.room_leave(room_id)
                log.info("declined an invite to %s from a server not allowed", room_tag)
