"""Every command through the front door: the real router, services and store, a recording
messenger and a clock the test sets (tests.support.care). One test a command, with what it
answers and where; the flows across commands are in test_handover, test_observers,
test_wellbeing and the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.care import DM, KIM, ORG, ROBIN, SAM, TEAM, CareWorld


@pytest.fixture
def world(tmp_path: Path):
    w = CareWorld(tmp_path)
    yield w
    w.close()


async def test_help_lists_what_the_sender_may_use(world: CareWorld):
    (member,) = await world.say(ROBIN, "!help", room=DM)
    assert "`!talk`" in member and "`!accept ID`" not in member
    (staff,) = await world.say(SAM, "!help")
    assert "`!accept ID`: take a request" in staff and "`!reload`" not in staff


async def test_talk_pages_the_team_and_cancel_withdraws(world: CareWorld):
    (ack,) = await world.say(ROBIN, "!talk", room=DM)
    assert "contacting a peer supporter" in ack
    assert "New request K7F2" in world.last(TEAM)
    (again,) = await world.say(ROBIN, "!talk", room=DM)
    assert "still open" in again
    (cancelled,) = await world.say(ROBIN, "!cancel", room=DM)
    assert cancelled == "Your request is withdrawn. You can ask again any time."
    assert world.request().state == "cancelled"
    assert await world.say(ROBIN, "!cancel", room=DM) == ["You have no open request."]


async def test_resources_without_any_configured(world: CareWorld):
    (answer,) = await world.say(ROBIN, "!resources", room=DM)
    assert "your local emergency number" in answer


async def test_lang_sets_the_language_of_every_later_answer(world: CareWorld):
    assert "بالعربية" in (await world.say(ROBIN, "!lang ar", room=DM))[0]
    assert "لا يوجد" not in (await world.say(ROBIN, "!cancel", room=DM))[0]
    assert (await world.say(ROBIN, "!cancel", room=DM))[0].endswith("ليس لديك طلب مفتوح.")
    assert "`en`" in (await world.say(ROBIN, "!lang xx", room=DM))[0]


async def test_checkin_and_tz(world: CareWorld):
    (none,) = await world.say(ROBIN, "!checkin", room=DM)
    assert "no check-in" in none
    (set_,) = await world.say(ROBIN, "!checkin mon,thu 19:30 Asia/Beirut", room=DM)
    assert "mon,thu at 19:30 (Asia/Beirut)" in set_
    assert "mon,thu at 19:30" in (await world.say(ROBIN, "!checkin", room=DM))[0]
    assert (await world.say(ROBIN, "!checkin off", room=DM)) == ["Your check-in is off."]
    assert "Examples" in (await world.say(ROBIN, "!checkin sometimes", room=DM))[0]
    assert (await world.say(ROBIN, "!tz Europe/Berlin", room=DM)) == [
        "Your time zone is now Europe/Berlin."
    ]
    assert "don't know that time zone" in (await world.say(ROBIN, "!tz EST", room=DM))[0]


async def test_forget_names_the_kinds_of_data_it_deleted(world: CareWorld):
    await world.say(ROBIN, "!talk", room=DM)
    await world.say(ROBIN, "!tz Asia/Beirut", room=DM)
    (forgot,) = await world.say(ROBIN, "!forget", room=DM)
    assert forgot == (
        "Done. I deleted everything I kept about you: your open request (withdrawn); "
        "language and time zone."
    )
    assert "nothing to delete" in (await world.say(ROBIN, "!forget", room=DM))[0]


async def test_yes_no_and_alone_without_a_question_or_observer(world: CareWorld):
    assert "no question" in (await world.say(ROBIN, "!yes", room=DM))[0]
    assert "no question" in (await world.say(ROBIN, "!no", room=DM))[0]
    assert "nobody" in (await world.say(ROBIN, "!alone", room=DM))[0].lower()


async def test_accept_queue_sessions_and_done(world: CareWorld):
    assert await world.say(SAM, "!queue") == ["No open requests."]
    await world.say(ROBIN, "!talk", room=DM)
    world.now += 150
    (queue,) = await world.say(SAM, "!queue")
    assert queue == "Open requests:\n- K7F2 · en · 2 min\nAccept one with `!accept ID`."
    await world.say(SAM, "!accept K7F2")
    assert "Sam, you have request K7F2" in world.last(TEAM)
    assert await world.say(KIM, "!accept K7F2") == ["Request K7F2 was already taken by Sam."]
    assert await world.say(KIM, "!accept ZZZZ") == ["There is no request ZZZZ."]
    (mine,) = await world.say(SAM, "!sessions")
    assert "K7F2 · en · Sam" in mine
    assert await world.say(KIM, "!sessions") == ["You have no open sessions."]
    assert await world.say(KIM, "!done K7F2") == ["Session K7F2 belongs to another supporter."]
    assert await world.say(SAM, "!done K7F2") == [
        "Session K7F2 is closed. Thank you for being there."
    ]
    assert world.request().state == "done"


async def test_handover_observe_and_flag_need_a_session(world: CareWorld):
    assert await world.say(SAM, "!handover ZZZZ") == ["There is no open session ZZZZ."]
    assert "ZZZZ" in (await world.say(SAM, "!observe ZZZZ"))[0]
    assert await world.say(SAM, "!flag ZZZZ") == ["There is no request ZZZZ."]
    await world.session()
    (asked,) = await world.say(SAM, "!handover K7F2")
    assert "K7F2" in asked
    await world.say(SAM, "!flag K7F2 hard one")
    assert "asks for support with K7F2" in world.last(TEAM) and "hard one" in world.last(TEAM)


async def test_break_debrief_and_debriefs(world: CareWorld):
    (pause,) = await world.say(SAM, "!break 10m")
    assert "off call until Wed 13:10 Europe/Berlin" in pause  # the fixed clock: Wed 13:00
    (debrief,) = await world.say(SAM, "!debrief")
    assert "Noor" in debrief
    assert "Sam" in world.to("!dm-@noor:hs")[-1]
    assert "no more check-ins after sessions" in (await world.say(SAM, "!debriefs off"))[0]


async def test_oncall_shift_and_status(world: CareWorld):
    (off,) = await world.say(SAM, "!oncall off 2h")
    assert off.startswith("Sam is off call until Wed 15:00 Europe/Berlin")
    (shift,) = await world.say(SAM, "!shift")
    assert "Noor" in shift and "Sam" not in shift.split("\n")[1]
    assert "only for organizers" in (await world.say(SAM, "!status"))[0]
    (status,) = await world.say(ORG, "!status")
    assert status.startswith("Status (Wed 13:00 Europe/Berlin); figures only")
    assert "On call now: 1 in tier 1, 1 in tier 2" in status  # Sam is off; Alex trains
    assert "only their own" in (await world.say(KIM, "!oncall Sam on"))[0]
    assert "Organizers: name the supporter" in (await world.say(ORG, "!oncall off"))[0]
    (on,) = await world.say(ORG, "!oncall Sam on")
    assert on.startswith("Sam is on call until")


async def test_trust_and_reload_are_for_organizers(world: CareWorld):
    assert "only for organizers" in (await world.say(SAM, "!trust approve @robin:hs"))[0]
    (none,) = await world.say(ORG, "!trust approve @robin:hs")
    assert none == "That account has no cross-signing identity to approve."
    # asked in the team room, the outcome goes to the team; asked in a DM, it is the answer
    (reload,) = await world.say(ORG, "!reload", room="!dm-@org:hs")
    assert "I did not apply the edit" in reload
