"""Failures an operator will meet: the homeserver goes away, the crypto state is lost."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from bot.dev.botprocess import BotProcess, new_store_key, write_config
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse
from bot.matrix.crosssign import query_keys
from bot.matrix.trust import UserKeys, is_cross_signed
from store import Store
from store.migrations import OWN_TABLES
from store.secret import parse
from tests.support.harness import BotSetup, Members, talked_once

pytestmark = pytest.mark.integration


async def test_homeserver_outage_logs_one_line_each_way_and_recovers(tmp_path: Path):
    server = LocalSynapse(tmp_path / "synapse")  # its own server: this test stops it
    server.start()
    bot_pw, member_pw = secrets.token_urlsafe(9), secrets.token_urlsafe(9)
    bot_id = server.register("warmline", bot_pw)
    member_id = server.register("alex", member_pw)
    bot = BotProcess(
        write_config(tmp_path / "bot", server.url, bot_id),
        bot_pw,
        new_store_key(),
        tmp_path / "bot.log",
    )
    await bot.start()
    alex = Member(server.url, member_id, member_pw, tmp_path / "alex")
    try:
        await alex.start()
        room = await alex.create_dm(bot_id)
        await alex.ask(room, "!help", bot_id)

        server.stop()
        # the bot notices on its next sync; wait for the line rather than for a time
        await bot.wait_for_line("homeserver: ", timeout=60)
        server.start()
        await bot.wait_for_line("homeserver: working again", timeout=90)
        reply = await alex.ask(room, "!help", bot_id, timeout=60)
        assert "Commands you can use" in reply.body
        health = [line for line in bot.lines if "warmline.health" in line]
        assert len(health) == 2, health
    finally:
        await alex.close()
        await bot.stop()
        server.stop()


async def test_lost_crypto_state_means_a_new_device_not_a_reused_one(
    bot_setup: BotSetup, members: Members
):
    bot_id = bot_setup.user_id
    proc, alex, room = await talked_once(bot_setup, members)
    await proc.stop()

    before = UserKeys.from_query(await query_keys(alex.client, [bot_id]), bot_id)
    store = Store(bot_setup.store_dir, parse(bot_setup.store_key, "test"))
    old = store.load_session()
    assert old is not None
    db = store._db  # what a lost nio store looks like: none of its tables
    db.execute("PRAGMA foreign_keys = OFF")
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        if name not in OWN_TABLES:
            db.execute(f'DROP TABLE "{name}"')
    store.close()

    proc = bot_setup.process()
    await proc.start()
    assert any("no encryption state" in line for line in proc.lines)
    reply = await alex.ask(room, "!help", bot_id)
    assert "Commands you can use" in reply.body
    await proc.stop()
    store = Store(bot_setup.store_dir, parse(bot_setup.store_key, "test"))
    new = store.load_session()
    store.close()
    assert new is not None and new.device_id != old.device_id
    after = UserKeys.from_query(await query_keys(alex.client, [bot_id]), bot_id)
    assert after.master_pub == before.master_pub, "the bot's identity must not change"
    assert is_cross_signed(
        bot_id, new.device_id, after.devices[new.device_id], after.master, after.self_signing
    )
