"""A supporter whose time on call ends within 15 minutes while they still have sessions open is
reminded once, in the team room, with the handover command spelled out. Checked every minute;
"once" is kept in the store, so a restart does not remind them again."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.roster import Roster, Supporter
from bot.team import TeamRoom
from bot.text import Mention
from store import Store
from store.records import OnCallOverride

REMIND_BEFORE = 15 * 60.0
CHECK_EVERY_SECONDS = 60


def off_call_at(supporter: Supporter, override: OnCallOverride | None, now: float) -> float | None:
    """When `supporter`, on call at `now`, goes off call (None: not on call now, or not
    within a week)."""
    moment = datetime.fromtimestamp(now, UTC)
    if not supporter.on_call(moment, override):
        return None
    if override is not None and override.until > now:  # on call by hand until then
        until = datetime.fromtimestamp(override.until, UTC)
        if not supporter.scheduled(until):
            return override.until
        moment = until
    change = supporter.next_change(moment)
    return None if change is None else change.timestamp()


class ShiftEnds:
    def __init__(
        self,
        store: Store,
        roster: Callable[[], Roster],
        team: TeamRoom,
        when: Callable[[float], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._roster = roster
        self._team = team
        self._when = when
        self._clock = clock

    async def check(self) -> int:
        """Reminds whoever is due; returns how many were reminded."""
        now = self._clock()
        overrides = self._store.overrides(now)
        open_ids: dict[str, list[str]] = {}
        for r in self._store.accepted_requests():
            if r.supporter:
                open_ids.setdefault(r.supporter, []).append(r.id)
        reminded = 0
        supporters = self._roster().supporters
        for user_id, ids in open_ids.items():
            supporter = supporters.get(user_id)
            if supporter is None:
                continue
            end = off_call_at(supporter, overrides.get(user_id), now)
            if end is None or end - now > REMIND_BEFORE:
                continue
            if not self._store.first_shift_reminder(user_id, end):
                continue
            await self._team.send(
                "shift_end_reminder",
                who=Mention(user_id, supporter.name),
                time=self._when(end),
                ids=", ".join(ids),
                first=ids[0],
            )
            reminded += 1
        return reminded
