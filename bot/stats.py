"""The organizers' figures: counts over live request rows plus the anonymous daily counts
closed requests were folded into. Pure; never touches an identity."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.records import RequestFigures


@dataclass(frozen=True)
class Period:
    requests: int = 0
    accepts: int = 0
    escalations: int = 0
    give_ups: int = 0
    median_accept: float | None = None  # seconds


def local_day(zone: str) -> Callable[[float], str]:
    """epoch seconds → the ISO day in `zone`: how `!status` and the retention purge both
    assign a request to a day."""
    tz = ZoneInfo(zone)
    return lambda t: datetime.fromtimestamp(t, tz).date().isoformat()


def day_start(day: date, zone: str) -> float:
    """The first moment of `day` in `zone` (epoch seconds): a request made at or after it has
    a `local_day` of `day` or later."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).timestamp()


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def period(since: str, stored: RequestFigures, counts: Mapping[tuple[str, str], int]) -> Period:
    """Figures for requests made on `since` (an ISO day) or later: the requests still stored
    (counted from `day_start(since)`, with the median over them and the folded accepts)
    plus those already folded into daily counts."""
    totals = {"requests": 0, "accepts": 0, "escalations": 0, "give_ups": 0}
    for (day, metric), n in counts.items():
        if day >= since and metric in totals:
            totals[metric] += n
    totals["requests"] += stored.requests
    totals["accepts"] += stored.accepts
    totals["escalations"] += stored.escalations
    totals["give_ups"] += stored.give_ups
    return Period(median_accept=stored.median_accept, **totals)
