""" "I need to talk" end to end on the real Synapse, with real cross-signed E2EE clients."""

from __future__ import annotations

import asyncio
import re
import signal
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import yaml
from nio import RoomMessage

from bot.devbot import BotProcess
from bot.devclient import Member
from bot.shifts import DAYS
from tests.integration.conftest import BotSetup, Members

pytestmark = pytest.mark.integration
ALWAYS = ["daily 00:00-24:00"]


def never_now() -> list[str]:
    """A shift on a weekday three days from today: certainly not on call now."""
    day = DAYS[(datetime.now(UTC).weekday() + 3) % 7]
    return [f"{day} 18:00-19:00"]


@dataclass
class Line:
    bot: BotProcess
    bot_id: str
    team: str
    alex: Member  # the member asking
    sam: Member  # tier 1 supporter
    kim: Member  # tier 2 supporter
    org: Member  # organizer, not a supporter

    def page_id(self, event: RoomMessage) -> str:
        match = re.search(r"New request ([A-Z2-9]{4})", event.body)
        assert match, event.body
        return match.group(1)

    async def page(self, who: Member, start: int) -> RoomMessage:
        return await who.wait_for(
            lambda r, e: (
                r == self.team
                and isinstance(e, RoomMessage)
                and e.sender == self.bot_id
                and "New request" in e.body
            ),
            start=start,
        )

    async def team_message(self, who: Member, start: int, text: str) -> RoomMessage:
        return await who.wait_for(
            lambda r, e: (
                r == self.team
                and isinstance(e, RoomMessage)
                and e.sender == self.bot_id
                and text in e.body
            ),
            start=start,
        )

    async def restart(self, setup: BotSetup) -> None:
        self.bot = setup.process()
        await self.bot.start()


async def start_line(setup: BotSetup, members: Members, sam_shifts=ALWAYS, escalation=None) -> Line:
    alex, sam, kim, org = [await members.new(n) for n in ("alex", "sam", "kim", "org")]
    for m in (alex, sam, kim, org):
        m.accept_invites()
    team = (
        await sam.client.room_create(
            name="supporters",
            invite=[kim.user_id, org.user_id, setup.user_id],
            initial_state=[
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ],
        )
    ).room_id
    config = yaml.safe_load(setup.config.read_text())
    config.update(
        {
            "rooms": {"supporters": team},
            "roster": {
                "timezone": "Europe/Berlin",
                "supporters": [
                    {
                        "user_id": sam.user_id,
                        "name": "Sam",
                        "pronouns": "they/them",
                        "languages": ["en", "ar"],
                        "shifts": sam_shifts,
                        "tier": 1,
                    },
                    {"user_id": kim.user_id, "name": "Kim", "shifts": never_now(), "tier": 2},
                ],
                "organizers": [org.user_id],
            },
            "escalation": escalation or {"ack_timeout": "5m", "give_up_after": "30m"},
            "resources": [
                {
                    "name": "Rainbow Line",
                    "contact": "+1-555-0100",
                    "url": "https://rainbow.test",
                    "topics": ["crisis"],
                    "languages": ["en"],
                },
                {
                    "name": "خط قوس قزح",
                    "contact": "+961-555-0100",
                    "topics": ["crisis"],
                    "languages": ["ar"],
                },
            ],
        }
    )
    setup.config.write_text(yaml.safe_dump(config, allow_unicode=True))
    bot = setup.process()
    await bot.start()
    return Line(bot, setup.user_id, team, alex, sam, kim, org)


@pytest.fixture
async def line(bot_setup: BotSetup, members: Members):
    world = await start_line(bot_setup, members)
    yield world
    await world.bot.stop()


