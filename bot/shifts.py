"""Weekly shift windows in a supporter's own time zone. Pure: no I/O, no clock of its own.

A shift is written `DAYS HH:MM-HH:MM`: DAYS is `daily`, a day (`mon`), a range (`mon-fri`,
`fri-mon`) or a list (`sat,sun`, `mon,wed-fri`); the end may be `24:00`; an end before the
start means the window crosses midnight (`fri 22:00-02:00` is Friday night into Saturday).
Times are wall-clock times in the supporter's zone, so DST is handled by zoneinfo: on a
spring-forward day a window starting inside the skipped hour starts when the clock resumes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"([01]?\d|2[0-4]):([0-5]\d)")


@dataclass(frozen=True)
class Shift:
    days: frozenset[int]  # 0 = Monday
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight, 1..1440; end <= start crosses midnight
    lead: bool = False  # the supporter is the lead on call during this shift

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def covers(self, local: datetime) -> bool:
        """Whether the local wall-clock time `local` falls inside this shift."""
        minute = local.hour * 60 + local.minute
        day = local.weekday()
        if not self.crosses_midnight:
            return day in self.days and self.start <= minute < self.end
        yesterday = (day - 1) % 7
        return (day in self.days and minute >= self.start) or (
            yesterday in self.days and minute < self.end
        )


def time_of_day(text: str, *, end_of_day: bool = False) -> int:
    """`18:00` or `8:05` → minutes after local midnight; `24:00` (1440) only where the end of
    a day can be meant (a shift's end). The one rule for shifts, check-ins and schedules."""
    match = _TIME.fullmatch(text)
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not 0 <= minutes <= (1440 if end_of_day else 1439):
        raise ValueError(f"{text!r} is not a time like 18:00")
    return minutes


def days_of(text: str) -> frozenset[int]:
    if text == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"{part!r} is not a day or range like mon-fri")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(days)


def parse_shift(text: str) -> Shift:
    days_text, _, window = text.strip().lower().partition(" ")
    start_text, sep, end_text = window.strip().partition("-")
    if not sep:
        raise ValueError("expected DAYS HH:MM-HH:MM")
    start = time_of_day(start_text, end_of_day=True)  # 24:00 refused below, by name
    end = time_of_day(end_text, end_of_day=True)
    if start == 1440:
        raise ValueError("a shift cannot start at 24:00")
    if start == end:
        raise ValueError("a shift needs a start and an end that differ")
    return Shift(days_of(days_text), start, end)


def on_call(shifts: tuple[Shift, ...], zone: ZoneInfo, now: datetime) -> bool:
    local = now.astimezone(zone)
    return any(shift.covers(local) for shift in shifts)


def next_start(shifts: tuple[Shift, ...], zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the next shift starts after `now` (aware, in `zone`), or None without shifts."""
    local_today = now.astimezone(zone).date()
    best: datetime | None = None
    for offset in range(8):
        day = local_today + timedelta(days=offset)
        for shift in shifts:
            if day.weekday() not in shift.days:
                continue
            naive = datetime(day.year, day.month, day.day) + timedelta(minutes=shift.start)
            # Normalise through UTC: a start inside a spring-forward gap becomes real time.
            start = naive.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).astimezone(zone)
            if start > now and (best is None or start < best):
                best = start
    return best


def _boundaries(shifts: tuple[Shift, ...], zone: ZoneInfo, now: datetime) -> list[datetime]:
    """Every shift start and end within the next week, in order."""
    local_today = now.astimezone(zone).date()
    utc = ZoneInfo("UTC")
    found: set[datetime] = set()
    for offset in range(-1, 9):
        day = local_today + timedelta(days=offset)
        for shift in shifts:
            if day.weekday() not in shift.days:
                continue
            midnight = datetime(day.year, day.month, day.day)
            end = shift.end + (1440 if shift.crosses_midnight else 0)
            for minutes in (shift.start, end):
                naive = midnight + timedelta(minutes=minutes)
                moment = naive.replace(tzinfo=zone).astimezone(utc)
                if moment > now:
                    found.add(moment)
    return sorted(found)


def next_change(shifts: tuple[Shift, ...], zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the shifts next switch this supporter on or off (where a manual `!oncall`
    override gives way to them again); None if that does not happen within a week."""
    current = on_call(shifts, zone, now)
    for moment in _boundaries(shifts, zone, now):
        if on_call(shifts, zone, moment) != current:
            return moment.astimezone(zone)
    return None


def began(shifts: tuple[Shift, ...], zone: ZoneInfo, now: datetime) -> datetime | None:
    """When the shift covering `now` began (the earliest start, if shifts overlap); None if
    no shift covers `now`. Wall-clock starts in `zone`, so across DST too."""
    local_today = now.astimezone(zone).date()
    utc = ZoneInfo("UTC")
    found: list[datetime] = []
    for offset in (-1, 0):
        day = local_today + timedelta(days=offset)
        midnight = datetime(day.year, day.month, day.day)
        for shift in shifts:
            if day.weekday() not in shift.days:
                continue
            end = shift.end + (1440 if shift.crosses_midnight else 0)
            start_at = (midnight + timedelta(minutes=shift.start)).replace(tzinfo=zone)
            end_at = (midnight + timedelta(minutes=end)).replace(tzinfo=zone)
            if start_at.astimezone(utc) <= now < end_at.astimezone(utc):
                found.append(start_at.astimezone(utc))
    return min(found).astimezone(zone) if found else None
