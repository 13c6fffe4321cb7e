"""Supporters are people too, on the real Synapse with real cross-signed E2EE clients and a
real `warmline run`: a handover the member accepts and one they refuse, an observer the
homeserver will not let write, a flag that reaches the lead, and a supporter past their weekly
hours who is not paged (but may still accept)."""

from __future__ import annotations

import time

import pytest
import yaml
from nio import RoomMemberEvent, RoomMessage, RoomSendError

from bot.dev.member import Member
from store import Store
from store.secret import parse
from store.support import WorkEntry
from tests.support.harness import BotSetup, Members
from tests.support.line import ALWAYS, Line, start_line

pytestmark = pytest.mark.integration


@pytest.fixture
async def line(bot_setup: BotSetup, members: Members):
    world = await start_line(bot_setup, members)
    yield world
    await world.bot.stop()


def mentioned(event: RoomMessage) -> list[str]:
    return list(event.source["content"].get("m.mentions", {}).get("user_ids", []))


async def join_team(line: Line, setup: BotSetup, members: Members, **people: dict) -> dict:
    """New people on the roster (name → their roster entry, without user_id), in the team
    room, applied by the running bot (a live config edit)."""
    found: dict[str, Member] = {}
    for name in people:
        person = await members.new(name)
        person.accept_invites()
        start = line.sam.mark()
        await line.sam.client.room_invite(line.team, person.user_id)
        await line.sam.wait_for(
            lambda r, e, uid=person.user_id: (
                r == line.team
                and isinstance(e, RoomMemberEvent)
                and e.state_key == uid
                and e.membership == "join"
            ),
            start=start,
        )
        found[name] = person
    config = yaml.safe_load(setup.config.read_text())
    for name, entry in people.items():
        config["roster"]["supporters"].append({"user_id": found[name].user_id, **entry})
    start = line.sam.mark()
    new = setup.config.with_suffix(".new")
    new.write_text(yaml.safe_dump(config, allow_unicode=True))
    new.replace(setup.config)
    await line.team_message(line.sam, start, "I applied the edited config")
    return found


async def session(line: Line) -> tuple[str, str, str]:
    """Alex asks, Sam accepts, both join, the bot introduces them and leaves: (request id,
    Alex's DM, the handoff room)."""
    dm = await line.alex.create_dm(line.bot_id)
    start = line.sam.mark()
    start_alex = line.alex.mark()
    await line.alex.ask(dm, "I need to talk", line.bot_id)
    request_id = line.page_id(await line.page(line.sam, start))
    await line.sam.send(line.team, f"!accept {request_id}")
    intro = await line.alex.wait_for(
        lambda r, e: (
            r not in (dm, line.team)
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "for you and Sam" in e.body
        ),
        start=start_alex,
    )
    room = next(r for r, e in line.alex.events if e is intro)
    await left(line.alex, room, line.bot_id, start_alex)
    return request_id, dm, room


async def left(who: Member, room: str, user_id: str, start: int) -> None:
    await who.wait_for(
        lambda r, e: (
            r == room
            and isinstance(e, RoomMemberEvent)
            and e.state_key == user_id
            and e.membership == "leave"
        ),
        start=start,
    )


async def test_a_handover_the_member_accepts(line: Line):
    request_id, dm, old_room = await session(line)
    asked = await line.command(line.sam, f"!handover {request_id} Kim", "I've asked the member")
    assert "whether Kim may take over" in asked.body
    question = await line.alex.wait_for(
        lambda r, e: r == dm and isinstance(e, RoomMessage) and "May Kim" in e.body
    )
    assert "another trained peer supporter" in question.body

    start_alex, start_kim = line.alex.mark(), line.kim.mark()
    await line.alex.send(dm, "yes")
    told = await line.alex.wait_for(
        lambda r, e: r == dm and isinstance(e, RoomMessage) and "new private" in e.body,
        start=start_alex,
    )
    assert "with Kim" in told.body
    await line.team_message(line.sam, start_kim, f"{request_id}: handed over. Kim")

    def intro(r: str, e: object) -> bool:
        return (
            r not in (dm, line.team, old_room)
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "for you and Kim" in e.body
        )

    seen_by_alex = await line.alex.wait_for(intro, start=start_alex)
    seen_by_kim = await line.kim.wait_for(intro, start=start_kim)
    assert seen_by_alex.decrypted and seen_by_kim.decrypted
    new_room = next(r for r, e in line.kim.events if e is seen_by_kim)
    assert line.kim.client.rooms[new_room].power_levels.get_user_level(line.kim.user_id) == 50
    assert line.sam.user_id not in line.kim.client.rooms[new_room].users  # the old one is not
    start_done = line.kim.mark()
    await line.kim.send(line.team, f"!done {request_id}")  # the session is Kim's now
    await line.team_message(line.kim, start_done, f"Session {request_id} is closed")


