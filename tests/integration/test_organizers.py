"""Organizers on the real Synapse: live roster edits, on-call controls, status and metrics,
with real cross-signed E2EE clients and a real `warmline run` process (never restarted here:
every change below reaches the running bot through its config file or its commands)."""

from __future__ import annotations

import asyncio
import socket
import urllib.request

import pytest
import yaml
from nio import RoomMessage

from bot.dev.member import Member
from tests.support.harness import BotSetup, Members
from tests.support.line import ALWAYS, Line, start_line

pytestmark = pytest.mark.integration


@pytest.fixture
async def line(bot_setup: BotSetup, members: Members):
    world = await start_line(bot_setup, members)
    yield world
    await world.bot.stop()


def edit_config(setup: BotSetup, change, base: str | None = None) -> str:
    """Applies `change` to the YAML on disk (or to `base`) the way an organizer's editor
    saves it (a new file renamed into place); returns the text written."""
    config = yaml.safe_load(base if base is not None else setup.config.read_text())
    change(config)
    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    tmp = setup.config.with_suffix(".new")
    tmp.write_text(text)
    tmp.replace(setup.config)
    return text


async def bot_says(line: Line, who: Member, start: int, text: str) -> RoomMessage:
    return await line.team_message(who, start, text)


async def command(line: Line, who: Member, text: str, expect: str) -> RoomMessage:
    return await line.command(who, text, expect)


def mentioned(event: RoomMessage) -> list[str]:
    return list(event.source["content"].get("m.mentions", {}).get("user_ids", []))


async def test_a_supporter_added_in_yaml_is_paged_without_a_restart(
    line: Line, bot_setup: BotSetup, members: Members
):
    lee = await members.new("lee")
    start = line.sam.mark()
    edit_config(
        bot_setup,
        lambda c: c["roster"]["supporters"].append(
            {"user_id": lee.user_id, "name": "Lee", "shifts": ALWAYS}
        ),
    )
    applied = await bot_says(line, line.sam, start, "I applied the edited config")
    assert "roster.supporters" in applied.body and "+Lee" in applied.body

    dm = await line.alex.create_dm(line.bot_id)
    start = line.sam.mark()
    await line.alex.ask(dm, "I need to talk", line.bot_id)
    page = await line.page(line.sam, start)
    assert sorted(mentioned(page)) == sorted([line.sam.user_id, lee.user_id])

    unchanged = await command(line, line.org, "!reload", "has not changed")
    assert "has not changed" in unchanged.body
    assert line.bot.proc is not None and line.bot.proc.returncode is None  # never restarted


async def test_a_broken_edit_is_refused_with_its_line_and_the_last_good_roster_keeps_paging(
    line: Line, bot_setup: BotSetup
):
    good = bot_setup.config.read_text()
    start = line.org.mark()
    text = edit_config(
        bot_setup, lambda c: c["roster"]["supporters"][0].update(timezone="Mars/Olympus")
    )
    line_no = next(i for i, t in enumerate(text.splitlines(), 1) if "Mars/Olympus" in t)
    told = await bot_says(line, line.org, start, "I did not apply the edit")
    assert f"{bot_setup.config}:{line_no}: roster.supporters[0].timezone:" in told.body
    assert "still running the last good version" in told.body
    assert line.org.user_id in mentioned(told)

    dm = await line.alex.create_dm(line.bot_id)
    start = line.sam.mark()
    await line.alex.ask(dm, "!talk", line.bot_id)
    page = await line.page(line.sam, start)
    assert mentioned(page) == [line.sam.user_id]  # Sam, from the last good roster

    start = line.org.mark()
    edit_config(bot_setup, lambda c: c["matrix"].update(device_name="renamed"), base=good)
    told = await bot_says(line, line.org, start, "need a restart")
    assert "matrix.device_name:" in told.body

    bot_setup.config.write_text(good)  # back to what is running: nothing to say
    await command(line, line.org, "!reload", "has not changed")


async def test_oncall_off_takes_a_supporter_out_of_pages(line: Line):
    await command(line, line.sam, "!oncall off", "Sam is off call until")

    dm = await line.alex.create_dm(line.bot_id)
    start = line.sam.mark()
    answer = await line.alex.ask(dm, "I need to talk", line.bot_id)
    assert "no peer supporter is on call right now" in answer.body
    page = await line.page(line.sam, start)
    assert mentioned(page) == []

    await command(line, line.kim, "!oncall Sam on", "only their own")
    back = await command(line, line.org, "!oncall Sam on 1h", "Sam is on call until")
    assert "1 open request" in back.body
    shift = await command(line, line.kim, "!shift", "On call now")
    assert "Sam (tier 1)" in shift.body and "manual until" in shift.body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_status_and_metrics_are_figures_without_identities(
    bot_setup: BotSetup, members: Members
):
    port = free_port()
    world = await start_line(bot_setup, members, extra={"metrics": {"listen": f"127.0.0.1:{port}"}})
    try:
        dm = await world.alex.create_dm(world.bot_id)
        start = world.sam.mark()
        await world.alex.ask(dm, "!talk", world.bot_id)
        request_id = world.page_id(await world.page(world.sam, start))
        start_alex = world.alex.mark()
        await world.sam.send(world.team, f"!accept {request_id}")
        await world.alex.reply_from(world.bot_id, dm, start_alex)

        sessions = await command(world, world.sam, "!sessions", "Open sessions:")
        assert request_id in sessions.body and "Sam" in sessions.body

        status = await command(world, world.org, "!status", "figures only")
        assert "Open requests: 0" in status.body and "Open sessions: 1" in status.body
        assert "On call now: 1 in tier 1, 0 in tier 2" in status.body
        assert "Today: 1 request · 1 accepted" in status.body
        handoff_rooms = [r for r in world.alex.client.rooms if r not in (dm, world.team)]
        html = status.source["content"].get("formatted_body", "")
        for secret in (world.alex.user_id, dm, request_id, *handoff_rooms):
            assert secret not in status.body and secret not in html

        await command(world, world.kim, "!status", "only for organizers")

        url = f"http://127.0.0.1:{port}/metrics"
        scraped = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=10).read())
        metrics = scraped.decode()
        assert "warmline_requests_total 1.0" in metrics
        assert "warmline_accepts_total 1.0" in metrics
        assert "warmline_time_to_accept_seconds_count 1.0" in metrics
        assert "warmline_open_sessions 1.0" in metrics
        for secret in ("@", world.team, dm, request_id):
            assert secret not in metrics
    finally:
        await world.bot.stop()
