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
        "signatures": {user: {f"ed25519:{device_id}": "self-signature"}},
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
    assert is_cross_signed(USER, "PHONE", signed, master, ssk)
    assert not is_cross_signed(USER, "LAPTOP", device("LAPTOP"), master, ssk)


def test_forgeries_are_not_cross_signed(identity):
    seeds, master, ssk = identity
    signed = sign_device(USER, device("PHONE"), seeds)
    other_seeds = generate_seeds()
    other = upload_body(USER, other_seeds)
    # a self-signing key not signed by this master key
    assert not is_cross_signed(USER, "PHONE", signed, master, other["self_signing_key"])
    # a device signed by another identity's self-signing key
    forged = sign_device(USER, device("X"), other_seeds)
    assert not is_cross_signed(USER, "X", forged, master, ssk)
    # the right signature, but the keys belong to someone else
    assert not is_cross_signed("@eve:hs.test", "PHONE", signed, master, ssk)
    # a device whose keys were changed after signing
    changed = copy.deepcopy(signed)
    changed["keys"]["ed25519:PHONE"] = "f" * 43
    assert not is_cross_signed(USER, "PHONE", changed, master, ssk)
    # its keys swapped after signing
    swapped = copy.deepcopy(signed)
    ed, curve = identity_of(signed, "PHONE")
    swapped["keys"].update({"ed25519:PHONE": curve, "curve25519:PHONE": ed})
    assert not is_cross_signed(USER, "PHONE", swapped, master, ssk)
    # no cross-signing at all
    assert not is_cross_signed(USER, "PHONE", signed, None, None)
    # a user-signing key in the self-signing slot
    usk = upload_body(USER, seeds)["user_signing_key"]
    assert not is_cross_signed(USER, "PHONE", signed, master, usk)


def test_unsigned_display_name_does_not_matter(identity):
    seeds, master, ssk = identity
    signed = sign_device(USER, device("PHONE"), seeds)
    signed["unsigned"] = {"device_display_name": "renamed"}
    assert is_cross_signed(USER, "PHONE", signed, master, ssk)


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

        async def read(self) -> bytes:
            return b'{"device_keys": {}}'

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


# -- what was signed, not what the server says (issue #10, section 2) -----------------------


def query(devices: dict, master: dict | None, ssk: dict | None, user: str = USER) -> dict:
    answer: dict = {"device_keys": {user: devices}}
    if master is not None:
        answer["master_keys"] = {user: master}
    if ssk is not None:
        answer["self_signing_keys"] = {user: ssk}
    return answer


def identity_of(obj: dict, device_id: str) -> tuple[str, str]:
    return obj["keys"][f"ed25519:{device_id}"], obj["keys"][f"curve25519:{device_id}"]


def test_the_spec_key_as_master_vouches_for_a_device_through_its_self_signing_key():
    master_key = decode_signing_key_base64("ed25519", "1", SPEC_SEED)
    master_pub = encode_verify_key_base64(get_verify_key(master_key))
    master_key.version = master_pub  # a cross-signing key is named by its public key
    master = {"user_id": USER, "usage": ["master"], "keys": {f"ed25519:{master_pub}": master_pub}}
    seeds = generate_seeds()
    ssk = upload_body(USER, seeds)["self_signing_key"]
    ssk.pop("signatures")
    ssk = sign_json(ssk, USER, master_key)
    phone = sign_device(USER, device("PHONE"), seeds)
    keys = UserKeys.from_query(query({"PHONE": phone}, master, ssk), USER)
    assert keys.master_pub == master_pub
    assert keys.verdicts("tofu", master_pub) == {"PHONE": Verdict.TRUSTED}
    # the same chain, but the self-signing key signed by a master key other than the one listed
    resigned = sign_json({k: v for k, v in ssk.items() if k != "signatures"}, USER, master_key)
    other = upload_body(USER, generate_seeds())["master_key"]
    keys = UserKeys.from_query(query({"PHONE": phone}, other, resigned), USER)
    assert keys.verdicts("cross-signed", None) == {"PHONE": Verdict.NOT_CROSS_SIGNED}


def test_a_real_signed_device_filed_under_an_injected_id_is_not_trusted(identity):
    seeds, master, ssk = identity
    phone = sign_device(USER, device("PHONE"), seeds)
    keys = UserKeys.from_query(query({"PHONE": phone, "INJECTED": phone}, master, ssk), USER)
    verdicts = keys.verdicts("cross-signed", None)
    assert verdicts == {"PHONE": Verdict.TRUSTED}  # the misfiled copy is not even listed
    assert not is_cross_signed(USER, "INJECTED", phone, master, ssk)


def test_a_real_signed_device_listed_under_another_user_is_not_trusted(identity):
    seeds, master, ssk = identity
    phone = sign_device(USER, device("PHONE"), seeds)
    eve = "@eve:hs.test"
    answer = query({"PHONE": phone}, {**master, "user_id": eve}, {**ssk, "user_id": eve}, eve)
    assert UserKeys.from_query(answer, eve).verdicts("cross-signed", None) == {}
    assert not is_cross_signed(eve, "PHONE", phone, master, ssk)


