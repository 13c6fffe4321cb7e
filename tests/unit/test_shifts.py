from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.shifts import next_start, on_call, parse_shift

BERLIN = ZoneInfo("Europe/Berlin")
TORONTO = ZoneInfo("America/Toronto")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "days", "start", "end"),
    [
        ("daily 00:00-24:00", set(range(7)), 0, 1440),
        ("mon-fri 18:00-23:00", {0, 1, 2, 3, 4}, 1080, 1380),
        ("sat,sun 10:00-14:00", {5, 6}, 600, 840),
        ("fri-mon 22:00-02:00", {4, 5, 6, 0}, 1320, 120),
        ("MON,wed-fri 09:30-17:00", {0, 2, 3, 4}, 570, 1020),
    ],
)
def test_parse(text, days, start, end):
    shift = parse_shift(text)
    assert (set(shift.days), shift.start, shift.end) == (days, start, end)


@pytest.mark.parametrize(
    "bad",
    [
        "monday 10:00-12:00",
        "mon 25:00-26:00",
        "mon 10:00",
        "mon 10:00-10:00",
        "mon 24:00-02:00",
        "mon 24:30-02:00",
        "mon-xyz 10:00-12:00",
        "",
    ],
)
def test_parse_rejects(bad):
    with pytest.raises(ValueError):
        parse_shift(bad)


def test_window_in_the_supporters_zone():
    shifts = (parse_shift("mon-fri 18:00-23:00"),)
    # Monday 2026-11-23 18:30 in Toronto (UTC-5) is 23:30 UTC
    assert on_call(shifts, TORONTO, utc(2026, 11, 23, 23, 30))
    assert not on_call(shifts, TORONTO, utc(2026, 11, 23, 18, 30))  # 13:30 in Toronto
    assert not on_call(shifts, TORONTO, utc(2026, 11, 29, 0, 0))  # Saturday evening


def test_window_crossing_midnight_belongs_to_its_start_day():
    shifts = (parse_shift("fri 22:00-02:00"),)
    assert on_call(shifts, BERLIN, utc(2026, 11, 27, 21, 30))  # Fri 22:30 Berlin
    assert on_call(shifts, BERLIN, utc(2026, 11, 28, 0, 30))  # Sat 01:30 Berlin
    assert not on_call(shifts, BERLIN, utc(2026, 11, 28, 1, 30))  # Sat 02:30
    assert not on_call(shifts, BERLIN, utc(2026, 11, 28, 21, 30))  # Sat 22:30


def test_end_of_day_24_00():
    shifts = (parse_shift("daily 20:00-24:00"),)
    assert on_call(shifts, BERLIN, utc(2026, 11, 24, 22, 59))  # 23:59 Berlin
    assert not on_call(shifts, BERLIN, utc(2026, 11, 24, 23, 0))  # 00:00 Berlin


def test_dst_spring_forward_and_fall_back_berlin():
    shifts = (parse_shift("daily 09:00-10:00"),)
    # before the switch (CET, UTC+1) 09:00 local is 08:00 UTC; after (CEST, UTC+2) it is 07:00
    assert on_call(shifts, BERLIN, utc(2026, 3, 28, 8, 30))
    assert on_call(shifts, BERLIN, utc(2026, 3, 29, 7, 30))
    assert not on_call(shifts, BERLIN, utc(2026, 3, 29, 8, 30))  # 10:30 CEST
    assert on_call(shifts, BERLIN, utc(2026, 10, 24, 7, 30))  # CEST
    assert on_call(shifts, BERLIN, utc(2026, 10, 25, 8, 30))  # CET again
    assert not on_call(shifts, BERLIN, utc(2026, 10, 25, 7, 30))  # 08:30 CET


def test_next_start_across_dst_and_in_the_gap():
    assert next_start((parse_shift("daily 09:00-10:00"),), BERLIN, utc(2026, 3, 28, 12, 0)) == utc(
        2026, 3, 29, 7, 0
    )
    # 02:30 does not exist on 2026-03-29 in Berlin: the shift starts when the clock resumes
    gap = next_start((parse_shift("sun 02:30-04:00"),), BERLIN, utc(2026, 3, 28, 12, 0))
    assert gap == utc(2026, 3, 29, 1, 30)  # 03:30 CEST
    assert next_start((), BERLIN, utc(2026, 3, 28, 12, 0)) is None


def test_next_start_is_strictly_later_and_picks_the_soonest():
    shifts = (parse_shift("mon-fri 18:00-23:00"), parse_shift("sat,sun 10:00-14:00"))
    friday_night = utc(2026, 11, 27, 22, 30)  # Fri 23:30 Berlin, after the shift
    assert next_start(shifts, BERLIN, friday_night) == utc(2026, 11, 28, 9, 0)


def test_next_change_is_where_a_manual_override_gives_way():
    from bot.shifts import next_change

    berlin = ZoneInfo("Europe/Berlin")
    evening = (parse_shift("mon-fri 18:00-23:00"),)
    at = datetime(2026, 11, 24, 20, 0, tzinfo=berlin)  # Tuesday, on shift
    assert next_change(evening, berlin, at) == datetime(2026, 11, 24, 23, 0, tzinfo=berlin)
    friday_late = datetime(2026, 11, 27, 23, 30, tzinfo=berlin)  # off until Monday
    assert next_change(evening, berlin, friday_late) == datetime(2026, 11, 30, 18, 0, tzinfo=berlin)
    # back-to-back shifts are one stretch; always-on never changes
    chained = (parse_shift("daily 18:00-23:00"), parse_shift("daily 23:00-02:00"))
    assert next_change(chained, berlin, at) == datetime(2026, 11, 25, 2, 0, tzinfo=berlin)
    assert next_change((parse_shift("daily 00:00-24:00"),), berlin, at) is None
    # the autumn night: the shift ends at the first 02:00 (CEST), when the wall clock leaves
    # the window, three real hours after 23:00 — the same moment on_call() says "off"
    night = (parse_shift("sat 22:00-02:00"),)
    before = datetime(2026, 10, 24, 23, 0, tzinfo=berlin)
    end = next_change(night, berlin, before)
    assert end is not None and end.timestamp() - before.timestamp() == 3 * 3600
    assert not on_call(night, berlin, end) and on_call(night, berlin, before)
