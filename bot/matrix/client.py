"""The bot's nio client. Logging in is bot.matrix.login's; finding the homeserver's URL is
bot.matrix.discovery's (the client is built with the configured value and pointed at the
discovered URL before its first request)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from nio import AsyncClientConfig, RoomForgetResponse

from bot.config import Loaded
from bot.logs import StateLog
from bot.matrix.discovery import base_url
from bot.matrix.guard import GuardedClient
from store import Store
from store.nio_store import store_class

log = logging.getLogger(__name__)
PASSWORD_ENV = "WARMLINE_PASSWORD"  # noqa: S105 (the variable's name, not a password)


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

    def _handle_room_forget_response(self, response: RoomForgetResponse) -> None:
        super()._handle_room_forget_response(response)
        self._forgotten(response.room_id)

    async def get_timeout_retry_wait_time(self, got_timeouts: int) -> float:
        # nio retries connection errors forever inside every request; note the state once.
        self.connectivity.down("homeserver not reachable")
        return float(await super().get_timeout_retry_wait_time(got_timeouts))


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
