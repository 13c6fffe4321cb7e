"""Signing and verification against the Matrix spec's vectors, and the trust decision table."""

from __future__ import annotations

import asyncio
import copy

import pytest
from signedjson.key import decode_signing_key_base64, encode_verify_key_base64, get_verify_key
from signedjson.sign import sign_json

from bot.logs import Redactor
from bot.matrix.crosssign import generate_seeds, public, sign_device, upload_body
from bot.matrix.keysharing import DeviceTrust
from bot.matrix.trust import (
    UserKeys,
    Verdict,
    decide,
    is_cross_signed,
    master_key_of,
    self_signing_key_of,
    signed_by,
)

# Client-server spec, appendix "Signing details": seed, key id ed25519:1, signer "domain".
SPEC_SEED = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"
SPEC_VECTORS = [
    ({}, "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"),
    (
        {"one": 1, "two": "Two"},
        "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw",
    ),
]
USER = "@alex:hs.test"


@pytest.mark.parametrize(("obj", "signature"), SPEC_VECTORS)
def test_spec_signing_vectors(obj, signature):
    key = decode_signing_key_base64("ed25519", "1", SPEC_SEED)
    signed = sign_json(copy.deepcopy(obj), "domain", key)
    assert signed["signatures"]["domain"]["ed25519:1"] == signature
    public_key = encode_verify_key_base64(get_verify_key(key))
    assert signed_by(signed, "domain", "ed25519:1", public_key)
    tampered = {**signed, "one": 2}
    assert not signed_by(tampered, "domain", "ed25519:1", public_key)


def device(device_id: str, user: str = USER) -> dict:
    return {
        "user_id": user,
        "device_id": device_id,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {f"curve25519:{device_id}": "c" * 43, f"ed25519:{device_id}": "e" * 43},
        "unsigned": {"device_display_name": "phone"},
    }


@pytest.fixture
def identity():
    seeds = generate_seeds()
    body = upload_body(USER, seeds)
    return seeds, body["master_key"], body["self_signing_key"]


def test_cross_signed_device_is_recognised(identity):
    seeds, master, ssk = identity
    signed = sign_device(USER, device("PHONE"), seeds)
    assert master_key_of(USER, master) == public(seeds, "master")
    assert self_signing_key_of(USER, master, ssk) is not None
    assert is_cross_signed(USER, signed, master, ssk)
    assert not is_cross_signed(USER, device("LAPTOP"), master, ssk)


def test_forgeries_are_not_cross_signed(identity):
    seeds, master, ssk = identity
    signed = sign_device(USER, device("PHONE"), seeds)
    other_seeds = generate_seeds()
    other = upload_body(USER, other_seeds)
    # a self-signing key not signed by this master key
    assert not is_cross_signed(USER, signed, master, other["self_signing_key"])
    # a device signed by another identity's self-signing key
    assert not is_cross_signed(USER, sign_device(USER, device("X"), other_seeds), master, ssk)
    # the right signature, but the keys belong to someone else
    assert not is_cross_signed("@eve:hs.test", signed, master, ssk)
    # a device whose keys were changed after signing
    changed = copy.deepcopy(signed)
    changed["keys"]["ed25519:PHONE"] = "f" * 43
    assert not is_cross_signed(USER, changed, master, ssk)
    # no cross-signing at all
    assert not is_cross_signed(USER, signed, None, None)
    # a user-signing key in the self-signing slot
    assert not is_cross_signed(USER, signed, master, upload_body(USER, seeds)["user_signing_key"])


def test_unsigned_display_name_does_not_matter(identity):
    seeds, master, ssk = identity
    signed = sign_device(USER, device("PHONE"), seeds)
    signed["unsigned"] = {"device_display_name": "renamed"}
    assert is_cross_signed(USER, signed, master, ssk)


@pytest.mark.parametrize(
    ("policy", "cross_signed", "master", "pinned", "verdict"),
    [
        ("cross-signed", True, "M1", None, Verdict.TRUSTED),
        ("cross-signed", False, "M1", None, Verdict.NOT_CROSS_SIGNED),
        ("cross-signed", True, "M2", "M1", Verdict.TRUSTED),  # pins only matter for tofu
        ("tofu", True, "M1", None, Verdict.TRUSTED),
        ("tofu", True, "M1", "M1", Verdict.TRUSTED),
        ("tofu", True, "M2", "M1", Verdict.MASTER_KEY_CHANGED),
        ("tofu", False, "M1", "M1", Verdict.NOT_CROSS_SIGNED),
        ("all", False, None, None, Verdict.TRUSTED),
        ("all", True, "M2", "M1", Verdict.TRUSTED),
    ],
)
def test_decision_table(policy, cross_signed, master, pinned, verdict):
    assert decide(policy, cross_signed, master, pinned) is verdict


def test_user_keys_from_a_raw_query(identity):
    seeds, master, ssk = identity
    response = {
        "device_keys": {
            USER: {
                "PHONE": sign_device(USER, device("PHONE"), seeds),
                "INJECTED": device("INJECTED"),
            }
        },
        "master_keys": {USER: master},
        "self_signing_keys": {USER: ssk},
    }
    keys = UserKeys.from_query(response, USER)
    assert keys.verdicts("cross-signed", None) == {
        "PHONE": Verdict.TRUSTED,
        "INJECTED": Verdict.NOT_CROSS_SIGNED,
    }
    assert keys.verdicts("tofu", "another-master")["PHONE"] is Verdict.MASTER_KEY_CHANGED
    assert UserKeys.from_query({}, USER).verdicts("cross-signed", None) == {}


async def test_keys_invalidated_while_a_query_is_on_its_way_are_still_answered():
    """A sync may report a changed device list (invalidate) while a send waits for
    /keys/query; the send used to fail with KeyError for a user known before the query."""

    class Response:
        status = 200

        async def json(self, content_type: object = None) -> dict[str, object]:
            return {"device_keys": {}}

    class SlowClient:
        access_token = "t"
        gate = asyncio.Event()

        async def send(self, *args: object, **kwargs: object) -> Response:
            await self.gate.wait()
            return Response()

    client = SlowClient()
    trust = DeviceTrust(client, None, "cross-signed", Redactor(b"k"))
    client.gate.set()
    await trust.unsigned_devices([USER])  # USER is known now
    client.gate.clear()
    query = asyncio.create_task(trust._user_keys([USER, "@bo:hs.test"]))
    await asyncio.sleep(0)
    trust.invalidate([USER])  # the sync's device-list change, mid-query
    client.gate.set()
    assert set(await query) == {USER, "@bo:hs.test"}
