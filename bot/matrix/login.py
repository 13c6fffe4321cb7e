"""The bot's Matrix session: restored from the store, or a login with the account's password
(`WARMLINE_PASSWORD`) or with an access token an admin issued (`WARMLINE_ACCESS_TOKEN`: for
homeservers on Matrix Authentication Service, which may offer no password login at all).

A device's encryption keys exist in one place only: the store of the client that made them.
A new Olm account under a device id that already has keys is rejected by the server ("one
time key already exists") and shows every peer a changed device key, breaking encryption for
good. So a session is used only with the store that holds its device's keys:
- a saved session whose crypto state is gone logs in again as a new device (password) or
  needs a token for a new device;
- a token names its device (`/whoami`). If the homeserver already lists keys for that device,
  another client made them (the Element session the token was copied from, say) or a store
  that is gone did: warmline refuses and asks for a token for a new device. The exception is
  the store's own device with the same keys on both sides: a new token for it is used.
Never logs out on shutdown (that would delete the device and its keys on the server).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from nio import LoginError, LoginInfoResponse, WhoamiError

from bot.config import Loaded, MatrixConfig
from bot.errors import ActionNeeded, StartupError
from bot.matrix.client import PASSWORD_ENV, BotClient
from bot.matrix.crosssign import query_keys
from bot.matrix.trust import UserKeys
from store import Session, Store

log = logging.getLogger(__name__)
ACCESS_TOKEN_ENV = "WARMLINE_ACCESS_TOKEN"  # noqa: S105 (the variable's name, not a token)
HOW_TO_ISSUE = (
    "issue one for a new device (Matrix Authentication Service: `mas-cli manage "
    "issue-compatibility-token <username>`; see README, Logging in)"
)


async def open_session(
    loaded: Loaded, store: Store, client: BotClient, environ: Mapping[str, str] | None = None
) -> None:
    cfg = loaded.config.matrix
    env = os.environ if environ is None else environ
    if not await _restored(cfg, store, client):
        if token := env.get(ACCESS_TOKEN_ENV):
            await _token_login(cfg.user_id, store, client, token)
        elif password := env.get(PASSWORD_ENV):
            await _password_login(cfg, store, client, password)
        else:
            raise ActionNeeded(
                f"the bot has no session yet (or lost it): set {PASSWORD_ENV} to the bot "
                f"account's password, or {ACCESS_TOKEN_ENV} to an access token for it, for "
                "this start only; later starts restore the session from the encrypted store"
            )
    if client.olm is None:
        raise StartupError("encryption did not start (nio loaded no crypto store)")
    # nio forgets whom it tracks at every start and asks for the keys of everyone in every
    # encrypted room again (thousands of users for a big line). The keys it keeps stay
    # current: the sync resumes from warmline's own position, and its device-list changes
    # since then are asked for as usual.
    client.olm.tracked_users.update(client.device_store.users)
    if client.should_upload_keys:
        await client.keys_upload()


def _forget(client: BotClient) -> None:
    client.access_token = ""
    client.store = None
    client.olm = None


async def _restored(cfg: MatrixConfig, store: Store, client: BotClient) -> bool:
    session = store.load_session()
    if session is None:
        return False
    if session.user_id != cfg.user_id:
        raise ActionNeeded(
            f"the store at {store.directory} belongs to another Matrix account than "
            "matrix.user_id; use that account or a new store.path"
        )
    if not store.has_crypto_account(session.user_id, session.device_id):
        log.warning(
            "the saved session has no encryption state in the store; logging in again as a "
            "new device (reusing the old device would break encryption for everyone)"
        )
        return False
    client.restore_login(session.user_id, session.device_id, session.access_token)
    who = await client.whoami()
    if isinstance(who, WhoamiError) and who.status_code == "M_UNKNOWN_TOKEN":
        log.warning("the saved access token was rejected (device logged out?); logging in again")
        await client.close()
        _forget(client)
        return False
    log.info("session restored (device %s)", session.device_id)
    return True


async def _password_login(
    cfg: MatrixConfig, store: Store, client: BotClient, password: str
) -> None:
    resp = await client.login(password, device_name=cfg.device_name)
    if isinstance(resp, LoginError):
        flows = await client.login_info()
        offered = flows.flows if isinstance(flows, LoginInfoResponse) else []
        if offered and "m.login.password" not in offered:
            raise ActionNeeded(
                f"{client.homeserver} offers no password login (it offers {', '.join(offered)})"
                f": set {ACCESS_TOKEN_ENV} instead of {PASSWORD_ENV}; {HOW_TO_ISSUE}"
            )
        raise ActionNeeded(f"login to {client.homeserver} failed: {resp.message}")
    store.save_session(Session(client.homeserver, resp.user_id, resp.device_id, resp.access_token))
    log.info("logged in with the password as a new device (%s)", resp.device_id)


async def _token_login(user_id: str, store: Store, client: BotClient, token: str) -> None:
    client.access_token = token
    who = await client.whoami()
    if isinstance(who, WhoamiError):
        _forget(client)
        raise ActionNeeded(
            f"the homeserver refused {ACCESS_TOKEN_ENV} ({who.status_code}: {who.message}); "
            f"{HOW_TO_ISSUE}"
        )
    if who.user_id != user_id:
        raise ActionNeeded(f"{ACCESS_TOKEN_ENV} belongs to another account than matrix.user_id")
    if not who.device_id:
        raise ActionNeeded(
            f"{ACCESS_TOKEN_ENV} is not tied to a device (Synapse's admin login API issues such "
            f"tokens), and end-to-end encryption needs one: {HOW_TO_ISSUE}, or set "
            f"{PASSWORD_ENV} for this start"
        )
    device = who.device_id
    own = UserKeys.from_query(await query_keys(client, [user_id]), user_id)
    published = own.devices.get(device, {}).get("keys", {}).get(f"ed25519:{device}")
    held = store.has_crypto_account(user_id, device)
    if published is not None and not held:
        raise ActionNeeded(
            f"the token's device ({device}) already has encryption keys, made by another client "
            "(the session the token came from?) or by a store that is gone. warmline cannot use "
            "them, and new keys under the same device would break encryption for everyone who "
            f"talks to the bot: {HOW_TO_ISSUE}"
        )
    if held and published is None:
        raise ActionNeeded(
            f"the store's device ({device}) has no keys on the homeserver any more (removed?): "
            f"{HOW_TO_ISSUE}"
        )
    client.restore_login(user_id, device, token)
    ours = client.olm.account.identity_keys["ed25519"] if client.olm is not None else None
    if published is not None and ours != published:
        raise ActionNeeded(
            f"the token's device ({device}) has other keys on the homeserver than in the "
            f"store: {HOW_TO_ISSUE}"
        )
    store.save_session(Session(client.homeserver, user_id, device, token))
    if held:
        log.info("logged in with the access token as this store's device (%s)", device)
    else:
        log.info("logged in with the access token as a new device (%s)", device)