async def test_a_handover_the_member_refuses_with_a_reaction(line: Line):
    request_id, dm, _ = await session(line)
    start_alex = line.alex.mark()
    await line.command(line.sam, f"!handover {request_id}", "another supporter may take over")
    question = await line.alex.wait_for(
        lambda r, e: r == dm and isinstance(e, RoomMessage) and "May another" in e.body,
        start=start_alex,
    )
    start_team = line.sam.mark()
    await line.alex.react(dm, question.event_id, "👎")
    told = await line.alex.wait_for(
        lambda r, e: r == dm and isinstance(e, RoomMessage) and "nobody new" in e.body,
        start=start_alex,
    )
    assert told.body == "Understood: nobody new joins your conversation."
    refused = await line.team_message(line.sam, start_team, "the member said no")
    assert line.sam.user_id in mentioned(refused)
    start = line.sam.mark()
    await line.sam.send(line.team, "!sessions")
    still = await line.team_message(line.sam, start, "Open sessions")
    assert request_id in still.body and "Sam" in still.body  # nothing changed


async def test_an_observer_cannot_write_and_alone_takes_them_out(
    line: Line, bot_setup: BotSetup, members: Members
):
    tess = (
        await join_team(
            line, bot_setup, members, tess={"name": "Tess", "role": "trainee", "shifts": ALWAYS}
        )
    )["tess"]
    request_id, dm, old_room = await session(line)
    start_alex, start_tess = line.alex.mark(), tess.mark()
    await tess.send(line.team, f"!observe {request_id}")
    await line.alex.wait_for(
        lambda r, e: r == dm and isinstance(e, RoomMessage) and "Tess, a peer supporter" in e.body,
        start=start_alex,
    )
    await line.alex.send(dm, "نعم")

    def observer_named(r: str, e: object) -> bool:
        return (
            r not in (dm, line.team, old_room)
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and e.body.startswith("Tess, a peer supporter in training, is here to observe")
        )

    named = await line.alex.wait_for(observer_named, start=start_alex)
    room = next(r for r, e in line.alex.events if e is named)
    assert line.alex.client.rooms[room].power_levels.get_user_level(tess.user_id) == 0
    await tess.wait_for(
        lambda r, e: r == room and isinstance(e, RoomMemberEvent) and e.state_key == tess.user_id,
        start=start_tess,
    )
    await tess.trust.prepare_room(room)
    refused = await tess.client.room_send(
        room,
        "m.room.message",
        {"msgtype": "m.text", "body": "hello from the observer"},
        ignore_unverified_devices=False,
    )
    assert isinstance(refused, RoomSendError) and refused.status_code == "M_FORBIDDEN"
    assert line.bot_id in line.alex.client.rooms[room].users  # it stays while Tess is there

    start_alex = line.alex.mark()
    await line.alex.send(dm, "!alone")
    await line.alex.wait_for(
        lambda r, e: r == dm and isinstance(e, RoomMessage) and "nobody is observing" in e.body,
        start=start_alex,
    )
    await left(line.alex, room, tess.user_id, start_alex)  # taken out
    await left(line.alex, room, line.bot_id, start_alex)  # and the bot, back to two


async def test_a_flag_reaches_the_lead(line: Line, bot_setup: BotSetup, members: Members):
    lead = {"name": "Noor", "shifts": [{"shift": ALWAYS[0], "lead": True}]}
    noor = (await join_team(line, bot_setup, members, noor=lead))["noor"]
    request_id, _, _ = await session(line)
    start = noor.mark()
    await line.sam.send(line.team, f"!flag {request_id} a second opinion please")
    flag = await line.team_message(noor, start, "asks for support with")
    assert flag.body == (
        f"🚩 Sam asks for support with {request_id}.\n"
        "Note: a second opinion please\nLead on call: Noor."
    )
    assert noor.user_id in mentioned(flag) and line.alex.user_id not in flag.body


async def test_past_their_weekly_hours_a_supporter_is_not_paged(
    line: Line, bot_setup: BotSetup, members: Members
):
    noor = (await join_team(line, bot_setup, members, noor={"name": "Noor", "shifts": ALWAYS}))[
        "noor"
    ]
    config = yaml.safe_load(bot_setup.config.read_text())
    config["roster"]["supporters"][0]["max_hours_per_week"] = 1
    bot_setup.config.write_text(yaml.safe_dump(config, allow_unicode=True))
    await line.bot.stop()
    # Sam spent two hours in a session yesterday (kept in the bot's own encrypted store)
    store = Store(bot_setup.store_dir, parse(bot_setup.store_key, "test"))
    now = time.time()
    store.record_work([WorkEntry(line.sam.user_id, 1, now - 26 * 3600, now - 24 * 3600)], {})
    store.close()
    await line.restart(bot_setup)

    dm = await line.alex.create_dm(line.bot_id)
    start = noor.mark()
    await line.alex.ask(dm, "I need to talk", line.bot_id)
    page = await line.page(noor, start)
    assert mentioned(page) == [noor.user_id]  # not Sam
    request_id = line.page_id(page)
    shift = await line.command(line.sam, "!shift", "On call now")
    assert "- Sam: 2.0 h in the last 7 days (limit 1 h)" in shift.body
    start_alex = line.alex.mark()
    await line.sam.send(line.team, f"!accept {request_id}")  # by command they still can
    told = await line.alex.reply_from(line.bot_id, dm, start_alex)
    assert "Sam (they/them) is here for you" in told.body
