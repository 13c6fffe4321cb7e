"""A cross-signing reset never loses the identity the homeserver holds: the new keys are
stored next to the old ones and swapped in only once published; a start after a reset that
stopped between the two finishes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.admin import open_identity, replace_identity, seal_identity
from bot.errors import ActionNeeded
from bot.matrix.crosssign import CrossSigningError, bootstrap, generate_seeds, public, publish
from store import Store
from store.secret import parse

KEY = parse("ab" * 32, "test")
USER, DEVICE = "@warmline:hs", "BOTDEVICE"


class Response:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self._body = body

    async def json(self, content_type: object = None) -> dict[str, Any]:
        return self._body

    async def read(self) -> bytes:  # what bot.matrix.crosssign.api reads (bot.matrix.rawjson)
        return json.dumps(self._body).encode()


class FakeHomeserver:
    """Just the cross-signing endpoints, for one account with one device."""

    user_id, device_id, access_token = USER, DEVICE, "token"

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}  # the uploaded master / self-signing key objects
        self.device: dict[str, Any] = {
            "user_id": USER,
            "device_id": DEVICE,
            "algorithms": ["m.megolm.v1.aes-sha2"],
            "keys": {f"ed25519:{DEVICE}": "x", f"curve25519:{DEVICE}": "y"},
            "signatures": {},
        }
        self.refuse_upload = False

    async def send(self, method: str, path: str, data: str | None, headers: object) -> Response:
        body = json.loads(data) if data else {}
        if path.endswith("/keys/query"):
            answer: dict[str, Any] = {"device_keys": {USER: {DEVICE: self.device}}}
            if self.keys:
                answer["master_keys"] = {USER: self.keys["master_key"]}
                answer["self_signing_keys"] = {USER: self.keys["self_signing_key"]}
            return Response(200, answer)
        if path.endswith("/keys/device_signing/upload"):
            if self.refuse_upload:
                return Response(403, {"errcode": "M_FORBIDDEN", "error": "no"})
            if self.keys and "auth" not in body:  # replacing keys needs the password
                return Response(401, {"flows": [{"stages": ["m.login.password"]}]})
            self.keys = body
            return Response(200, {})
        if path.endswith("/keys/signatures/upload"):
            self.device = body[USER][DEVICE]
            return Response(200, {"failures": {}})
        raise AssertionError(path)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "data", KEY)
    yield s
    s.close()


def server_master(hs: FakeHomeserver) -> str:
    return str(next(iter(hs.keys["master_key"]["keys"].values())))


async def test_a_refused_publish_keeps_the_old_identity(store: Store):
    hs = FakeHomeserver()
    old, _ = await bootstrap(hs, None, None, persist=store.save_cross_signing_seeds)
    hs.refuse_upload = True
    with pytest.raises(CrossSigningError, match="nothing changed: the old identity stays"):
        await replace_identity(hs, store, None)
    assert store.cross_signing_seeds() == old and store.pending_cross_signing_seeds() is None
    assert server_master(hs) == public(old, "master")
    hs.refuse_upload = False
    assert await bootstrap(hs, store.cross_signing_seeds(), None) == (old, False)


async def test_a_reset_the_operator_must_approve_keeps_the_old_identity(store: Store):
    hs = FakeHomeserver()
    old, _ = await bootstrap(hs, None, None, persist=store.save_cross_signing_seeds)
    with pytest.raises(ActionNeeded, match=r"WARMLINE_PASSWORD.*the old identity stays"):
        await replace_identity(hs, store, None)  # no password: exit 2, nothing changed
    assert store.cross_signing_seeds() == old and store.pending_cross_signing_seeds() is None
    assert server_master(hs) == public(old, "master")


async def test_a_reset_swaps_in_the_published_identity(store: Store):
    hs = FakeHomeserver()
    old, _ = await bootstrap(hs, None, None, persist=store.save_cross_signing_seeds)
    new = await replace_identity(hs, store, "password")
    assert new != old and store.cross_signing_seeds() == new
    assert server_master(hs) == public(new, "master")
    assert store.pending_cross_signing_seeds() is None


async def test_a_start_after_an_interrupted_reset_takes_the_published_identity(store: Store):
    hs = FakeHomeserver()
    old, _ = await bootstrap(hs, None, None, persist=store.save_cross_signing_seeds)
    new = generate_seeds()
    store.save_pending_cross_signing_seeds(new)
    await publish(hs, new, "password")  # …and the process stopped before the swap
    assert store.cross_signing_seeds() == old
    seeds, created = await bootstrap(
        hs,
        store.cross_signing_seeds(),
        None,
        persist=store.save_cross_signing_seeds,
        pending=store.pending_cross_signing_seeds(),
    )
    assert (seeds, created) == (new, False)
    assert store.cross_signing_seeds() == new and store.pending_cross_signing_seeds() is None


async def test_a_pending_identity_the_server_never_got_is_ignored(store: Store):
    hs = FakeHomeserver()
    old, _ = await bootstrap(hs, None, None, persist=store.save_cross_signing_seeds)
    store.save_pending_cross_signing_seeds(generate_seeds())  # its upload failed
    seeds, _ = await bootstrap(
        hs,
        old,
        None,
        persist=store.save_cross_signing_seeds,
        pending=store.pending_cross_signing_seeds(),
    )
    assert seeds == old and store.cross_signing_seeds() == old


def test_identity_files_of_older_exports_still_open():
    """warmline's first exports used nio's default of 10,000 rounds: they must still import."""
    seeds = generate_seeds()
    older = seal_identity(seeds, "correct horse battery staple", rounds=10_000)
    assert open_identity(older, "correct horse battery staple") == seeds
    with pytest.raises(ValueError):
        open_identity(older, "wrong passphrase, same length")
    with pytest.raises(ValueError):
        open_identity(older.replace("A", "B"), "correct horse battery staple")
    with pytest.raises(ValueError):
        open_identity("garbage", "correct horse battery staple")
