"""The homeserver goes away (issue #11, part 3), on the real Synapse: stopped for 30 s while a
member's request and a supporter's accept are on their way, and down when `warmline run`
starts. This file has a Synapse of its own (the tests stop it); the others share one."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from nio import RoomMessage

from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse
from tests.support.harness import BotSetup, Members
from tests.support.line import Line

pytestmark = pytest.mark.integration
OUTAGE = 30.0  # seconds Synapse stays down: the scenario itself, not a wait for luck
AFTER = 90.0  # for a flow to finish once Synapse is back (the bot's next try may be 30 s off)
INTRO = "private, end-to-end encrypted room"


@pytest.fixture(scope="module")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("synapse-outage"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def rooms_of(member: Member, *leaving_out: str) -> set[str]:
    """The rooms `member` is in or invited to, but for those named (their DM, the team room):
    the private rooms the bot made for them."""
    client = member.client
    return (set(client.rooms) | set(client.invited_rooms)) - set(leaving_out)


async def handed_off(line: Line, member: Member, start: int) -> str:
    """Waits for the introduction in the member's new private room and for the bot to leave
    it; returns the room."""
    intro = await member.wait_for(
        lambda r, e: isinstance(e, RoomMessage) and e.sender == line.bot_id and INTRO in e.body,
        AFTER,
        start,
    )
    room = next(r for r, e in member.events if e is intro)
    await member.wait_for(
        lambda r, e: (
            r == room
            and getattr(e, "state_key", None) == line.bot_id
            and getattr(e, "membership", None) == "leave"
        ),
        AFTER,
        start,
    )
    return room


def intros(member: Member, room: str, bot_id: str) -> int:
    return sum(
        1
        for r, e in member.events
        if r == room and isinstance(e, RoomMessage) and e.sender == bot_id and INTRO in e.body
    )


async def new_page(line: Line, start: int, not_id: str) -> str:
    page = await line.sam.wait_for(
        lambda r, e: (
            r == line.team
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "New request" in e.body
            and not_id not in e.body
        ),
        AFTER,
        start,
    )
    return line.page_id(page)


async def test_a_30_s_outage_mid_flow_finishes_every_flow_and_logs_it_once(
    line: Line, synapse: LocalSynapse, members: Members
):
    bea = await members.new("bea")
    bea.accept_invites()
    alex_dm = await line.alex.create_dm(line.bot_id)
    bea_dm = await bea.create_dm(line.bot_id)
    start = line.sam.mark()
    await line.alex.ask(alex_dm, "!talk", line.bot_id)
    first = line.page_id(await line.page(line.sam, start))

    start, start_alex, start_bea = line.sam.mark(), line.alex.mark(), bea.mark()
    # (b) between the accept and the private room, (a) between a request and its page
    await asyncio.gather(line.sam.send(line.team, f"!accept {first}"), bea.send(bea_dm, "!talk"))
    # the bot has both (its next steps: the page's edit, the room; bea's answer and page)
    await line.bot.wait_for_line(f"request {first} accepted by")
    await line.bot.wait_for_line("opened by", nth=2)
    synapse.stop()
    await asyncio.sleep(OUTAGE)
    synapse.start()

    room = await handed_off(line, line.alex, start_alex)
    ack = await bea.reply_from(line.bot_id, bea_dm, start_bea, AFTER)
    assert "are you somewhere safe" in ack.body
    second = await new_page(line, start, first)
    start_bea = bea.mark()
    await line.sam.send(line.team, f"!accept {second}")
    bea_room = await handed_off(line, bea, start_bea)

    assert rooms_of(line.alex, alex_dm) == {room} and rooms_of(bea, bea_dm) == {bea_room}
    assert rooms_of(line.sam, line.team) == {room, bea_room}, "a second private room was made"
    assert intros(line.alex, room, line.bot_id) == 1
    assert intros(bea, bea_room, line.bot_id) == 1
    health = [x for x in line.bot.lines if "warmline.health" in x]
    assert len(health) == 2, health  # one line when it went away, one when it came back
    assert "homeserver: " in health[0] and "homeserver: working again" in health[1]
    retried = re.search(r"after (\d+) s, (\d+) failed tries", health[1])
    assert retried, health[1]
    print(health[1])
    # backs off: each request waits up to 30 s between tries (a tight loop would make
    # thousands of tries in this time)
    assert int(retried.group(2)) < 100, health[1]
    noisy = [x for x in line.bot.lines if " WARNING " in x or " ERROR " in x]
    print("".join(noisy))
    assert len(noisy) <= 6, noisy


async def test_the_bot_waits_for_a_homeserver_that_is_down_when_it_starts(
    bot_setup: BotSetup, synapse: LocalSynapse, members: Members
):
    alex = await members.new("alex")
    synapse.stop()
    bot = bot_setup.process()
    await bot.start(wait_ready=False)
    try:
        await bot.wait_for_line("cannot reach the homeserver", timeout=60)
        synapse.start()
        await bot.wait_ready(timeout=90)
        assert any("the homeserver answers now, after" in x for x in bot.lines)
        room = await alex.create_dm(bot_setup.user_id)
        reply = await alex.ask(room, "!help", bot_setup.user_id)
        assert "Commands you can use" in reply.body
    finally:
        await bot.stop()
