"""Retention and staleness promises on the real Synapse: a request nobody could take is closed
privacy.retention after its last activity (the member told when, the page edited), and a
message that reaches the bot too late is not acted on (the member told, nobody paged)."""

from __future__ import annotations

import asyncio

import pytest
from nio import RoomMessage

from tests.support.harness import BotSetup, Members
from tests.support.line import never_now, start_line

pytestmark = pytest.mark.integration


async def test_a_request_nobody_took_lapses_when_the_member_was_told(
    bot_setup: BotSetup, members: Members
):
    line = await start_line(
        bot_setup, members, sam_shifts=never_now(), extra={"privacy": {"retention": "3s"}}
    )
    dm = await line.alex.create_dm(line.bot_id)
    start_team = line.sam.mark()
    told = await line.alex.ask(dm, "I need to talk", line.bot_id)
    assert "no peer supporter is on call" in told.body
    assert "If nobody has picked it up by" in told.body and "I'll close it" in told.body
    page = await line.page(line.sam, start_team)
    request_id = line.page_id(page)
    await line.team_message(line.sam, start_team, f"{request_id} · closed: nobody could take it")
    again = await line.alex.ask(dm, "I need to talk", line.bot_id)
    assert "no peer supporter is on call" in again.body  # a new request, not "still open"
    await line.bot.stop()


async def test_a_talk_request_sent_while_the_bot_was_away_too_long_is_not_acted_on(
    bot_setup: BotSetup, members: Members
):
    line = await start_line(bot_setup, members, extra={"stale_after": "2s"})
    dm = await line.alex.create_dm(line.bot_id)
    await line.alex.ask(dm, "!help", line.bot_id)
    await line.bot.stop()
    await line.alex.send(dm, "I need to talk")
    await asyncio.sleep(3)  # longer than stale_after: the point of the test, not a race
    start_alex, start_team = line.alex.mark(), line.sam.mark()
    await line.restart(bot_setup)
    late = await line.alex.reply_from(line.bot_id, dm, start_alex)
    assert "has only reached me now, so I haven't passed it on" in late.body
    assert "Rainbow Line" in late.body
    await line.bot.wait_for_line("not acted on 1 event(s)")
    fresh = await line.alex.ask(dm, "I need to talk", line.bot_id)  # now it is acted on
    assert "are you somewhere safe" in fresh.body
    await line.page(line.sam, start_team)
    pages = [
        e
        for r, e in line.sam.events[start_team:]
        if r == line.team and isinstance(e, RoomMessage) and "New request" in e.body
    ]
    assert len(pages) == 1  # only the fresh request was paged
    await line.bot.stop()
