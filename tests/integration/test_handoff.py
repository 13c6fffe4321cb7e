""" "I need to talk" end to end on the real Synapse, with real cross-signed E2EE clients."""

from __future__ import annotations

import asyncio
import signal

import pytest
import yaml
from nio import MegolmEvent, RoomMessage, UnknownToDeviceEvent

from bot.dev.botprocess import BotProcess
from bot.dev.member import Member
from bot.matrix.crosssign import generate_seeds, publish
from tests.support.harness import BotSetup, Members
from tests.support.line import ALWAYS, Line, never_now, start_line

pytestmark = pytest.mark.integration


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

    queue = await line.command(line.sam, "!queue", "Open requests")
    assert request_id in queue.body and "en" in queue.body
    assert line.alex.user_id not in queue.body and dm not in queue.body

    await line.command(line.org, f"!accept {request_id}", "only for supporters")

    await line.alex.ask(dm, "!cancel", line.bot_id)
    await line.sam.wait_for(
        lambda r, e: (
            r == line.team and isinstance(e, RoomMessage) and "withdrawn by the member" in e.body
        ),
        start=start,
    )
    await line.command(line.sam, f"!accept {request_id}", f"{request_id} was withdrawn")


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


async def test_in_a_shared_room_one_neutral_line_then_a_private_dm(line: Line, members: Members):
    bob = await members.new("bob")
    bob.accept_invites()
    group = await line.alex.create_room("lounge", [bob.user_id, line.bot_id])
    await bob.wait_for(
        lambda r, e: (
            r == group
            and getattr(e, "membership", None) == "join"
            and getattr(e, "state_key", None) == line.bot_id
        )
    )
    start = line.alex.mark()
    # in a shared room only the explicit command counts ("I need to talk" there is chatter)
    neutral = await line.alex.ask(group, "!talk", line.bot_id)
    assert neutral.body == "I've answered you privately."
    ack = await line.alex.wait_for(
        lambda r, e: (
            r != group
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "are you somewhere safe" in e.body
        ),
        start=start,
    )
    assert ack.decrypted
    await bob.wait_for(
        lambda r, e: r == group and isinstance(e, RoomMessage) and e.sender == line.bot_id
    )
    said_in_group = [
        e.body
        for r, e in bob.events
        if r == group and isinstance(e, RoomMessage) and e.sender == line.bot_id
    ]
    assert said_in_group == ["I've answered you privately."]


async def test_without_a_team_room_the_answer_is_honest(
    bot: BotProcess, bot_setup: BotSetup, members: Members
):
    alex = await members.new("alex")
    dm = await alex.create_dm(bot_setup.user_id)
    answer = await alex.ask(dm, "I need to talk", bot_setup.user_id)
    assert "no peer supporter is on call right now" in answer.body
    assert "your local emergency number" in answer.body


async def test_an_unencrypted_room_never_discusses_the_request(
    bot: BotProcess, bot_setup: BotSetup, members: Members
):
    alex = await members.new("alex")
    room = (await alex.client.room_create(invite=[bot_setup.user_id])).room_id
    await alex.wait_for(
        lambda r, e: (
            r == room
            and getattr(e, "state_key", None) == bot_setup.user_id
            and getattr(e, "membership", None) == "join"
        )
    )
    reply = await alex.ask(room, "I need to talk", bot_setup.user_id)
    assert "not encrypted" in reply.body and "encrypted direct message" in reply.body
    assert "safe" not in reply.body and "supporter" not in reply.body


async def test_organizers_hear_once_of_a_supporters_unverified_session(
    line: Line, bot_setup: BotSetup, tmp_path
):
    start = line.org.mark()
    # a session nobody cross-signed appears on Sam's account (e.g. injected by a homeserver)
    intruder = Member(
        line.sam.client.homeserver,
        line.sam.user_id,
        line.sam.password,
        tmp_path / "sam-intruder",
        cross_sign=False,
    )
    await intruder.start()
    try:
        alert = await line.team_message(line.org, start, "is not verified (cross-signed)")
        assert intruder.client.device_id in alert.body and "Sam" in alert.body
        assert line.org.user_id in alert.source["content"]["m.mentions"]["user_ids"]
        await line.bot.stop()
        await line.restart(bot_setup)  # the start-up check must not repeat it
        await line.command(line.sam, "!queue", "requests")
        alerts = [
            e
            for r, e in line.org.events[start:]
            if r == line.team and isinstance(e, RoomMessage) and "is not verified" in e.body
        ]
        assert len(alerts) == 1
    finally:
        await intruder.close()


async def test_tofu_changed_identity_needs_an_organizer(bot_setup: BotSetup, members: Members):
    config = yaml.safe_load(bot_setup.config.read_text())
    config["encryption"] = {"trust": "tofu"}
    bot_setup.config.write_text(yaml.safe_dump(config))
    world = await start_line(bot_setup, members)
    try:
        dm = await world.alex.create_dm(world.bot_id)
        await world.alex.ask(dm, "!talk", world.bot_id)  # first sight: alex's identity pinned
        await world.alex.ask(dm, "!cancel", world.bot_id)
        # alex resets their encryption identity (as after losing every device)
        await publish(world.alex.client, generate_seeds(), world.alex.password)
        start = world.alex.mark()
        await world.alex.send(dm, "!talk")
        # the refusal is encrypted for trusted devices only: alex's is not, until approved
        refused = await world.alex.wait_for(
            lambda r, e: r == dm and isinstance(e, MegolmEvent) and e.sender == world.bot_id,
            start=start,
        )
        withheld = await world.alex.wait_for(
            lambda r, e: (
                isinstance(e, UnknownToDeviceEvent)
                and e.sender == world.bot_id
                and e.source["content"].get("session_id") == refused.session_id
            ),
            start=start,
        )
        assert withheld.source["content"]["code"] == "m.unverified"
        org_dm = await world.org.create_dm(world.bot_id)
        ok = await world.org.ask(org_dm, f"!trust approve {world.alex.user_id}", world.bot_id)
        assert ok.body.startswith("Done")
        again = await world.alex.ask(dm, "!talk", world.bot_id)
        assert "are you somewhere safe" in again.body
    finally:
        await world.bot.stop()
