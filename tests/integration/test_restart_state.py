"""A restart without full state (issue #16): the bot puts the rooms' state back from its store
and resumes the sync from its position, and then works as before in rooms it already shared
(an encrypted DM, the team room) and in one opened while it was down."""

from __future__ import annotations

import asyncio

import pytest
from nio import RoomMessage

from tests.support.harness import BotSetup, Members
from tests.support.line import Line

pytestmark = pytest.mark.integration


def ready_line(lines: list[str]) -> str:
    return next(line for line in lines if "warmline is ready" in line)


async def test_a_restart_resumes_from_the_kept_room_state(
    line: Line, bot_setup: BotSetup, members: Members
):
    assert "full state" in ready_line(line.bot.lines)  # a new store: every room's state, once
    dm = await line.alex.create_dm(line.bot_id)
    await line.alex.ask(dm, "!help", line.bot_id)
    await line.bot.stop()

    bob = await members.new("bob")  # opens a DM while the bot is away
    bobs_dm = asyncio.create_task(bob.create_dm(line.bot_id, timeout=120))
    await asyncio.sleep(0)
    await line.restart(bot_setup)
    ready = ready_line(line.bot.lines)
    assert "rooms from the store" in ready and "full state" not in ready, ready

    help_text = await line.alex.ask(dm, "!help", line.bot_id)  # encrypted, as before
    assert help_text.decrypted and "!talk" in help_text.body
    start_team = line.sam.mark()
    ack = await line.alex.ask(dm, "!talk", line.bot_id)  # a DM still, to the strict rule
    assert "are you somewhere safe" in ack.body
    page = await line.page(line.sam, start_team)
    start_alex = line.alex.mark()
    await line.sam.send(line.team, f"!accept {line.page_id(page)}")
    told = await line.alex.reply_from(line.bot_id, dm, start_alex)
    assert "Sam (they/them) is here for you" in told.body
    await line.alex.wait_for(
        lambda r, e: (
            r not in (dm, line.team)
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "private, end-to-end encrypted room" in e.body
        ),
        start=start_alex,
    )

    room = await bobs_dm  # the invite came in the sync from the kept position
    reply = await bob.ask(room, "!help", line.bot_id)
    assert reply.decrypted
