"""The bot's Matrix session: first login, restore, key upload. Never logs out on shutdown.

A saved session whose crypto state is gone is never reused: a new Olm account under an old
device id is rejected by the server and breaks E2EE for peers for good, so that case logs in
fresh as a new device and says so.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from nio import AsyncClient, AsyncClientConfig, LoginError, WhoamiError

from bot.config import Loaded
from bot.errors import StartupError
from bot.logs import StateLog
from store import Session, Store
from store.nio_store import store_class

log = logging.getLogger(__name__)
PASSWORD_ENV = "WARMLINE_PASSWORD"  # noqa: S105 (the variable's name, not a password)


class BotClient(AsyncClient):  # type: ignore[misc]
    def __init__(self, *args: Any, connectivity: StateLog, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connectivity = connectivity

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
        cfg.homeserver,
        cfg.user_id,
        store_path=str(store.directory),
        config=config,
        connectivity=connectivity,
    )


async def open_session(
    loaded: Loaded, store: Store, client: BotClient, environ: dict[str, str] | None = None
) -> None:
    cfg = loaded.config.matrix
    env = os.environ if environ is None else environ
    session = store.load_session()
    if session is not None and session.user_id != cfg.user_id:
        raise StartupError(
            f"the store at {store.directory} belongs to another Matrix account than "
            "matrix.user_id; use that account or a new store.path"
        )
    if session is not None and not store.has_crypto_account(session.user_id, session.device_id):
        log.warning(
            "the saved session has no encryption state in the store; logging in again as a "
            "new device (reusing the old device would break encryption for everyone)"
        )
        session = None
    if session is not None:
        client.restore_login(session.user_id, session.device_id, session.access_token)
        who = await client.whoami()
        if isinstance(who, WhoamiError) and who.status_code == "M_UNKNOWN_TOKEN":
            log.warning(
                "the saved access token was rejected (device logged out?); logging in again"
            )
            session = None
            await client.close()
            client.access_token = ""
            client.store = None
            client.olm = None
        else:
            log.info("session restored (device %s)", session.device_id)
    if session is None:
        password = env.get(PASSWORD_ENV)
        if not password:
            raise StartupError(
                f"first start needs the bot account's password in {PASSWORD_ENV} (only for "
                "this login; later starts restore the session from the encrypted store)"
            )
        resp = await client.login(password, device_name=cfg.device_name)
        if isinstance(resp, LoginError):
            raise StartupError(f"login to {cfg.homeserver} failed: {resp.message}")
        store.save_session(Session(cfg.homeserver, resp.user_id, resp.device_id, resp.access_token))
        log.info("logged in as a new device (%s)", resp.device_id)
    if client.olm is None:
        raise StartupError("encryption did not start (nio loaded no crypto store)")
    if client.should_upload_keys:
        await client.keys_upload()
