"""Community schedules: posts at their minute in their own time zone, exactly once.

apscheduler 3.11 fires the jobs (in memory, rebuilt from config + store at start; its
persistent job stores pickle arguments in clear, so they are not used). The store is the
source of truth: each run is claimed by schedule and *local* date and minute before posting,
so the autumn DST night, where a 02:30 trigger fires twice (CEST, then CET), posts once, and
a restart never posts again. A time that does not exist (02:30 on the spring-forward night)
fires when the clock has moved on, at 03:30 local, once. After downtime, a post missed by less
than `schedule_grace` is posted once, late; older misses are skipped and logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import ScheduleConfig

log = logging.getLogger(__name__)
# (schedule, transaction id) → the event id; None: not sent
Post = Callable[[ScheduleConfig, str], Awaitable[str | None]]
RETRY_AFTER = 60.0  # seconds before a failed post is tried again (while within the grace)


def schedule_id(schedule: ScheduleConfig) -> str:
    """Stable across restarts and config reloads while the schedule itself is unchanged."""
    text = "|".join(
        (
            schedule.room,
            schedule.cron,
            schedule.timezone,
            schedule.message or "",
            ",".join(schedule.resources),
            schedule.language or "",
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ForwardCronTrigger(CronTrigger):  # type: ignore[misc]
    """apscheduler 3.11.3's CronTrigger, made to always move forward.

    Asked for the fire after 02:30 CET on the autumn night (the second, repeated 02:30), it
    answers that same 02:30 again when `now` is inside the repeated hour (the local time is
    read without `fold`), so its scheduler loop could spin there. This trigger never returns
    a time at or before the previous fire: it probes past the repeated hour instead."""

    def get_next_fire_time(self, previous: datetime | None, now: datetime) -> datetime | None:
        probe = now
        for _ in range(4):
            fire: datetime | None = super().get_next_fire_time(previous, probe)
            # compare instants: two datetimes sharing one ZoneInfo compare by wall time,
            # so 02:30 CET would "equal" 02:30 CEST
            if fire is None or previous is None or fire.timestamp() > previous.timestamp():
                return fire
            probe = max(probe, previous) + timedelta(hours=1)
        return None


def forward(base: CronTrigger) -> ForwardCronTrigger:
    trigger = ForwardCronTrigger.__new__(ForwardCronTrigger)
    trigger.__setstate__(base.__getstate__())
    return trigger


def trigger(schedule: ScheduleConfig) -> CronTrigger:
    return forward(CronTrigger.from_crontab(schedule.cron, timezone=ZoneInfo(schedule.timezone)))


def local_minute(fire: datetime, zone: str) -> str:
    """The wall-clock minute of `fire` in `zone`: the same for both autumn 02:30s."""
    return fire.astimezone(ZoneInfo(zone)).replace(tzinfo=None).isoformat(timespec="minutes")


def run_key(schedule: ScheduleConfig, fire: datetime) -> str:
    return f"{schedule_id(schedule)}@{local_minute(fire, schedule.timezone)}"


def once_of(run: str) -> str:
    """The transaction id of a run's post: a post sent again after a crash is the same post."""
    return "run-" + hashlib.sha256(run.encode()).hexdigest()[:32]


def latest_fire(schedule: ScheduleConfig, now: datetime, horizon: timedelta) -> datetime | None:
    """The last time the schedule was due at or before `now` (looking back `horizon`)."""
    return latest_of(trigger(schedule), now, horizon)


def latest_of(cron: CronTrigger, now: datetime, horizon: timedelta) -> datetime | None:
    """The last time `cron` was due at or before `now` (looking back `horizon`)."""
    latest = None
    fire = cron.get_next_fire_time(None, now - horizon)
    while fire is not None and fire.timestamp() <= now.timestamp():
        latest = fire
        fire = cron.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def make_scheduler() -> AsyncIOScheduler:
    """The one scheduler of the process (community posts and personal check-ins); each job
    sets its own misfire grace."""
    return AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True})


