"""Logging in with an access token (`WARMLINE_ACCESS_TOKEN`): the device comes from /whoami,
and a device's keys are only ever used with the store that made them. Against a fake
homeserver on loopback; tests/integration/test_first_hour.py does it against Synapse."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nio.crypto import OlmDevice

from bot.config import load_config
from bot.dev.botprocess import write_config
from bot.errors import ActionNeeded
from bot.logs import StateLog
from bot.matrix.client import build_client
from bot.matrix.login import ACCESS_TOKEN_ENV, open_session
from store import Store
from store.secret import parse
from tests.support.fake_homeserver import DEVICE_ID, TOKEN, USER_ID, FakeHomeserver

KEY = parse("cd" * 32, "test")


@pytest.fixture
async def server() -> AsyncIterator[FakeHomeserver]:
    fake = FakeHomeserver()
    await fake.start()
    yield fake
    await fake.stop()


async def log_in(server: FakeHomeserver, tmp_path: Path, env: dict[str, str]) -> Store:
    """One start's login with `env`; returns the store (closed), for a look afterwards."""
    loaded = await load_config(write_config(tmp_path, server.url, USER_ID))
    store = Store(tmp_path / "data", KEY)
    client = build_client(loaded, store, StateLog("homeserver"))
    try:
        await open_session(loaded, store, client, env)
        assert client.olm is not None and client.device_id == DEVICE_ID
    finally:
        await client.close()
        store.close()
    return store


def saved_token(tmp_path: Path) -> str | None:
    store = Store(tmp_path / "data", KEY)
    try:
        session = store.load_session()
    finally:
        store.close()
    return session.access_token if session else None


async def test_a_token_logs_in_as_its_device_and_is_saved(server, tmp_path):
    await log_in(server, tmp_path, {ACCESS_TOKEN_ENV: TOKEN})
    assert saved_token(tmp_path) == TOKEN
    assert server.published() is not None  # the new device's keys are uploaded
    assert not any(path.endswith("/login") for path in server.seen)


async def test_after_a_lost_session_a_new_token_for_the_same_device_keeps_its_keys(
    server, tmp_path, caplog
):
    caplog.set_level(logging.INFO, "bot.matrix.login")
    await log_in(server, tmp_path, {ACCESS_TOKEN_ENV: TOKEN})
    keys = server.published()
    server.tokens = {"new-token": (USER_ID, DEVICE_ID)}  # the old one was revoked
    await log_in(server, tmp_path, {ACCESS_TOKEN_ENV: "new-token"})
    assert saved_token(tmp_path) == "new-token"
    assert server.published() == keys  # the same device keys: nothing re-made
    assert "as this store's device" in caplog.text


async def test_a_token_whose_device_has_keys_from_another_client_is_refused(server, tmp_path):
    server.publish_device_keys(
        {
            "user_id": USER_ID,
            "device_id": DEVICE_ID,
            "algorithms": ["m.megolm.v1.aes-sha2"],
            "keys": {f"ed25519:{DEVICE_ID}": "an Element session's key"},
        }
    )
    with pytest.raises(ActionNeeded, match="already has encryption keys") as info:
        await log_in(server, tmp_path, {ACCESS_TOKEN_ENV: TOKEN})
    assert "issue one for a new device" in str(info.value)
    assert saved_token(tmp_path) is None


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        ({}, "the homeserver refused WARMLINE_ACCESS_TOKEN (M_UNKNOWN_TOKEN"),
        ({TOKEN: (USER_ID, None)}, "is not tied to a device"),
        ({TOKEN: ("@someone:fake.test", DEVICE_ID)}, "belongs to another account"),
    ],
)
async def test_a_token_that_cannot_work_says_why(server, tmp_path, tokens, expected):
    server.tokens = tokens
    with pytest.raises(ActionNeeded, match=expected.replace("(", r"\(")):
        await log_in(server, tmp_path, {ACCESS_TOKEN_ENV: TOKEN})


async def test_no_credential_at_all_names_both_ways_to_log_in(server, tmp_path):
    with pytest.raises(ActionNeeded) as info:
        await log_in(server, tmp_path, {})
    assert "WARMLINE_PASSWORD" in str(info.value) and ACCESS_TOKEN_ENV in str(info.value)


async def test_a_restart_does_not_ask_again_for_keys_it_keeps(server, tmp_path):
    loaded = await load_config(write_config(tmp_path, server.url, USER_ID))
    for start in range(2):
        store = Store(tmp_path / "data", KEY)
        client = build_client(loaded, store, StateLog("homeserver"))
        try:
            await open_session(loaded, store, client, {ACCESS_TOKEN_ENV: TOKEN})
            assert client.olm is not None and client.store is not None
            if start == 0:
                alex = OlmDevice("@alex:hs", "ALEXDEV", {"ed25519": "e", "curve25519": "c"})
                client.device_store.add(alex)
                client.store.save_device_keys({"@alex:hs": {"ALEXDEV": alex}})
                assert "@alex:hs" not in client.olm.tracked_users
            else:
                assert "@alex:hs" in client.olm.tracked_users
        finally:
            await client.close()
            store.close()
