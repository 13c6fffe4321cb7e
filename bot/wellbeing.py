"""Supporters are people too: `!break`, `!flag`, `!debrief`, `!debriefs` and the short check-in
after `!done`. No reason is asked for or shown, nothing about a session's content is asked
for or kept; breaks and flags are counted (anonymously, per day) for `!status`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from bot import stats
from bot.errors import CommandError
from bot.ports import Messenger, Rooms
from bot.roster import Roster, Supporter
from bot.staffing import MAX_OVERRIDE
from bot.team import TeamRoom
from bot.text import Mention, Piece, join, render
from bot.workload import Workload
from store import Store
from store.records import OnCallOverride

DEFAULT_BREAK = 1800.0


class Wellbeing:
    def __init__(
        self,
        store: Store,
        roster: Callable[[], Roster],
        team: TeamRoom,
        rooms: Rooms,
        messenger: Messenger,
        workload: Workload,
        when: Callable[[float], str],
        zone: Callable[[], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._roster = roster
        self._team = team
        self._rooms = rooms
        self._messenger = messenger
        self._workload = workload
        self._when = when  # a time for the team, in the team's zone
        self._zone = zone  # the team's time zone: its days and weeks, as `!status` counts
        self._clock = clock

    def _day_of(self, moment: float) -> str:
        return stats.local_day(self._zone())(moment)

    def _supporter(self, user_id: str) -> Supporter:
        found = self._roster().supporters.get(user_id)
        if found is None:
            raise CommandError("not_supporter")  # off the roster since they wrote
        return found

    def may_take(self, user_id: str) -> None:
        """Trainees observe; they never take a request or a handover."""
        who = self._roster().supporters.get(user_id)
        if who is not None and who.trainee:
            raise CommandError("trainee_cannot_take", name=who.name)

    # -- !break -------------------------------------------------------------------------------
    def take_break(self, sender: str, seconds: float | None) -> Piece:
        """Off call for that long (as `!oncall off`); their open sessions are offered for
        handover. Counted, never explained."""
        supporter = self._supporter(sender)
        seconds = DEFAULT_BREAK if seconds is None else seconds
        if seconds > MAX_OVERRIDE:
            raise CommandError("oncall_too_long")
        now = self._clock()
        self._store.set_override(OnCallOverride(supporter.user_id, False, now + seconds))
        self._store.count(self._day_of(now), "breaks")
        taken = self._team.piece("break_taken", time=self._when(now + seconds))
        mine = [r.id for r in self._store.accepted_requests() if r.supporter == sender]
        if not mine:
            return taken
        return join([taken, self._team.piece("break_sessions", ids=", ".join(mine), first=mine[0])])

    # -- !flag --------------------------------------------------------------------------------
    async def flag(self, sender: str, request_id: str, note: str | None) -> Piece:
        """Asks the lead on call (or, with none, the organizers) in the team room for support
        with a request: its id only. Returns a reply for elsewhere than the team room."""
        request = self._store.request(request_id)
        if request is None or not request.active:
            raise CommandError("no_request", id=request_id.upper())
        supporter = self._supporter(sender)
        template = self._team.text("flag_team")
        if note:
            template += "\n" + self._team.text("flag_note")
        who = Mention(sender, supporter.name)
        leads = [s for s in self._workload.leads() if s.user_id != sender]
        if leads:
            pills: list[object] = [Mention(s.user_id, s.name) for s in leads]
            template += "\n" + self._team.text("mentions_lead")
            names = self._team.listed(pills)
            await self._team.post(template, who=who, id=request.id, note=note or "", names=names)
        else:
            await self._team.to_organizers(
                template, skip=sender, who=who, id=request.id, note=note or ""
            )
        self._store.count(self._day_of(self._clock()), "flags")
        return self._team.piece("flag_sent")

    # -- !debrief, !debriefs, and after !done -------------------------------------------------
    async def debrief(self, sender: str) -> Piece:
        """Asks the lead on call (or the organizers) privately to reach out for a talk."""
        supporter = self._supporter(sender)
        leads = [s.user_id for s in self._workload.leads() if s.user_id != sender]
        asked = leads or sorted(o for o in self._roster().organizers if o != sender)
        if not asked:
            return self._team.piece("debrief_nobody")
        message = render(
            self._team.text("debrief_ask"),
            self._team.direction,
            who=Mention(sender, supporter.name),
        )
        for user_id in asked:
            await self._messenger.send(await self._rooms.direct_room(user_id), message)
        return self._team.piece(
            "debrief_sent", names=self._team.listed([self._name(u) for u in asked])
        )

    def _name(self, user_id: str) -> str:
        who = self._roster().supporters.get(user_id)
        return who.name if who else user_id

    def debriefs(self, sender: str, on: bool) -> Piece:
        self._supporter(sender)
        self._store.set_debriefs(sender, on)
        return self._team.piece("debriefs_on" if on else "debriefs_off")

    def session_supporter(self, request_id: str) -> str | None:
        """Who has an open session (before `!done` ends it)."""
        request = self._store.request(request_id)
        return request.supporter if request is not None and request.state == "accepted" else None

    async def after_done(self, supporter_id: str | None) -> None:
        """A short private check-in by DM, unless they turned it off."""
        if supporter_id is None or supporter_id not in self._roster().supporters:
            return
        if not self._store.debriefs_on(supporter_id):
            return
        message = render(self._team.text("checkin_after_done"), self._team.direction)
        await self._messenger.send(await self._rooms.direct_room(supporter_id), message)

    def load(self) -> Piece:
        """`!status`'s team load this week (since Monday, in the team's zone): counts only."""
        zone = ZoneInfo(self._zone())
        monday = stats.week_start(datetime.fromtimestamp(self._clock(), zone).date())
        began = datetime.combine(monday, clock_time(0), zone).timestamp()
        counts = {"breaks": 0, "flags": 0}
        for (_day, metric), n in self._store.counts_since(monday.isoformat()).items():
            if metric in counts:
                counts[metric] += n
        return self._workload.load_lines(began, counts)