class ScheduleRuns(Protocol):
    """The part of the store the schedules use: each run claimed once."""

    def claim_schedule_run(self, run: str, now: float | None = None) -> bool: ...

    def release_schedule_run(self, run: str) -> None: ...

    def schedule_run_sent(self, run: str) -> None: ...

    def unsent_schedule_runs(self, prefix: str) -> list[tuple[str, int]]: ...


class Schedules:
    def __init__(
        self,
        schedules: tuple[ScheduleConfig, ...],
        grace: float,
        store: ScheduleRuns,
        post: Post,
        clock: Callable[[], float] = time.time,
        *,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self._schedules = schedules
        self._grace = grace
        self._store = store
        self._post = post
        self._clock = clock
        self._scheduler = scheduler or make_scheduler()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def catch_up(self) -> None:
        """At start: a run claimed before a crash and perhaps not posted is posted (the same
        transaction: never twice) if within the grace; then each schedule's latest missed run
        if it is within the grace."""
        now = self._now()
        for schedule in self._schedules:
            for run, at in self._store.unsent_schedule_runs(schedule_id(schedule) + "@"):
                if now.timestamp() - at <= self._grace:
                    await self._post_claimed(schedule, run)
                else:
                    log.warning("skipped schedule %s: missed", schedule_id(schedule))
                    self._store.schedule_run_sent(run)
        for schedule in self._schedules:
            fire = latest_fire(schedule, now, timedelta(days=8))
            if fire is None or not self._store.claim_schedule_run(run_key(schedule, fire)):
                continue
            late = (now - fire).total_seconds()
            if late <= self._grace:
                log.info("posting schedule %s %d s late", schedule_id(schedule), late)
                await self._post_claimed(schedule, run_key(schedule, fire))
            else:
                log.warning("skipped schedule %s: missed by %d s", schedule_id(schedule), late)

    async def fire(self, schedule: ScheduleConfig) -> None:
        fire = latest_fire(schedule, self._now(), timedelta(seconds=self._grace + 60))
        if fire is None:
            return
        key = run_key(schedule, fire)
        if self._store.claim_schedule_run(key):
            await self._post_claimed(schedule, key)

    async def _post_claimed(self, schedule: ScheduleConfig, key: str) -> None:
        """Posts a run this process claimed; if that fails, the claim is released and the
        post tried again a minute later (the run is not lost, and still posted once)."""
        try:
            sent = await self._post(schedule, once_of(key))
        except Exception:
            log.exception("posting schedule %s failed", schedule_id(schedule))
            sent = None
        if sent is not None:
            self._store.schedule_run_sent(key)
            return
        self._store.release_schedule_run(key)
        log.warning("schedule %s not posted; trying again in a minute", schedule_id(schedule))
        self._scheduler.add_job(
            self.fire,
            "date",
            run_date=self._now() + timedelta(seconds=RETRY_AFTER),
            args=[schedule],
            misfire_grace_time=max(1, int(self._grace)),
        )

    def replace(self, schedules: tuple[ScheduleConfig, ...], grace: float) -> None:
        """A config reload: jobs of removed or edited schedules go, new ones come. An
        unchanged schedule keeps its id, so its claimed runs still count."""
        wanted = {schedule_id(s) for s in schedules}
        if self._scheduler.running:
            for old in self._schedules:
                if schedule_id(old) not in wanted:
                    with contextlib.suppress(JobLookupError):
                        self._scheduler.remove_job(schedule_id(old))
        self._schedules, self._grace = schedules, grace
        if self._scheduler.running:
            self.add_jobs()

    def add_jobs(self) -> None:
        for schedule in self._schedules:
            self._scheduler.add_job(
                self.fire,
                trigger(schedule),
                args=[schedule],
                id=schedule_id(schedule),
                replace_existing=True,
                misfire_grace_time=max(1, int(self._grace)),
            )