async def test_the_whole_flow(line: Line):
    dm = await line.alex.create_dm(line.bot_id)
    start_team = line.sam.mark()
    ack = await line.alex.ask(dm, "I need to talk", line.bot_id)
    assert "are you somewhere safe" in ack.body and "Rainbow Line" in ack.body
    assert '<a href="https://rainbow.test">' in ack.source["content"]["formatted_body"]

    page = await line.page(line.sam, start_team)
    request_id = line.page_id(page)
    content = page.source["content"]
    assert f"!accept {request_id}" in page.body and "language: en" in page.body
    assert content["m.mentions"] == {"user_ids": [line.sam.user_id]}
    assert f"https://matrix.to/#/{line.sam.user_id}" in content["formatted_body"]
    for secret in (line.alex.user_id, dm, "alex"):
        assert secret not in page.body and secret not in content["formatted_body"]

    start_alex = line.alex.mark()
    await line.sam.send(line.team, f"!accept {request_id}")
    edit = await line.sam.wait_for(
        lambda r, e: (
            r == line.team
            and isinstance(e, RoomMessage)
            and e.source["content"].get("m.relates_to", {}).get("rel_type") == "m.replace"
            and "taken by Sam" in e.body
        ),
        start=start_team,
    )
    assert edit.source["content"]["m.relates_to"]["event_id"] == page.event_id
    told = await line.alex.reply_from(line.bot_id, dm, start_alex)
    assert "Sam (they/them) is here for you" in told.body

    def intro_pred(r: str, e: object) -> bool:
        return (
            r not in (dm, line.team)
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "private, end-to-end encrypted room" in e.body
        )

    intro_alex = await line.alex.wait_for(intro_pred, start=start_alex)
    intro_sam = await line.sam.wait_for(intro_pred, start=start_team)
    assert intro_alex.decrypted and intro_sam.decrypted
    handoff_room = next(r for r, e in line.alex.events if e is intro_alex)
    room = line.alex.client.rooms[handoff_room]
    assert room.encrypted and room.join_rule == "invite"
    assert room.power_levels.get_user_level(line.alex.user_id) == 50
    await line.alex.wait_for(  # the bot leaves, so it cannot read the conversation
        lambda r, e: (
            r == handoff_room
            and getattr(e, "state_key", None) == line.bot_id
            and getattr(e, "membership", None) == "leave"
        ),
        start=start_alex,
    )

    start_done = line.sam.mark()
    await line.sam.send(line.team, f"!done {request_id}")
    await line.team_message(line.sam, start_done, f"Session {request_id} is closed")
    await line.team_message(line.sam, start_done, "session done")  # the page, edited


async def test_refusals_first_accept_wins_and_cancel(line: Line):
    dm = await line.alex.create_dm(line.bot_id)
    start = line.sam.mark()
    await line.alex.ask(dm, "!talk", line.bot_id)
    request_id = line.page_id(await line.page(line.sam, start))

    again = await line.alex.ask(dm, "i need to talk!", line.bot_id)
    assert "still open" in again.body

    refused = await line.org.ask(line.team, f"!accept {request_id}", line.bot_id)
    assert "only for supporters" in refused.body

    await line.alex.ask(dm, "!cancel", line.bot_id)
    await line.sam.wait_for(
        lambda r, e: (
            r == line.team and isinstance(e, RoomMessage) and "withdrawn by the member" in e.body
        ),
        start=start,
    )
    late = await line.sam.ask(line.team, f"!accept {request_id}", line.bot_id)
    assert "withdrawn by the member" in late.body


async def test_accept_by_reaction_and_second_accept_is_told_taken(line: Line):
    dm = await line.alex.create_dm(line.bot_id)
    start = line.sam.mark()
    await line.alex.ask(dm, "!talk", line.bot_id)
    page = await line.page(line.sam, start)
    request_id = line.page_id(page)
    start_alex = line.alex.mark()
    await line.sam.react(line.team, page.event_id, "✅")
    told = await line.alex.reply_from(line.bot_id, dm, start_alex)
    assert "is here for you" in told.body
    await line.team_message(line.sam, start, f"Sam, you have request {request_id}")
    again = line.sam.mark()
    await line.sam.send(line.team, f"!accept {request_id}")
    await line.team_message(line.sam, again, f"{request_id} was already taken by Sam")


