"""Operator commands against the real Synapse: doctor, key export/import after losing the
machine, and a deliberate cross-signing reset."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys

import pytest
import yaml
from unpaddedbase64 import decode_base64

from bot.matrix.crosssign import query_keys
from bot.matrix.trust import UserKeys, is_cross_signed
from tests.support.harness import BotSetup, Members

pytestmark = pytest.mark.integration
PASSPHRASE = "correct horse battery staple"


async def warmline(
    setup: BotSetup,
    *args: str,
    store_key: str | None = None,
    password: str | None = None,
    passphrase: str = PASSPHRASE,
):
    env = {
        **os.environ,
        "WARMLINE_STORE_KEY": store_key or setup.store_key,
        "WARMLINE_PASSWORD": password or setup.password,
        "WARMLINE_EXPORT_PASSPHRASE": passphrase,
    }
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


async def run_once(setup: BotSetup) -> None:
    """Starts the bot (it logs in, cross-signs itself) and stops it."""
    proc = setup.process()
    await proc.start()
    await proc.stop()


def pbkdf2_rounds(path) -> int:
    """The round count an export file was sealed with (Matrix spec, Key exports)."""
    body = "".join(path.read_text().strip().splitlines()[1:-1])
    return int.from_bytes(decode_base64(body)[33:37], "big")


async def bot_keys(members: Members, bot_id: str) -> UserKeys:
    observer = members.all[0] if members.all else await members.new("observer")
    return UserKeys.from_query(await query_keys(observer.client, [bot_id]), bot_id)


async def test_doctor_reports_in_plain_words(bot_setup: BotSetup):
    await run_once(bot_setup)
    result = await warmline(bot_setup, "doctor", "--config", str(bot_setup.config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok    the bot's device is cross-signed" in result.stdout
    assert "FAIL" not in result.stdout

    wrong = await warmline(
        bot_setup, "doctor", "--config", str(bot_setup.config), store_key="ab" * 32
    )
    assert wrong.returncode == 1 and "FAIL  the store key from WARMLINE_STORE_KEY" in wrong.stdout


async def test_lost_machine_is_recovered_from_an_export(
    bot_setup: BotSetup, members: Members, tmp_path
):
    bot_id = bot_setup.user_id
    await run_once(bot_setup)
    before = await bot_keys(members, bot_id)
    export = tmp_path / "keys.txt"
    result = await warmline(
        bot_setup, "export-keys", str(export), "--config", str(bot_setup.config)
    )
    assert result.returncode == 0, result.stderr
    for path in (export, export.with_name("keys.txt.identity")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert bot_id not in path.read_text()
    assert export.read_text().startswith("-----BEGIN MEGOLM SESSION DATA-----")
    for path in (export, export.with_name("keys.txt.identity")):
        assert pbkdf2_rounds(path) == 500_000  # the spec asks for at least 100,000

    # the machine is gone: a new store (new key) on a new machine, same account
    config = yaml.safe_load(bot_setup.config.read_text())
    config["store"]["path"] = str(tmp_path / "new-machine")
    bot_setup.config.write_text(yaml.safe_dump(config))
    new_key = "cd" * 32
    result = await warmline(
        bot_setup, "import-keys", str(export), "--config", str(bot_setup.config), store_key=new_key
    )
    assert result.returncode == 0, result.stderr
    assert "cross-signing identity restored" in result.stdout

    after = await bot_keys(members, bot_id)
    assert after.master_pub == before.master_pub
    new_devices = set(after.devices) - set(before.devices)
    assert len(new_devices) == 1
    (device,) = new_devices
    assert is_cross_signed(bot_id, device, after.devices[device], after.master, after.self_signing)

    bad = await warmline(
        bot_setup, "import-keys", str(export), "--config", str(bot_setup.config), store_key=new_key
    )
    assert bad.returncode == 0  # importing the same keys again is harmless


async def test_reset_cross_signing_replaces_the_identity(bot_setup: BotSetup, members: Members):
    bot_id = bot_setup.user_id
    await run_once(bot_setup)
    before = await bot_keys(members, bot_id)
    result = await warmline(
        bot_setup, "reset-cross-signing", "--yes", "--config", str(bot_setup.config)
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" in result.stderr
    after = await bot_keys(members, bot_id)
    assert after.master_pub != before.master_pub
    ((device_id, device),) = after.devices.items()
    assert is_cross_signed(bot_id, device_id, device, after.master, after.self_signing)
    await run_once(bot_setup)  # the restarted bot accepts the new identity as its own


async def test_a_failed_reset_keeps_the_old_identity(bot_setup: BotSetup, members: Members):
    """Replacing published keys needs the account's password (interactive auth): with a
    wrong one the publish fails, and the bot must still start with its old identity."""
    bot_id = bot_setup.user_id
    await run_once(bot_setup)
    before = await bot_keys(members, bot_id)
    result = await warmline(
        bot_setup,
        "reset-cross-signing",
        "--yes",
        "--config",
        str(bot_setup.config),
        password="not-the-password",
    )
    assert result.returncode == 2, result.stderr  # the operator must act: exit 2
    assert "did not accept WARMLINE_PASSWORD" in result.stderr
    assert "nothing changed: the old identity stays" in result.stderr
    assert (await bot_keys(members, bot_id)).master_pub == before.master_pub
    await run_once(bot_setup)  # the old identity is still the bot's own
