"""The shape of key data a homeserver relays: /keys/query and /keys/claim answers.

Another user's device and cross-signing keys come from their homeserver, which may be anyone's.
nio reads them unchecked (`payload["user_id"]` without a schema requiring it, `next(iter(...))`
on an empty one-time-key object, the key of a string as if it were an object), and so did
warmline's trust code (`"signatures": []`, a device that is a string, `"usage": 5`). Here each
answer is rebuilt from its well-formed entries; a malformed device or key is simply absent,
which every reader treats as "not trusted", never as an error.
"""

from __future__ import annotations

import binascii
from typing import Any

from unpaddedbase64 import decode_base64

from bot.matrix.eventshape import MAX_ID, bounds_problem, id_text, json_object

JsonDict = dict[str, Any]
CROSS_SIGNING = ("master_keys", "self_signing_keys", "user_signing_keys")


def _user_id(value: Any) -> bool:
    return id_text(value) and str(value).startswith("@")


def _strings(value: Any) -> bool:
    """A JSON object of strings to non-empty strings (keys and signatures: what they say is
    for the signature check to judge)."""
    return isinstance(value, dict) and all(
        isinstance(v, str) and 0 < len(v) <= 4096 for v in value.values()
    )


def _signatures(value: Any) -> bool:
    return isinstance(value, dict) and all(_strings(v) for v in value.values())


def curve_key(value: Any) -> bool:
    """Unpadded base64 of 32 bytes, as every Curve25519 and Ed25519 public key is."""
    if not isinstance(value, str) or len(value) != 43:
        return False
    try:
        return len(decode_base64(value)) == 32
    except (binascii.Error, ValueError):
        return False


def device_keys(user_id: str, device_id: str, payload: Any) -> bool:
    """A device's key object as listed for (user_id, device_id), well-formed and naming them."""
    return (
        isinstance(payload, dict)
        and payload.get("user_id") == user_id
        and payload.get("device_id") == device_id
        and isinstance(payload.get("algorithms"), list)
        and all(isinstance(a, str) for a in payload["algorithms"])
        and _strings(payload.get("keys"))
        and _signatures(payload.get("signatures", {}))
        and isinstance(payload.get("unsigned", {}), dict)
        and isinstance(payload.get("unsigned", {}).get("device_display_name", ""), str)
        and bounds_problem(payload) is None
    )


def for_nio(clean: JsonDict) -> JsonDict:
    """A cleaned /keys/query answer without the devices whose identity keys are not
    well-formed, for nio: it reads both keys unchecked, and one it cannot read ends its
    handling of the whole answer (every user after it keeps their old devices). The trust
    code and the login check read the answer whole: such a device is untrusted there, and
    still a device."""
    devices = {
        user_id: {
            device_id: payload
            for device_id, payload in by_device.items()
            if curve_key(payload["keys"].get(f"ed25519:{device_id}"))
            and curve_key(payload["keys"].get(f"curve25519:{device_id}"))
        }
        for user_id, by_device in clean["device_keys"].items()
    }
    return {**clean, "device_keys": devices}


def cross_signing_key(user_id: str, key: Any) -> bool:
    return (
        isinstance(key, dict)
        and key.get("user_id") == user_id
        and isinstance(key.get("usage"), list)
        and all(isinstance(u, str) for u in key["usage"])
        and _strings(key.get("keys"))
        and _signatures(key.get("signatures", {}))
        and bounds_problem(key) is None
    )


def clean_keys_query(raw: Any) -> JsonDict:
    """A /keys/query answer holding only well-formed entries. A user whose devices are
    malformed is kept with no devices (nio then stops asking for them and forgets their
    devices; the trust code sees none)."""
    raw = raw if isinstance(raw, dict) else {}
    listed = json_object(raw, "device_keys")
    devices: JsonDict = {}
    for user_id, by_device in listed.items():
        if not _user_id(user_id):
            continue
        entries = by_device.items() if isinstance(by_device, dict) else ()
        devices[user_id] = {
            device_id: payload
            for device_id, payload in entries
            if id_text(device_id) and device_keys(user_id, device_id, payload)
        }
    body: JsonDict = {"device_keys": devices, "failures": {}}
    for section in CROSS_SIGNING:
        keys = json_object(raw, section)
        body[section] = {
            u: key for u, key in keys.items() if _user_id(u) and cross_signing_key(u, key)
        }
    return body


def _one_time_key(key: Any) -> bool:
    return (
        isinstance(key, dict) and curve_key(key.get("key")) and _signatures(key.get("signatures"))
    )


def clean_keys_claim(raw: Any) -> JsonDict:
    """A /keys/claim answer holding, per device, only well-formed signed one-time keys (and no
    device left with none: nio takes the first key of each device it is given)."""
    claimed = raw.get("one_time_keys") if isinstance(raw, dict) else None
    users: JsonDict = {}
    for user_id, by_device in claimed.items() if isinstance(claimed, dict) else ():
        if not _user_id(user_id) or not isinstance(by_device, dict):
            continue
        kept = {
            device_id: {kid: key for kid, key in keys.items() if _one_time_key(key)}
            for device_id, keys in by_device.items()
            if id_text(device_id, MAX_ID) and isinstance(keys, dict)
        }
        users[user_id] = {d: keys for d, keys in kept.items() if keys}
    return {"one_time_keys": users, "failures": {}}