def test_trust_goes_to_the_keys_nio_encrypts_to_not_to_the_device_id(identity):
    seeds, master, ssk = identity
    phone = sign_device(USER, device("PHONE"), seeds)
    keys = UserKeys.from_query(query({"PHONE": phone}, master, ssk), USER)
    real = identity_of(phone, "PHONE")
    assert keys.verdicts("cross-signed", None, {"PHONE": real})["PHONE"] is Verdict.TRUSTED
    # nio holds other keys under that ID (the server answered nio's query differently)
    injected = {"PHONE": ("i" * 43, "j" * 43)}
    assert keys.verdicts("tofu", None, injected)["PHONE"] is Verdict.NOT_CROSS_SIGNED
    swapped = {"PHONE": (real[1], real[0])}
    assert keys.verdicts("cross-signed", None, swapped)["PHONE"] is Verdict.NOT_CROSS_SIGNED
    assert keys.verdicts("cross-signed", None, {})["PHONE"] is Verdict.NOT_CROSS_SIGNED
    assert keys.verdicts("all", None, injected)["PHONE"] is Verdict.TRUSTED  # documented


def test_the_master_key_must_be_the_users_and_named_by_itself(identity):
    seeds, master, ssk = identity
    phone = sign_device(USER, device("PHONE"), seeds)
    of_eve = {**master, "user_id": "@eve:hs.test"}
    assert UserKeys.from_query(query({"PHONE": phone}, of_eve, ssk), USER).master is None
    assert not is_cross_signed(USER, "PHONE", phone, of_eve, ssk)
    ((_, pub),) = master["keys"].items()
    misnamed = {**master, "keys": {"ed25519:SOMETHINGELSE": pub}}
    assert master_key_of(USER, misnamed) is None
    assert not is_cross_signed(USER, "PHONE", phone, misnamed, ssk)


def test_under_tofu_the_chain_must_end_at_the_pinned_master_key(identity):
    seeds, master, ssk = identity
    phone = sign_device(USER, device("PHONE"), seeds)
    keys = UserKeys.from_query(query({"PHONE": phone}, master, ssk), USER)
    assert keys.verdicts("tofu", keys.master_pub)["PHONE"] is Verdict.TRUSTED
    assert keys.verdicts("tofu", "some-pinned-key")["PHONE"] is Verdict.MASTER_KEY_CHANGED
    # a whole new identity (master, SSK, device signature) is still a changed master key
    new_seeds = generate_seeds()
    new = upload_body(USER, new_seeds)
    resigned = sign_device(USER, device("PHONE"), new_seeds)
    keys = UserKeys.from_query(
        query({"PHONE": resigned}, new["master_key"], new["self_signing_key"]), USER
    )
    pinned = master_key_of(USER, master)
    assert keys.verdicts("tofu", pinned)["PHONE"] is Verdict.MASTER_KEY_CHANGED


def _malformed(answer: dict, path: tuple, value: object) -> dict:
    broken = copy.deepcopy(answer)
    parent = broken
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return broken


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("device_keys", USER, "PHONE", "signatures"), []),
        (("device_keys", USER, "PHONE", "signatures", USER), "sig"),
        (("device_keys", USER, "PHONE"), "a device that is a string"),
        (("device_keys", USER, "PHONE", "keys"), ["ed25519:PHONE"]),
        (("device_keys", USER, "PHONE", "keys", "ed25519:PHONE"), 5),
        (("device_keys", USER, "PHONE", "user_id"), None),
        (("device_keys", USER), ["PHONE"]),
        (("device_keys",), "all of them"),
        (("master_keys", USER, "usage"), 5),
        (("master_keys", USER, "usage"), "master"),
        (("master_keys", USER, "keys"), []),
        (("master_keys", USER), "a master key that is a string"),
        (("self_signing_keys", USER, "usage"), 5),
        (("self_signing_keys", USER, "signatures"), []),
        (("self_signing_keys", USER, "signatures", USER), ["x"]),
        (("self_signing_keys", USER, "keys"), {"ed25519:x": 5}),
        (("self_signing_keys",), None),
    ],
)
def test_malformed_key_data_means_untrusted_never_an_error(identity, path, value):
    seeds, master, ssk = identity
    phone = sign_device(USER, device("PHONE"), seeds)
    good = query({"PHONE": phone}, master, ssk)
    keys = UserKeys.from_query(_malformed(good, path, value), USER)
    for policy in ("cross-signed", "tofu"):
        assert keys.verdicts(policy, None).get("PHONE", Verdict.NOT_CROSS_SIGNED) is not (
            Verdict.TRUSTED
        )
    assert not signed_by({"signatures": []}, USER, "ed25519:x", "x")


@pytest.mark.parametrize("answer", [None, [], "x", 5, {"device_keys": None}, {"device_keys": 5}])
def test_a_query_answer_that_is_no_object_lists_nothing(answer):
    keys = UserKeys.from_query(answer, USER)
    assert keys.devices == {} and keys.master is None and keys.master_pub is None
