"""Personal check-ins: a gentle DM at the member's chosen days and time, in their zone.

Kept in the store (rebuilt into apscheduler jobs at start), each run claimed by member and
local minute so it is sent once, DST nights and restarts included.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.catalogue import Catalogue
from bot.config_values import valid_zone
from bot.ports import Messenger, RoomError, Rooms
from bot.schedules import forward, latest_of, local_minute, once_of
from bot.shifts import DAYS, days_of, time_of_day
from bot.text import Message
from store import Store
from store.records import Checkin

CHECKIN_RETRIES = 5  # a minute apart, when a check-in could not be sent
MISFIRE_GRACE = 600  # seconds: a check-in later than this is not sent


def parse(args: str) -> tuple[str, str, str | None]:
    """`daily 20:00 [Area/City]` → (days, "20:00", zone or None); ValueError otherwise."""
    parts = args.split()
    if len(parts) not in (2, 3):
        raise ValueError(args)
    minutes = time_of_day(parts[1])
    days = ",".join(DAYS[d] for d in sorted(days_of(parts[0].lower())))
    zone = parts[2] if len(parts) == 3 else None
    if zone is not None and not valid_zone(zone):
        raise ValueError(zone)
    at = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return ("daily" if days.count(",") == 6 else days), at, zone


class Checkins:
    def __init__(
        self,
        store: Store,
        texts: Catalogue,
        messenger: Messenger,
        rooms: Rooms,
        default_zone: str,
        scheduler: AsyncIOScheduler,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._texts = texts
        self._messenger = messenger
        self._rooms = rooms
        self._default_zone = default_zone
        self._clock = clock
        self._scheduler = scheduler

    def zone_of(self, user_id: str) -> str:
        return self._store.member_timezone(user_id) or self._default_zone

    def _job_id(self, user_id: str) -> str:
        return "checkin-" + hashlib.sha256(user_id.encode()).hexdigest()[:16]

    def _trigger(self, checkin: Checkin) -> CronTrigger:
        hour, minute = checkin.at.split(":")
        days = "*" if checkin.days == "daily" else checkin.days
        zone = ZoneInfo(self.zone_of(checkin.user_id))
        return forward(CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=zone))

    def _schedule(self, checkin: Checkin) -> None:
        self._scheduler.add_job(
            self._fire,
            self._trigger(checkin),
            args=[checkin.user_id],
            id=self._job_id(checkin.user_id),
            replace_existing=True,
            misfire_grace_time=MISFIRE_GRACE,
        )

    def add_jobs(self) -> None:
        for checkin in self._store.checkins():
            self._schedule(checkin)

    def set_default_zone(self, zone: str) -> None:
        """A config reload changed roster.timezone: check-ins without a zone of their own
        move with it."""
        if zone != self._default_zone:
            self._default_zone = zone
            if self._scheduler.running:
                self.add_jobs()

    async def _fire(self, user_id: str, retry: int = 0, due: float | None = None) -> None:
        """Sends the check-in due last (at most MISFIRE_GRACE ago; `due` for a retry): its
        run is keyed by the minute it was due, not the minute it ran, so a late run or a
        restart's catch-up is the same run."""
        checkin = self._store.checkin_of(user_id)
        if checkin is None:
            return
        now = datetime.fromtimestamp(self._clock(), UTC)
        if due is None:
            fire = latest_of(self._trigger(checkin), now, timedelta(seconds=MISFIRE_GRACE))
            if fire is None:
                return
            due = fire.timestamp()
        minute = local_minute(datetime.fromtimestamp(due, UTC), self.zone_of(user_id))
        key = f"{self._job_id(user_id)}@{minute}"
        if not self._store.claim_schedule_run(key):
            return
        if await self._send(checkin, key):
            return
        # not sent (homeserver trouble): a few tries, a minute apart, then the next day
        self._store.release_schedule_run(key)
        if retry < CHECKIN_RETRIES:
            self._scheduler.add_job(
                self._fire,
                "date",
                run_date=now + timedelta(minutes=1),
                args=[user_id, retry + 1, due],
                misfire_grace_time=MISFIRE_GRACE,
            )

    async def _send(self, checkin: Checkin, run: str) -> bool:
        """Sends a claimed run's prompt (the same transaction if sent again); True if it went."""
        language = self._store.member_language(checkin.user_id) or self._texts.default
        prompt = self._texts.render(language, "checkin_prompt")
        room = await self._private_room(checkin)
        if room is None or await self._messenger.send(room, prompt, once_of(run)) is None:
            return False
        self._store.schedule_run_sent(run)
        return True

    async def resume(self) -> None:
        """At start: a check-in claimed before a crash and perhaps not sent is sent (never
        twice: the same transaction) if it is less than 10 minutes late."""
        now = self._clock()
        for checkin in self._store.checkins():
            for run, at in self._store.unsent_schedule_runs(self._job_id(checkin.user_id) + "@"):
                if now - at > MISFIRE_GRACE or not await self._send(checkin, run):
                    self._store.schedule_run_sent(run)  # too late, or not now: not again
            await self._fire(checkin.user_id)  # came due while the bot was down

    async def _private_room(self, checkin: Checkin) -> str | None:
        """The member's private DM, asked again at every check-in: the room chosen when it
        was set may since have gained someone else, or lost the member."""
        try:
            room = await self._rooms.direct_room(checkin.user_id, prefer=checkin.room)
        except RoomError:
            return None
        if room != checkin.room and self._store.checkin_of(checkin.user_id) == checkin:
            self._store.set_checkin(dataclasses.replace(checkin, room=room))  # not if turned off
        return room

    # -- what members ask --------------------------------------------------------------------
    def set(self, user_id: str, args: str, room: str, language: str) -> Message:
        try:
            days, at, zone = parse(args)
        except ValueError:
            return self._texts.render(language, "checkin_usage")
        if zone is not None:
            self._store.set_member_timezone(user_id, zone)
        checkin = Checkin(user_id, days, at, room)
        self._store.set_checkin(checkin)
        self._schedule(checkin)
        return self._texts.render(
            language, "checkin_set", days=days, at=at, zone=self.zone_of(user_id)
        )

    def show(self, user_id: str, language: str) -> Message:
        c = self._store.checkin_of(user_id)
        if c is None:
            return self._texts.render(language, "checkin_none")
        return self._texts.render(
            language, "checkin_show", days=c.days, at=c.at, zone=self.zone_of(user_id)
        )

    def off(self, user_id: str, language: str) -> Message:
        self.forget(user_id)
        return self._texts.render(language, "checkin_off")

    def forget(self, user_id: str) -> None:
        self._store.drop_checkin(user_id)
        if self._scheduler.get_job(self._job_id(user_id)):
            self._scheduler.remove_job(self._job_id(user_id))

    def set_zone(self, user_id: str, zone: str, language: str) -> Message:
        if not valid_zone(zone):
            return self._texts.render(language, "tz_bad")
        self._store.set_member_timezone(user_id, zone)
        checkin = self._store.checkin_of(user_id)
        if checkin is not None:
            self._schedule(checkin)  # same time of day, in the new zone
        return self._texts.render(language, "tz_set", zone=zone)
