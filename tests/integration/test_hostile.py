"""A stranger's malformed event, sent with a raw client into rooms the bot is in, stops
nothing: not the line, not a restart (issue #10, section 1)."""

from __future__ import annotations

import secrets

import pytest

from bot.dev.synapse import LocalSynapse
from tests.support.harness import BotSetup, unique
from tests.support.line import Line
from tests.support.raw import RawClient

pytestmark = pytest.mark.integration

# What nio 0.26 asserts on while handling a sync: an empty sender_key (and session_id).
POISON = {
    "algorithm": "m.megolm.v1.aes-sha2",
    "ciphertext": "AwgAEhAx",
    "sender_key": "",
    "session_id": "",
    "device_id": "EVIL",
}


async def test_an_empty_sender_key_stops_nothing_and_is_not_met_again_after_a_restart(
    line: Line, bot_setup: BotSetup, synapse: LocalSynapse
):
    bot_id = bot_setup.user_id
    password = secrets.token_urlsafe(12)
    evil = RawClient(synapse.url)
    try:
        await evil.login(synapse.register(unique("evil"), password), password)
        # into a DM with the bot (invites from the bot's own server are accepted) ...
        dm = await evil.create_dm(bot_id)
        await evil.wait_joined(dm, bot_id)
        await evil.send(dm, "m.room.encrypted", POISON)
        # ... and into the team room, where a supporter let them in
        await line.sam.client.room_invite(line.team, evil.user_id)
        await evil.join(line.team)
        await evil.send(line.team, "m.room.encrypted", POISON)
        await line.bot.wait_for_line("left out", timeout=30)

        alex_dm = await line.alex.create_dm(bot_id)
        reply = await line.alex.ask(alex_dm, "!help", bot_id)
        assert "Commands you can use" in reply.body
        reply = await line.command(line.sam, "!help", "Commands you can use")
        assert reply.sender == bot_id
        first_run = list(line.bot.lines)
        assert not [x for x in first_run if "could not be handled" in x or "Traceback" in x]

        await line.bot.stop()
        await line.restart(bot_setup)  # ready again: the bad events do not come back
        reply = await line.alex.ask(alex_dm, "!help", bot_id)
        assert "Commands you can use" in reply.body
        assert not [x for x in line.bot.lines if "left out" in x or "could not be" in x]
    finally:
        await evil.close()
