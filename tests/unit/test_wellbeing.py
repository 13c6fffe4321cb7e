"""Supporters are people too: flags reach the lead (or the organizers), breaks and debriefs ask
no reason, the check-in after `!done`, shift-end reminders once, and the team's load as
counts in `!status`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.shifts import parse_shift
from tests.support.care import (
    ALEX,
    DM,
    KIM,
    NOOR,
    ORG,
    ROBIN,
    SAM,
    TEAM,
    CareWorld,
    roster_config,
)

H = 3600.0


@pytest.fixture
def world(tmp_path: Path):
    w = CareWorld(tmp_path)
    yield w
    w.close()


async def test_a_flag_asks_the_lead_in_the_team_room_with_the_request_id_only(world: CareWorld):
    await world.session()
    await world.say(SAM, "!flag K7F2 they mentioned a plan")
    flag = world.messenger.sent[-1][1]
    assert flag.body == (
        "🚩 Sam asks for support with K7F2.\nNote: they mentioned a plan\nLead on call: Noor."
    )
    assert set(flag.mentions) == {SAM, NOOR}
    assert ROBIN not in flag.body and DM not in flag.body


async def test_with_no_lead_on_call_the_organizers_get_the_flag(world: CareWorld):
    world.without_lead()
    await world.session()
    in_dm = await world.say(SAM, "!flag K7F2", room="!dm-@sam:hs")
    assert in_dm == ["I've asked for support in the team room."]
    flag = world.messenger.sent[-2][1]
    assert flag.body == "🚩 Sam asks for support with K7F2.\nOrganizers: @org:hs."
    assert ORG in flag.mentions
    assert (await world.say(SAM, "!shift"))[0].count(
        "No lead on call: flags and debriefs go to the organizers."
    ) == 1


async def test_a_break_is_off_call_for_that_long_and_offers_the_sessions_for_handover(
    world: CareWorld,
):
    await world.session()
    reply = await world.say(SAM, "!break 45m")
    assert reply == [
        "You're off call until Wed 13:45 Europe/Berlin. Take care.\n"
        "Still open: K7F2. `!handover K7F2` asks the member whether someone else may take over."
    ]
    await world.line.talk("@casey:hs", "!dm-casey", "en")
    assert world.last(TEAM).endswith("On call: Noor.")
    world.now += 45 * 60
    await world.line.talk("@drew:hs", "!dm-drew", "en")
    assert "Sam" in world.last(TEAM).splitlines()[-1]
    assert (await world.say(KIM, "!break"))[0].startswith("You're off call until Wed 14:15")
    assert await world.say(SAM, "!break soon") == ["That didn't work: usage is `!break [30m]`."]


async def test_after_done_a_private_check_in_unless_turned_off(world: CareWorld):
    await world.session()
    await world.say(SAM, "!done K7F2")
    assert world.last("!dm-@sam:hs") == (
        "How are you after that one? `!debrief` asks the lead for a talk. "
        "(`!debriefs off` stops these check-ins.)"
    )
    assert (await world.say(SAM, "!debriefs off"))[0].startswith("Okay: no more check-ins")
    before = len(world.to("!dm-@sam:hs"))
    await world.line.talk("@casey:hs", "!dm-casey", "en")
    await world.say(SAM, "!accept P3Q4")
    await world.say(SAM, "!done P3Q4")
    assert len(world.to("!dm-@sam:hs")) == before


async def test_a_debrief_asks_the_lead_privately_and_no_reason_is_asked(world: CareWorld):
    reply = await world.say(SAM, "!debrief")
    assert reply == ["I've asked Noor to reach out to you."]
    assert world.last("!dm-@noor:hs").startswith("Sam would like a debrief talk after a session.")
    world.without_lead()
    assert await world.say(SAM, "!debrief") == ["I've asked @org:hs to reach out to you."]


async def test_a_supporter_is_reminded_once_before_their_time_on_call_ends(tmp_path: Path):
    # Sam's shift ends at 13:30 in Berlin: 12:30 UTC, half an hour from now
    world = CareWorld(tmp_path, roster_config(sam_shifts=(parse_shift("daily 09:00-13:30"),)))
    await world.session()
    world.now += 14 * 60
    assert await world.care.shift_ends.check() == 0
    world.now += 60
    assert await world.care.shift_ends.check() == 1
    reminder = world.last(TEAM)
    assert reminder.startswith("⏰ Sam, your time on call ends at Wed 13:30 Europe/Berlin")
    assert "still have open: K7F2" in reminder and "`!handover K7F2`" in reminder
    await world.restart()
    world.now += 60
    assert await world.care.shift_ends.check() == 0  # once, even across a restart
    # on call by hand past the end of the shift: reminded before that ends too
    await world.say(SAM, "!oncall on 30m")  # until 13:46 in Berlin
    assert await world.care.shift_ends.check() == 0
    world.now += 15 * 60
    assert await world.care.shift_ends.check() == 1
    assert "ends at Wed 13:46 Europe/Berlin" in world.last(TEAM)
    world.close()


async def test_status_adds_the_team_load_as_counts(world: CareWorld):
    await world.session(SAM)
    world.now += 2 * H
    await world.say(SAM, "!done K7F2")
    await world.line.talk("@casey:hs", "!dm-casey", "en")
    await world.say(KIM, "!accept P3Q4")
    world.now += H
    await world.say(KIM, "!flag P3Q4")
    await world.say(SAM, "!break 10m")
    status = (await world.say(ORG, "!status"))[0]
    assert "Team load this week:\n- tier 1: 1 session, 2.0 h\n- tier 2: 1 session, 1.0 h" in status
    assert "- 1 break taken · 1 flag raised" in status
    assert "On call now: 1 in tier 1, 1 in tier 2" in status  # Noor, Kim; never Alex
    for private in (ROBIN, "@casey", DM, "Sam", "Kim"):
        assert private not in status


async def test_the_load_counts_a_session_that_began_and_ended_between_two_looks(
    world: CareWorld,
):
    # after its first look the work log reads only requests closed since (bot.workload)
    await world.say(ORG, "!status")
    world.now += H
    await world.session(SAM)
    world.now += 2 * H
    await world.say(SAM, "!done K7F2")
    world.now += H
    status = (await world.say(ORG, "!status"))[0]
    assert "- tier 1: 1 session, 2.0 h" in status


async def test_help_lists_the_new_commands_for_those_who_may_use_them(world: CareWorld):
    member = (await world.say(ROBIN, "!help", room=DM))[0]
    assert "`!yes`" in member and "`!no`" in member and "`!alone`" in member
    assert "`!handover" not in member and "`!break" not in member
    staff = (await world.say(ALEX, "!help"))[0]
    for command in ("!handover ID [NAME]", "!observe ID [NAME]", "!flag ID [note]", "!break [30m]"):
        assert f"`{command}`" in staff
    arabic = await world.say(ROBIN, "!lang ar", room=DM)
    assert arabic
    assert "إخراج أي مراقب" in (await world.say(ROBIN, "!مساعدة", room=DM))[0]


async def test_a_member_is_told_who_may_use_a_staff_command(world: CareWorld):
    assert await world.say(ROBIN, "!shift", room=DM) == [
        "Sorry, `!shift` is only for organizers and supporters."
    ]
