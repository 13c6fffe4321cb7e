"""Limits and rest: when a supporter is not paged. Pure, with an explicit `now`.

Past `max_sessions_per_shift` (sessions begun since their shift began) or
`max_hours_per_week` (hours in sessions over the last 7 days), or within `cooldown` after a
session ended, a supporter is not paged; they can still accept by command if they choose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from bot.roster import Supporter
from bot.shifts import began
from store.support import WorkEntry

WEEK = 7 * 86400.0
# On call outside their shifts (`!oncall on`): "this shift" is the last this many seconds.
UNSCHEDULED_SHIFT = 12 * 3600.0
RestReason = Literal["shift_sessions", "week_hours", "cooldown"]
SHIFT_SESSIONS: Final = "shift_sessions"
WEEK_HOURS: Final = "week_hours"
COOLDOWN: Final = "cooldown"


@dataclass(frozen=True)
class Rest:
    """Why a supporter is not paged now."""

    reason: RestReason
    count: float = 0.0  # sessions this shift, or hours in the last 7 days
    limit: float = 0.0
    until: float | None = None  # the end of a cooldown


def shift_start(supporter: Supporter, now: float) -> float:
    """When "this shift" began for `max_sessions_per_shift`."""
    moment = datetime.fromtimestamp(now, UTC)
    start = began(supporter.shifts, supporter.zone, moment)
    return start.timestamp() if start is not None else now - UNSCHEDULED_SHIFT


def hours_within(entries: Iterable[WorkEntry], since: float, now: float) -> float:
    """Hours spent in sessions between `since` and `now` (running sessions up to now)."""
    seconds = 0.0
    for e in entries:
        end = now if e.ended is None else min(e.ended, now)
        seconds += max(0.0, end - max(e.started, since))
    return seconds / 3600


def resting(supporter: Supporter, entries: list[WorkEntry], now: float) -> Rest | None:
    """Why `supporter` (with these sessions of theirs) is not paged at `now`, if so."""
    limits = supporter.limits
    if limits.max_sessions_per_shift is not None:
        since = shift_start(supporter, now)
        begun = sum(1 for e in entries if since <= e.started <= now)
        if begun >= limits.max_sessions_per_shift:
            return Rest(SHIFT_SESSIONS, begun, limits.max_sessions_per_shift)
    if limits.max_hours_per_week is not None:
        hours = hours_within(entries, now - WEEK, now)
        if hours >= limits.max_hours_per_week:
            return Rest(WEEK_HOURS, hours, limits.max_hours_per_week)
    if limits.cooldown > 0:
        ends = [e.ended for e in entries if e.ended is not None and e.ended <= now]
        if ends and max(ends) + limits.cooldown > now:
            return Rest(COOLDOWN, until=max(ends) + limits.cooldown)
    return None
