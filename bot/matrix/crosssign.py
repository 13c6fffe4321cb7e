"""Cross-signing: the bot's master, self-signing and user-signing keys, and signing its device.

matrix-nio 0.26 has no cross-signing, so the keys are made and used with `signedjson` (what
Synapse itself uses) and sent with the raw client-server API through nio's HTTP session.
The same code makes the test members' devices cross-signed, as Element's are.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from typing import Any

from signedjson.key import (
    decode_signing_key_base64,
    encode_signing_key_base64,
    encode_verify_key_base64,
    generate_signing_key,
    get_verify_key,
)
from signedjson.sign import sign_json

from bot.errors import ActionNeeded
from bot.matrix.rawjson import decode
from bot.matrix.trust import JsonDict, UserKeys, signed_by
from store.records import CrossSigningSeeds

log = logging.getLogger(__name__)
USAGES = ("master", "self_signing", "user_signing")


class CrossSigningError(Exception):
    """Cross-signing cannot be set up; the text is for the operator."""


def generate_seeds() -> CrossSigningSeeds:
    return CrossSigningSeeds(
        *(encode_signing_key_base64(generate_signing_key("0")) for _ in USAGES)
    )


def signing_key(seeds: CrossSigningSeeds, usage: str) -> Any:
    key = decode_signing_key_base64("ed25519", "0", getattr(seeds, usage))
    key.version = encode_verify_key_base64(get_verify_key(key))  # key id: its public key
    return key


def public(seeds: CrossSigningSeeds, usage: str) -> str:
    return str(signing_key(seeds, usage).version)


def key_object(user_id: str, usage: str, public: str) -> JsonDict:
    return {"user_id": user_id, "usage": [usage], "keys": {f"ed25519:{public}": public}}


def upload_body(user_id: str, seeds: CrossSigningSeeds) -> JsonDict:
    master = signing_key(seeds, "master")
    body: JsonDict = {"master_key": key_object(user_id, "master", public(seeds, "master"))}
    for usage in ("self_signing", "user_signing"):
        obj = key_object(user_id, usage, public(seeds, usage))
        body[f"{usage}_key"] = sign_json(obj, user_id, master)
    return body


def sign_device(user_id: str, device: JsonDict, seeds: CrossSigningSeeds) -> JsonDict:
    """The device's key object with the self-signing key's signature added."""
    obj = copy.deepcopy(device)
    obj.pop("unsigned", None)
    return dict(sign_json(obj, user_id, signing_key(seeds, "self_signing")))


async def api(
    client: Any, method: str, path: str, body: JsonDict | None = None
) -> tuple[int, JsonDict]:
    """One client-server API call with the client's token; returns (status, JSON body)."""
    resp = await client.send(
        method,
        f"/_matrix/client/v3{path}",
        json.dumps(body) if body is not None else None,
        headers={
            "Authorization": f"Bearer {client.access_token}",
            "Content-Type": "application/json",
        },
    )
    try:
        data = decode(await resp.read())  # whatever the server sends: see bot.matrix.rawjson
    except ValueError:
        data = {}
    return resp.status, data if isinstance(data, dict) else {}


async def query_keys(client: Any, user_ids: list[str]) -> JsonDict:
    status, data = await api(
        client, "POST", "/keys/query", {"device_keys": {u: [] for u in user_ids}, "timeout": 10000}
    )
    if status != 200:
        raise CrossSigningError(f"/keys/query failed with HTTP {status}: {data.get('errcode')}")
    return data


async def _upload_keys(client: Any, body: JsonDict, password: str | None) -> None:
    status, data = await api(client, "POST", "/keys/device_signing/upload", body)
    if status == 401 and "flows" in data:
        auth = _password_approval(client.user_id, data, password)
        status, data = await api(
            client, "POST", "/keys/device_signing/upload", {**body, "auth": auth}
        )
        if status == 401:
            raise ActionNeeded(
                "the homeserver did not accept WARMLINE_PASSWORD as the approval to publish the "
                f"bot's cross-signing keys ({data.get('errcode')} {data.get('error', '')}): set "
                "the bot account's password there and run the same command again"
            )
    if status != 200:
        raise CrossSigningError(
            f"publishing cross-signing keys failed with HTTP {status}: "
            f"{data.get('errcode')} {data.get('error', '')}"
        )


