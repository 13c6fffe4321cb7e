"""Handover with the member's consent, through the router, with a fake clock: yes, no,
anything else, silence, and a crash in between (the question lives in the store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ports import Verdict
from tests.support.care import ALEX, DM, KIM, NOOR, ORG, ROBIN, SAM, TEAM, CareWorld


@pytest.fixture
def world(tmp_path: Path):
    w = CareWorld(tmp_path)
    yield w
    w.close()


async def test_a_named_handover_the_member_accepts(world: CareWorld):
    before = await world.session()
    assert world.rooms.left == [before.handoff_room]  # the bot left after the introduction
    reply = await world.say(SAM, "!handover K7F2 Noor")
    assert reply == [
        "I've asked the member whether Noor may take over K7F2. I'll tell you their answer here."
    ]
    question = world.last(DM)
    assert "Sam (they/them) has to hand over soon. May Noor" in question
    assert "within 10 min" in question and "yes" in question and "👍" in question
    assert world.request().supporter == SAM  # nothing changes before the member's yes

    told = await world.say(ROBIN, "yes", room=DM)
    after = world.request()
    assert (after.supporter, after.introduced) == (NOOR, False)
    # the bot had left the old room: the conversation moves to a new one, with Noor
    assert after.handoff_room != before.handoff_room
    assert world.rooms.handoffs[-1] == (ROBIN, NOOR, ())
    assert any("new private, encrypted room with Noor" in t for t in told)
    team = world.last(TEAM)
    assert "K7F2: handed over. Noor" in team and "Sam, say goodbye" in team
    assert world.store.question_of(ROBIN) is None  # nothing about the member kept now
    await world.line.on_sync()  # both in the new room: introduced there
    assert "for you and Noor" in world.last(after.handoff_room or "")


async def test_in_a_room_the_bot_is_still_in_the_newcomer_is_invited_there(tmp_path: Path):
    world = CareWorld(tmp_path)
    world.config = world.config.__class__(
        **{**world.config.__dict__, "handoff": world.config.handoff.__class__(bot_stays=True)}
    )
    before = await world.session()
    await world.say(SAM, "!handover K7F2 Noor")
    told = await world.say(ROBIN, "نعم", room=DM)
    after = world.request()
    assert after.handoff_room == before.handoff_room and after.supporter == NOOR
    assert world.rooms.let_in_calls == [(before.handoff_room, NOOR, 50)]
    assert any("Noor is joining your room now; Sam (they/them) will say goodbye" in t for t in told)
    world.close()


@pytest.mark.parametrize("answer", ["no", "لا", "who is noor?", "!no"])
async def test_no_or_anything_else_changes_nothing(world: CareWorld, answer: str):
    await world.session()
    await world.say(SAM, "!handover K7F2 Noor")
    told = await world.say(ROBIN, answer, room=DM)
    assert told == ["Understood: nobody new joins your conversation."]
    assert world.request().supporter == SAM
    assert "K7F2: the member said no, so nothing changes. Sam" in world.last(TEAM)
    assert world.store.question_of(ROBIN) is None
    assert len(world.rooms.handoffs) == 1  # no new room


async def test_silence_until_the_deadline_is_no(world: CareWorld):
    await world.session()
    await world.say(SAM, "!handover K7F2")
    world.now += 599
    await world.care.consents.process_due()
    assert world.store.question_of(ROBIN) is not None
    world.now += 1
    await world.care.consents.process_due()
    assert world.store.question_of(ROBIN) is None
    assert "I didn't hear back" in world.last(DM)
    assert "didn't answer in time, which counts as no" in world.last(TEAM)
    late = await world.say(ROBIN, "yes", room=DM)  # no question any more: not an answer
    assert late == ["Hi! I'm warmline, a bot. Send `!help` to see what I can do."]
    assert world.request().supporter == SAM


async def test_a_yes_the_moment_the_deadline_passed_is_too_late(world: CareWorld):
    await world.session()
    await world.say(SAM, "!handover K7F2 Noor")
    world.now += 600
    told = await world.say(ROBIN, "yes", room=DM)
    assert told == [
        "I didn't hear back, so nobody new joins your conversation. That's completely fine."
    ]
    assert world.request().supporter == SAM


async def test_the_question_and_its_deadline_survive_a_crash(world: CareWorld):
    await world.session()
    await world.say(SAM, "!handover K7F2 Noor")
    await world.restart()
    assert world.to(DM) == []  # it was sent before the crash: not asked twice
    told = await world.say(ROBIN, "yes", room=DM)
    assert any("Noor" in t for t in told) and world.request().supporter == NOOR

    # and one whose answer never came: a no at its deadline, after another crash
    await world.say(NOOR, "!handover K7F2 Sam")
    world.now += 3600
    await world.restart()
    await world.care.consents.process_due()
    assert "I didn't hear back" in world.last(DM)
    assert world.request().supporter == NOOR


async def test_a_question_stored_but_never_sent_is_asked_after_a_crash(world: CareWorld):
    await world.session()
    world.messenger.send = _fail_once(world.messenger.send)  # the crash: nothing sent
    with pytest.raises(ConnectionError):
        await world.care.handovers.start("K7F2", SAM, False, "Noor")
    assert world.store.question_of(ROBIN) is not None  # the intent was stored first
    await world.restart()
    assert "May Noor" in world.last(DM)


async def test_a_yes_not_carried_out_before_a_crash_is_carried_out_after_it(world: CareWorld):
    await world.session()
    await world.say(SAM, "!handover K7F2 Noor")
    question = world.store.question_of(ROBIN)
    assert question is not None
    assert world.store.grant_question(question.id)  # the yes was stored, then the crash
    await world.restart()
    assert world.request().supporter == NOOR
    assert world.store.question(question.id) is None
    await world.restart()  # and never twice
    assert len(world.rooms.handoffs) == 2


async def test_a_handover_to_another_supporter_pages_the_team_and_the_first_accept_wins(
    world: CareWorld,
):
    await world.session()
    await world.say(SAM, "!handover K7F2")
    question = world.last(DM)
    assert "May another trained peer supporter from the team take over" in question
    await world.say(ROBIN, "👍", room=DM, kind="reaction", relates_to=world.question_event())
    page = world.last(TEAM)
    assert page.startswith("🔁 K7F2 needs a supporter to take over from Sam")
    assert page.endswith("On call: Noor.")  # tier 1 first; never Sam, never the trainee
    assert "Sam (they/them) stays with you until someone takes over" in world.last(DM)
    assert world.request().supporter == SAM

    refused = await world.say(ALEX, "!accept K7F2")
    assert refused == ["Alex is a trainee: trainees observe, they don't take requests."]
    page_event = world.store.questions_about("K7F2")[0].page_event
    await world.say(KIM, "✅", kind="reaction", relates_to=page_event)
    assert world.request().supporter == KIM
    assert world.messenger.edits[-1][2].body == "🔁 K7F2 · taken over by Kim"
    again = await world.say(NOOR, "!accept K7F2")
    assert again == ["Request K7F2 was already taken by Kim."]


async def test_who_may_hand_over_and_to_whom(world: CareWorld):
    await world.session()
    assert await world.say(NOOR, "!handover K7F2") == [
        "Only the supporter who has K7F2 (or an organizer) can hand it over."
    ]
    assert await world.say(SAM, "!handover K7F2 Alex") == [
        "Alex is a trainee: trainees observe, they don't take requests."
    ]
    assert await world.say(SAM, "!handover K7F2 Sam") == ["Sam already has K7F2."]
    assert await world.say(SAM, "!handover K7F2 Nobody") == [
        "I don't know a supporter called Nobody. Use their name or Matrix ID."
    ]
    assert await world.say(SAM, "!handover Q9Q9") == ["There is no open session Q9Q9."]
    assert await world.say(ROBIN, "!handover K7F2", room=DM) == [
        "Sorry, `!handover` is only for organizers and supporters."
    ]
    assert "asked the member" in (await world.say(ORG, "!handover K7F2 Noor"))[0]
    assert await world.say(SAM, "!handover K7F2 Kim") == [
        "The member is already answering another question from me; try again in a few minutes."
    ]


async def test_a_named_supporter_at_capacity_is_refused(tmp_path: Path):
    world = CareWorld(tmp_path)
    await world.session()
    for member in ("@m1:hs", "@m2:hs"):  # Noor's two sessions (max_sessions: 2)
        await world.line.talk(member, f"!dm-{member}", "en")
        await world.line.accept(world.store.active_request_of(member).id, NOOR)  # type: ignore[union-attr]
    assert await world.say(SAM, "!handover K7F2 Noor") == ["Noor has no free capacity right now."]
    world.close()


async def test_a_yes_needs_a_verified_session_and_the_dm_it_was_asked_in(world: CareWorld):
    await world.session()
    await world.say(SAM, "!handover K7F2 Noor")
    elsewhere = await world.say(ROBIN, "!yes", room="!lounge:hs")
    assert elsewhere == ["I've answered you privately."]
    assert world.last(DM) == "I asked you in our direct chat: please answer there, with yes or no."
    assert world.store.question_of(ROBIN) is not None  # still asked
    world.trust.verdict_value = Verdict.NOT_CROSS_SIGNED
    refused = await world.say(ROBIN, "yes", room=DM)
    assert "not verified" in refused[0]
    assert world.request().supporter == SAM
    assert world.store.question_of(ROBIN) is not None  # still asked
    refused = await world.say(ROBIN, "no", room=DM)  # a no needs no verified session
    assert refused == ["Understood: nobody new joins your conversation."]


async def test_a_bare_yes_is_an_answer_only_while_a_question_waits(world: CareWorld):
    assert await world.say(ROBIN, "yes", room=DM) == [
        "Hi! I'm warmline, a bot. Send `!help` to see what I can do."
    ]
    assert await world.say(ROBIN, "!yes", room=DM) == [
        "There is no question waiting for your answer."
    ]
    await world.session()
    await world.say(SAM, "!handover K7F2 Noor")
    other = await world.say(ROBIN, "👍", room=DM, kind="reaction", relates_to="$something-else")
    assert other == [] and world.store.question_of(ROBIN) is not None
    assert await world.say(KIM, "yes", room="!dm-kim:hs") == [
        "Hi! I'm warmline, a bot. Send `!help` to see what I can do."
    ]  # someone else's yes is not the member's


def _fail_once(send):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    async def failing(room_id, message):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("the process died here")
        return await send(room_id, message)

    return failing


async def test_a_session_that_ends_takes_its_question_along_untold(world: CareWorld):
    await world.session()
    await world.say(SAM, "!handover K7F2 Noor")
    before = len(world.to(DM))
    await world.say(ROBIN, "!forget", room=DM)  # everything about Robin goes, at once
    assert world.store.question_of(ROBIN) is None
    world.now += 601
    await world.care.consents.process_due()
    assert not any("didn't hear back" in b for b in world.to(DM)[before:])
    assert world.store.questions_about("K7F2") == []
