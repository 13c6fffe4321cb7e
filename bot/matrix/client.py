"""The bot's nio client. Logging in is bot.matrix.login's; finding the homeserver's URL is
bot.matrix.discovery's (the client is built with the configured value and pointed at the
discovered URL before its first request)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from aiohttp import ClientConnectionError, ClientConnectorError, ClientResponse
from nio import AsyncClientConfig, JoinedMembersResponse, RoomForgetResponse

from bot.config import Loaded
from bot.logs import StateLog
from bot.matrix.discovery import base_url
from bot.matrix.guard import GuardedClient
from store import Store
from store.nio_store import store_class

log = logging.getLogger(__name__)
PASSWORD_ENV = "WARMLINE_PASSWORD"  # noqa: S105 (the variable's name, not a password)
_SENT_ONCE: ContextVar[bool] = ContextVar("warmline_sent_once", default=False)


class MaybeDone(Exception):
    """A request that is not safe to repeat failed after it was sent (no answer in time, or
    the connection dropped): the homeserver may have carried it out. The caller looks before
    it asks again (a handoff room: by its marker, bot.handoffs)."""


@contextlib.contextmanager
def not_repeated() -> Iterator[None]:
    """Requests made inside are not repeated by nio once sent: nio repeats a request that
    timed out or lost its connection, which for `createRoom` (no transaction id: not
    idempotent) makes a second room if the first request reached the homeserver. A request
    that never reached it (connection refused: the homeserver is down) is still repeated,
    with nio's backoff. Raises MaybeDone instead."""
    token = _SENT_ONCE.set(True)
    try:
        yield
    finally:
        _SENT_ONCE.reset(token)


class BotClient(GuardedClient):
    """nio's client behind warmline's fault-proof boundary (bot.matrix.guard)."""

    def __init__(
        self,
        *args: Any,
        connectivity: StateLog,
        forgotten: Callable[[str], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.connectivity = connectivity
        self._forgotten = forgotten  # the store drops a forgotten room's kept state
        # Rooms whose members a gap left unsure, until the homeserver has listed them: none
        # of their events counts as said in a DM (bot.matrix.events.incoming).
        self.members_unknown: set[str] = set()

    def _handle_room_forget_response(self, response: RoomForgetResponse) -> None:
        super()._handle_room_forget_response(response)
        self._forgotten(response.room_id)

    def _handle_joined_members(self, response: JoinedMembersResponse) -> None:
        """The homeserver's list of the room's joined members, which beats what nio holds
        from kept or lazy-loaded state (bot.matrix.roomstate.members_unsure)."""
        room = self.rooms.get(response.room_id)
        before = set() if room is None else {u for u, m in room.users.items() if not m.invited}
        super()._handle_joined_members(response)
        if room is None:
            return
        listed = {m.user_id for m in response.members}
        for user_id in listed:  # nio keeps a known member's invited flag: one who joined unseen
            user = room.users.get(user_id)
            if user is not None and user.invited:
                user.invited = False
                room.invited_users.pop(user_id, None)
        if before - listed and self.olm is not None:
            # Someone left unseen: the room key they hold goes, shared yet or not (nio renews
            # it only for a leave it saw, and keeps a session that is still being shared).
            self.olm.outbound_group_sessions.pop(response.room_id, None)
        summary = room.summary
        if summary is not None and None not in (
            summary.joined_member_count,
            summary.invited_member_count,
        ):
            # nio counts by the summary first, and a lazy-loading sync sends one only when
            # the members changed in it.
            summary.joined_member_count = len(listed)
        self.members_unknown.discard(response.room_id)

    async def get_timeout_retry_wait_time(self, got_timeouts: int) -> float:
        # nio retries connection errors forever inside every request; note the state once.
        self.connectivity.down("homeserver not reachable")
        return float(await super().get_timeout_retry_wait_time(got_timeouts))

    def reload_crypto(self) -> None:
        """nio's Olm account and sessions as the store has them, after nio could not write
        them while it handled a batch (bot.matrix.store_health): what memory holds beyond
        that is dropped; what is only ever in memory (tracked users, outbound sessions) is
        kept. nio also forgets that batch: it ignores one leading where the last one led,
        and this one must be handled again."""
        self.next_batch = None
        if self.olm is None or self.store is None:
            return
        account = self.store.load_account()
        if account is not None:
            self.olm.load()
            self.olm.account = account

    async def send(
        self,
        method: str,
        path: str,
        data: Any = None,
        headers: dict[str, str] | None = None,
        trace_context: Any = None,
        timeout: float | None = None,
    ) -> ClientResponse:
        try:
            sent: ClientResponse = await super().send(
                method, path, data, headers, trace_context, timeout
            )
            return sent
        except ClientConnectorError:
            raise  # never reached the homeserver: nio may try again
        except (ClientConnectionError, TimeoutError) as exc:
            if _SENT_ONCE.get():
                raise MaybeDone(f"{method} failed after it was sent: {type(exc).__name__}") from exc
            raise


def build_client(loaded: Loaded, store: Store, connectivity: StateLog) -> BotClient:
    cfg = loaded.config.matrix
    config = AsyncClientConfig(
        store=store_class(store.secret),
        pickle_key=store.secret.pickle_key,
        encryption_enabled=True,
        store_sync_tokens=False,  # warmline keeps the sync position itself (see bot.matrix.sync)
        max_timeout_retry_wait_time=30,
        request_timeout=60,
    )
    return BotClient(
        base_url(cfg.homeserver),  # a server name until discovery names the client API's URL
        cfg.user_id,
        store_path=str(store.directory),
        config=config,
        connectivity=connectivity,
        forgotten=store.drop_room_state,
    )