def _password_approval(user_id: str, challenge: JsonDict, password: str | None) -> JsonDict:
    """The user-interactive auth answer for the password flow; ActionNeeded, saying exactly
    what to do, when the homeserver wants an approval warmline cannot give itself."""
    flows = [f.get("stages") for f in challenge.get("flows", []) if isinstance(f, dict)]
    if ["m.login.password"] in flows:
        if not password:
            raise ActionNeeded(
                "the homeserver wants the bot account's password as approval to publish its "
                "cross-signing keys: set WARMLINE_PASSWORD for this one run of the same command"
            )
        return {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user_id},
            "password": password,
            "session": challenge.get("session"),
        }
    params = challenge.get("params") or {}
    for stage in ("m.oauth", "org.matrix.cross_signing_reset"):  # MSC4312, stable and unstable
        url = (params.get(stage) or {}).get("url") if isinstance(params, dict) else None
        if isinstance(url, str):
            raise ActionNeeded(
                "the homeserver (Matrix Authentication Service) wants the account's owner to "
                "approve, in a browser, replacing the bot's cross-signing keys: open "
                f"{url} , log in as the bot's account, allow the cross-signing reset, then run "
                "the same command again within 10 minutes"
            )
    offered = "; ".join(" → ".join(map(str, f or [])) for f in flows) or "nothing warmline knows"
    raise ActionNeeded(
        "the homeserver wants an approval warmline cannot give to publish the bot's "
        f"cross-signing keys (it offers: {offered}). Give the bot's account a password and "
        "set WARMLINE_PASSWORD for one run of the same command"
    )


async def sign_own_device(client: Any, seeds: CrossSigningSeeds, own: UserKeys) -> bool:
    """Signs this client's device with the self-signing key; False if it already was."""
    user_id, device_id = client.user_id, client.device_id
    device = own.devices.get(device_id)
    if device is None:
        raise CrossSigningError("the homeserver does not list this device's keys yet")
    ssk = public(seeds, "self_signing")
    if signed_by(device, user_id, f"ed25519:{ssk}", ssk):
        return False
    status, data = await api(
        client,
        "POST",
        "/keys/signatures/upload",
        {user_id: {device_id: sign_device(user_id, device, seeds)}},
    )
    if status != 200 or data.get("failures"):
        raise CrossSigningError(f"signing the device failed: HTTP {status} {data.get('failures')}")
    return True


async def publish(
    client: Any,
    seeds: CrossSigningSeeds,
    password: str | None,
    uploaded: Callable[[], None] = lambda: None,
) -> None:
    """Publishes `seeds` as the account's cross-signing identity and signs this device;
    `uploaded` runs as soon as the homeserver holds the new keys, before the signing."""
    await _upload_keys(client, upload_body(client.user_id, seeds), password)
    uploaded()
    own = UserKeys.from_query(await query_keys(client, [client.user_id]), client.user_id)
    await sign_own_device(client, seeds, own)


async def bootstrap(
    client: Any,
    seeds: CrossSigningSeeds | None,
    password: str | None,
    persist: Callable[[CrossSigningSeeds], None] = lambda seeds: None,
    pending: CrossSigningSeeds | None = None,
) -> tuple[CrossSigningSeeds, bool]:
    """Makes sure the account has our cross-signing identity and this device is signed by it.

    Returns (seeds, whether they were created now). With `seeds` from the store the identity
    is reused; the server holding another master key is refused, never silently replaced,
    unless it is `pending`'s: a reset that published it but stopped before the store took it
    over, which is finished now (`persist`)."""
    user_id = client.user_id
    own = UserKeys.from_query(await query_keys(client, [user_id]), user_id)
    created = False
    if pending not in (None, seeds) and own.master_pub == public(pending, "master"):
        log.warning("finishing an interrupted reset-cross-signing: the new identity is in use")
        seeds = pending
        persist(seeds)
    if seeds is None:
        if own.master_pub is not None:
            raise CrossSigningError(
                "this account already has cross-signing keys that warmline does not hold "
                "(set up by another client?). Reset them deliberately with "
                "`warmline reset-cross-signing --config FILE`"
            )
        seeds, created = generate_seeds(), True
        persist(seeds)  # before the upload: a crash must never leave a master key we lost
    if own.master_pub is None:
        await publish(client, seeds, password)
        return seeds, created
    if own.master_pub != public(seeds, "master"):
        raise CrossSigningError(
            "the homeserver holds a different master key for the bot than its store: someone "
            "reset the bot's cross-signing. Members' clients will distrust the bot until an "
            "operator runs `warmline reset-cross-signing --config FILE`"
        )
    if await sign_own_device(client, seeds, own):
        log.info("signed this device with the bot's self-signing key")
    return seeds, created