async def test_nobody_on_call_gets_an_honest_answer_at_once(bot_setup: BotSetup, members: Members):
    world = await start_line(bot_setup, members, sam_shifts=never_now())
    try:
        dm = await world.alex.create_dm(world.bot_id)
        answer = await world.alex.ask(dm, "أحتاج أن أتحدث", world.bot_id)
        assert "لا يوجد داعم متاح الآن" in answer.body
        assert "خط قوس قزح" in answer.body and "UTC" in answer.body
        assert "Rainbow Line" not in answer.body
    finally:
        await world.bot.stop()


async def test_unanswered_request_escalates_to_tier_2(bot_setup: BotSetup, members: Members):
    world = await start_line(
        bot_setup, members, escalation={"ack_timeout": "2s", "give_up_after": "1h"}
    )
    # Kim (tier 2) is on call too for this test
    config = yaml.safe_load(bot_setup.config.read_text())
    config["roster"]["supporters"][1]["shifts"] = ALWAYS
    bot_setup.config.write_text(yaml.safe_dump(config, allow_unicode=True))
    await world.bot.stop()
    await world.restart(bot_setup)
    try:
        dm = await world.alex.create_dm(world.bot_id)
        start = world.kim.mark()
        await world.alex.ask(dm, "!talk", world.bot_id)
        request_id = world.page_id(await world.page(world.kim, start))
        escalation = await world.team_message(world.kim, start, "Still waiting")
        assert request_id in escalation.body
        assert world.kim.user_id in escalation.source["content"]["m.mentions"]["user_ids"]
        assert world.sam.user_id in escalation.source["content"]["m.mentions"]["user_ids"]
    finally:
        await world.bot.stop()


async def test_kill_9_between_page_and_accept(bot_setup: BotSetup, members: Members):
    world = await start_line(bot_setup, members)
    dm = await world.alex.create_dm(world.bot_id)
    start = world.sam.mark()
    await world.alex.ask(dm, "!talk", world.bot_id)
    request_id = world.page_id(await world.page(world.sam, start))
    assert await world.bot.stop(signal.SIGKILL) == -signal.SIGKILL

    await world.restart(bot_setup)
    try:
        start_alex = world.alex.mark()
        await world.sam.send(world.team, f"!accept {request_id}")
        told = await world.alex.reply_from(world.bot_id, dm, start_alex)
        assert "is here for you" in told.body
        pages = [
            e
            for r, e in world.sam.events[start:]
            if r == world.team and isinstance(e, RoomMessage) and "New request" in e.body
        ]
        assert len(pages) == 1, "a restart must never page a request twice"
    finally:
        await world.bot.stop()


async def test_a_flood_gets_one_request_one_page_one_notice(line: Line, members: Members):
    bob = await members.new("bob")
    dm = await line.alex.create_dm(line.bot_id)
    bob_dm = await bob.create_dm(line.bot_id)
    start = line.sam.mark()
    await asyncio.gather(*(line.alex.send(dm, "I need to talk") for _ in range(100)))
    ack = await bob.ask(bob_dm, "!talk", line.bot_id)  # others are not held up
    assert "are you somewhere safe" in ack.body
    notice = await line.team_message(line.sam, start, "many messages very fast")
    assert line.alex.user_id not in notice.body
    # the flood's earlier messages were all handled before the notice (one member, in order);
    # once bob's page is in too, no further page can come
    pages = 0

    def second_page(r: str, e: object) -> bool:
        nonlocal pages
        if r == line.team and isinstance(e, RoomMessage) and "New request" in e.body:
            pages += 1
        return pages == 2

    await line.sam.wait_for(second_page, start=start)
    team = [
        e.body for r, e in line.sam.events[start:] if r == line.team and isinstance(e, RoomMessage)
    ]
    assert sum("New request" in b for b in team) == 2  # alex once, bob once
    assert sum("many messages very fast" in b for b in team) == 1
