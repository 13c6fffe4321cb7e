"""Observers with the member's consent: asked first, let in unable to write, out at `!alone`
(and when the session ends), and the bot stays while one is there."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import HandoffConfig
from tests.support.care import ALEX, DM, KIM, NOOR, ORG, ROBIN, SAM, TEAM, CareWorld


@pytest.fixture
def world(tmp_path: Path):
    w = CareWorld(tmp_path)
    yield w
    w.close()


async def test_a_trainee_asks_the_member_says_yes_and_alone_takes_them_out(world: CareWorld):
    await world.session()
    reply = await world.say(ALEX, "!observe K7F2")
    assert reply == ["I've asked the member whether Alex may observe K7F2."]
    question = world.last(DM)
    assert "Alex, a peer supporter in training, would like to join your conversation" in question
    assert "only read, never write" in question and "`!alone`" in question

    told = await world.say(ROBIN, "Yes", room=DM)
    request = world.request()
    # the bot had left after the introduction: a new room for the three of them, where the
    # trainee has no power to write and the bot stays
    assert world.rooms.handoffs[-1] == (ROBIN, SAM, (ALEX,))
    assert request.handoff_room in world.rooms.present_in
    assert any("can read but not write" in t for t in told)
    assert world.care.observers.keeps_room(request)
    assert "K7F2: the member said yes. Alex" in world.last(TEAM)

    await world.line.on_sync()  # member and supporter joined: introduced, and the bot stays
    assert request.handoff_room not in world.rooms.left
    await world.care.on_sync()  # the trainee joined: the member is told, once
    await world.care.on_sync()
    intros = [b for b in world.to(request.handoff_room or "") if b.startswith("Alex")]
    assert len(intros) == 1 and "can read but not write" in intros[0]

    done = await world.say(ROBIN, "!alone", room=DM)
    assert done == ["Done: nobody is observing your conversation any more."]
    assert world.rooms.removed == [(request.handoff_room, ALEX)]
    assert world.rooms.left[-1] == request.handoff_room  # back to the two of them
    assert "the member asked to be alone; Alex left the conversation" in world.last(TEAM)
    assert await world.say(ROBIN, "!alone", room=DM) == ["Nobody is observing your conversation."]


async def test_in_a_room_the_bot_is_in_the_observer_gets_power_level_0(tmp_path: Path):
    world = CareWorld(tmp_path)
    world.config = replace(world.config, handoff=HandoffConfig(bot_stays=True))
    request = await world.session()
    await world.say(SAM, "!observe K7F2 Alex")  # the supporter invites a trainee
    await world.say(ROBIN, "👍", room=DM, kind="reaction", relates_to=world.question_event())
    assert world.rooms.let_in_calls == [(request.handoff_room, ALEX, 0)]
    assert world.rooms.created == 1
    world.close()


async def test_alone_while_being_asked_is_a_no(world: CareWorld):
    await world.session()
    await world.say(ALEX, "!observe K7F2")
    told = await world.say(ROBIN, "!وحدي", room=DM)
    assert "Understood: nobody new joins your conversation." in told
    assert world.store.question_of(ROBIN) is None
    assert "K7F2: the member said no" in world.last(TEAM)
    assert world.rooms.created == 1


@pytest.mark.parametrize("answer", ["no", "maybe later"])
async def test_no_lets_nobody_in(world: CareWorld, answer: str):
    await world.session()
    await world.say(ALEX, "!observe K7F2")
    await world.say(ROBIN, answer, room=DM)
    assert world.store.observers() == [] and world.rooms.created == 1


async def test_silence_lets_nobody_in_even_across_a_restart(world: CareWorld):
    await world.session()
    await world.say(ALEX, "!observe K7F2")
    world.now += 601
    await world.restart()
    await world.care.consents.process_due()
    assert world.store.observers() == [] and world.store.question_of(ROBIN) is None


async def test_observers_leave_with_the_session(world: CareWorld):
    await world.session()
    await world.say(ALEX, "!observe K7F2")
    await world.say(ROBIN, "yes", room=DM)
    room = world.request().handoff_room
    await world.say(SAM, "!done K7F2")
    assert world.rooms.removed == [(room, ALEX)]
    assert world.rooms.left[-1] == room
    assert world.store.observers() == []


async def test_who_may_observe(world: CareWorld):
    await world.session()
    assert await world.say(NOOR, "!observe K7F2") == [
        "Noor is not a trainee: only trainees observe."
    ]
    assert await world.say(KIM, "!observe K7F2 Alex") == [
        "Only a trainee (for themselves), the supporter who has K7F2 or an organizer can ask "
        "for an observer."
    ]
    assert "asked the member" in (await world.say(ORG, "!observe K7F2 Alex"))[0]
    await world.say(ROBIN, "yes", room=DM)
    assert await world.say(ALEX, "!observe K7F2") == ["Alex is already observing K7F2."]


async def test_trainees_are_never_paged(world: CareWorld):
    await world.line.talk(ROBIN, DM, "en")
    page = world.to(TEAM)[-1]
    assert "Alex" not in page and "Sam" in page
