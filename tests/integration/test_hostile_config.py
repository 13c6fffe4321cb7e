"""A hostile or broken config saved while the real bot runs (issue #10, section 4): the
organizers are told in the team room with the file and line, the last good config keeps
the line working, and the bot answers at once, on the real Synapse with real E2EE clients.
"""

from __future__ import annotations

import re

import pytest
from nio import RoomMessage

from tests.support.harness import BotSetup, Members
from tests.support.line import Line, start_line

pytestmark = pytest.mark.integration

# ~1 KiB on disk, 2**40 values once its aliases are expanded: used as a key, it made the
# checker print its way through all of them on the event loop.
ALIAS_BOMB = (
    "a0: &a0 [lol, lol]\n"
    + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 40))
    + "? *a39\n: boom\n"
)


@pytest.fixture
async def line(bot_setup: BotSetup, members: Members):
    world = await start_line(bot_setup, members)
    yield world
    await world.bot.stop()


def mentioned(event: RoomMessage) -> list[str]:
    return list(event.source["content"].get("m.mentions", {}).get("user_ids", []))


async def test_a_hostile_edit_is_told_to_the_organizers_and_the_line_keeps_working(
    line: Line, bot_setup: BotSetup
):
    good = bot_setup.config.read_text()
    start = line.org.mark()
    bad = good + ALIAS_BOMB
    tmp = bot_setup.config.with_suffix(".new")
    tmp.write_text(bad)
    tmp.replace(bot_setup.config)  # saved the way editors save
    told = await line.team_message(line.org, start, "I did not apply the edit")
    where = re.search(
        rf"{re.escape(str(bot_setup.config))}:(\d+): the file holds more than 50,000", told.body
    )
    assert where and int(where.group(1)) > len(good.splitlines()), told.body
    assert line.org.user_id in mentioned(told)

    # the bot is not busy expanding it: a page goes out from the last good roster
    dm = await line.alex.create_dm(line.bot_id)
    start = line.sam.mark()
    await line.alex.ask(dm, "!talk", line.bot_id)
    page = await line.page(line.sam, start)
    assert mentioned(page) == [line.sam.user_id]

    bot_setup.config.write_text(good.replace("ack_timeout: 5m", "ack_timeout: !!int abc"))
    told = await line.command(line.org, "!reload", "I did not apply the edit")
    assert "escalation.ack_timeout: expected a duration" in told.body

    bot_setup.config.write_text(good)
    await line.command(line.org, "!reload", "has not changed")
    assert line.bot.proc is not None and line.bot.proc.returncode is None  # never restarted


async def test_oncall_with_an_absurd_duration_gets_the_usage_line(line: Line):
    reply = await line.command(line.sam, "!oncall on " + "9" * 400 + "h", "usage is")
    assert "!oncall on|off|auto [2h]" in reply.body and "ref" not in reply.body
