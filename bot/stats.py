"""The organizers' figures: counts over live request rows plus the anonymous daily counts
closed requests were folded into. Pure; never touches an identity."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from store.records import Request


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


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def period(
    since: str,
    rows: Iterable[Request],
    counts: Mapping[tuple[str, str], int],
    waits: Iterable[tuple[str, int]],
    day_of: Callable[[float], str],
) -> Period:
    """Figures for requests made on `since` (an ISO day) or later."""
    totals = {"requests": 0, "accepts": 0, "escalations": 0, "give_ups": 0}
    for (day, metric), n in counts.items():
        if day >= since and metric in totals:
            totals[metric] += n
    durations = [float(s) for day, s in waits if day >= since]
    for r in rows:
        if day_of(r.created_at) < since:
            continue
        totals["requests"] += 1
        totals["escalations"] += r.escalations
        totals["give_ups"] += int(r.gave_up)
        if r.accepted_at is not None:
            totals["accepts"] += 1
            durations.append(r.accepted_at - r.created_at)
    median = statistics.median(durations) if durations else None
    return Period(median_accept=median, **totals)
