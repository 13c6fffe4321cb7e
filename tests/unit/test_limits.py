"""Limits, rest and the lead on call, with a fake clock: past a limit or in a cooldown a
supporter is not paged (but may accept by command, and `!shift` says why); the lead is whoever
has a lead shift now in their own time zone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import limits
from bot.config import LeadShift, LimitsConfig, RosterConfig, SupporterConfig
from bot.roster import Roster
from bot.shifts import began, parse_shift
from store.records import OnCallOverride
from store.support import WorkEntry
from tests.support.care import DM, KIM, NOOR, ROBIN, SAM, TEAM, CareWorld, roster_config

H = 3600.0


def supporter(**limits_: object):
    config = RosterConfig(
        supporters=(
            SupporterConfig(
                SAM, "Sam", shifts=(parse_shift("mon-fri 18:00-23:00"),), timezone="UTC", **limits_
            ),
        )
    )
    return Roster(config).supporters[SAM]


MONDAY_20 = datetime(2026, 11, 30, 20, 0, tzinfo=UTC).timestamp()


def test_sessions_per_shift_count_from_the_start_of_this_shift():
    sam = supporter(max_sessions_per_shift=2)
    last_shift = [WorkEntry(SAM, 1, MONDAY_20 - 24 * H, MONDAY_20 - 23 * H)]
    this_shift = [WorkEntry(SAM, 1, MONDAY_20 - 1.5 * H, MONDAY_20 - H)]
    assert limits.resting(sam, last_shift + this_shift, MONDAY_20) is None
    second = WorkEntry(SAM, 1, MONDAY_20 - 0.5 * H)
    rest = limits.resting(sam, [*last_shift, *this_shift, second], MONDAY_20)
    assert rest == limits.Rest(limits.SHIFT_SESSIONS, 2, 2)


def test_hours_per_week_count_the_last_seven_days_running_sessions_included():
    sam = supporter(max_hours_per_week=3)
    old = WorkEntry(SAM, 1, MONDAY_20 - 8 * 24 * H, MONDAY_20 - 8 * 24 * H + 5 * H)
    recent = WorkEntry(SAM, 1, MONDAY_20 - 2 * 24 * H, MONDAY_20 - 2 * 24 * H + 2 * H)
    running = WorkEntry(SAM, 1, MONDAY_20 - 0.5 * H)
    assert limits.resting(sam, [old, recent, running], MONDAY_20) is None
    rest = limits.resting(sam, [old, recent, running], MONDAY_20 + 0.5 * H)
    assert rest is not None and rest.reason == limits.WEEK_HOURS and rest.count == 3


def test_cooldown_after_a_session_ends():
    sam = supporter(cooldown=600.0)
    ended = [WorkEntry(SAM, 1, MONDAY_20 - H, MONDAY_20)]
    assert limits.resting(sam, ended, MONDAY_20 + 599) == limits.Rest(
        limits.COOLDOWN, until=MONDAY_20 + 600
    )
    assert limits.resting(sam, ended, MONDAY_20 + 600) is None


def test_the_roster_default_applies_unless_the_supporter_sets_their_own():
    config = RosterConfig(
        supporters=(
            SupporterConfig(SAM, "Sam"),
            SupporterConfig(NOOR, "Noor", max_hours_per_week=20, cooldown=0.0),
        ),
        limits=LimitsConfig(max_sessions_per_shift=3, max_hours_per_week=10, cooldown=300.0),
    )
    roster = Roster(config)
    assert roster.supporters[SAM].limits == LimitsConfig(3, 10, 300.0)
    assert roster.supporters[NOOR].limits == LimitsConfig(3, 20, 0.0)


def test_a_shift_began_in_its_own_zone_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    night = (parse_shift("daily 22:00-06:00"),)
    # the night the clocks go back (2026-10-25, 03:00 CEST → 02:00 CET): 9 real hours
    at = datetime(2026, 10, 25, 4, 30, tzinfo=UTC)  # 05:30 CET
    start = began(night, berlin, at)
    assert start == datetime(2026, 10, 24, 22, 0, tzinfo=berlin)
    assert (at - start.astimezone(UTC)).total_seconds() == 8.5 * H  # 7.5 on the wall clock
    assert began(night, berlin, datetime(2026, 10, 25, 12, 0, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("utc", "leads"),
    [
        # Toronto's lead shift is 18:00-22:00 local: 23:00-03:00 UTC in winter (EST) …
        (datetime(2026, 3, 6, 23, 30, tzinfo=UTC), ["Lee"]),
        # … and 22:00-02:00 UTC once its clocks went forward (EDT, 2026-03-08) while Berlin's
        # have not yet (2026-03-29): the same UTC hour, a different answer
        (datetime(2026, 3, 9, 22, 30, tzinfo=UTC), ["Lee"]),
        (datetime(2026, 3, 6, 22, 30, tzinfo=UTC), []),
        # Berlin's lead shift is 08:00-12:00 local: 07:00 UTC in winter, 06:00 UTC in summer
        (datetime(2026, 3, 27, 7, 30, tzinfo=UTC), ["Mira"]),
        (datetime(2026, 3, 30, 6, 30, tzinfo=UTC), ["Mira"]),
        (datetime(2026, 3, 27, 6, 30, tzinfo=UTC), []),
    ],
)
def test_the_lead_on_call_across_time_zones_and_dst(utc: datetime, leads: list[str]):
    config = RosterConfig(
        supporters=(
            SupporterConfig(
                "@lee:hs",
                "Lee",
                timezone="America/Toronto",
                shifts=(LeadShift(parse_shift("daily 18:00-22:00"), lead=True),),
            ),
            SupporterConfig(
                "@mira:hs",
                "Mira",
                timezone="Europe/Berlin",
                shifts=(
                    LeadShift(parse_shift("daily 08:00-12:00"), lead=True),
                    parse_shift("daily 12:00-20:00"),  # on call, not leading
                ),
            ),
        )
    )
    assert [s.name for s in Roster(config).leads(utc)] == leads


def test_a_lead_on_a_break_does_not_lead():
    config = RosterConfig(
        supporters=(
            SupporterConfig(
                NOOR, "Noor", shifts=(LeadShift(parse_shift("daily 00:00-24:00"), lead=True),)
            ),
        )
    )
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    off = {NOOR: OnCallOverride(NOOR, False, now.timestamp() + 600)}
    assert [s.name for s in Roster(config).leads(now)] == ["Noor"]
    assert Roster(config).leads(now, off) == []


# -- in the running line -------------------------------------------------------------------


@pytest.fixture
def world(tmp_path: Path):
    w = CareWorld(tmp_path, roster_config(max_hours_per_week=1, cooldown=600.0))
    yield w
    w.close()


async def test_past_their_weekly_hours_a_supporter_is_not_paged_but_may_accept(world: CareWorld):
    await world.session(SAM)  # Sam's session: an hour and a half
    world.now += 1.5 * H
    await world.say(SAM, "!done K7F2")
    world.now += H  # long past any cooldown
    await world.line.talk("@casey:hs", "!dm-casey", "en")
    page = world.last(TEAM)
    assert "New request P3Q4" in page and page.endswith("On call: Noor.")  # not Sam
    shift = (await world.say(SAM, "!shift"))[0]
    assert "On call but not paged now:\n- Alex: trainee (observes only)" in shift
    assert "- Sam: 1.5 h in the last 7 days (limit 1 h)" in shift
    assert "Lead on call: Noor." in shift
    await world.say(SAM, "!accept P3Q4")  # by command they still can
    assert world.request("P3Q4").supporter == SAM


async def test_a_cooldown_after_a_session_then_paged_again(world: CareWorld):
    await world.session(SAM)
    world.now += 60
    await world.say(SAM, "!done K7F2")
    world.now += 300
    await world.line.talk("@casey:hs", "!dm-casey", "en")
    assert world.last(TEAM).endswith("On call: Noor.")
    shift = (await world.say(NOOR, "!shift"))[0]
    assert "- Sam: resting after a session until Wed 13:11 Europe/Berlin" in shift
    world.now += 300
    await world.line.talk("@drew:hs", "!dm-drew", "en")
    assert world.last(TEAM).endswith("On call: Sam, Noor.")


async def test_escalations_mention_the_lead_as_well_as_tier_2(world: CareWorld):
    await world.line.talk(ROBIN, DM, "en")
    world.now += 301
    await world.line.process_due()
    reminder = world.messenger.sent[-1][1]
    assert reminder.body.startswith("⏫ Still waiting")
    assert set(reminder.mentions) == {KIM, SAM, NOOR}
