"""Community schedules with a fake clock: DST both ways, exactly once, grace after downtime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ScheduleConfig
from bot.schedules import Schedules, latest_fire, make_scheduler, run_key, trigger
from store import Store
from store.secret import parse

BERLIN_0230 = ScheduleConfig(
    room="!r:hs", cron="30 2 * * *", timezone="Europe/Berlin", message="hi"
)
FRIDAY_18 = ScheduleConfig(room="!r:hs", cron="0 18 * * fri", timezone="Europe/Berlin", message="x")


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def fires(schedule: ScheduleConfig, start: datetime, end: datetime) -> list[datetime]:
    cron, out = trigger(schedule), []
    fire = cron.get_next_fire_time(None, start)
    while fire is not None and fire.timestamp() <= end.timestamp():
        out.append(fire)
        fire = cron.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return out


def test_autumn_night_fires_twice_but_has_one_run_key():
    twice = fires(BERLIN_0230, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))
    assert [f.astimezone(UTC).hour for f in twice] == [0, 1]  # 02:30 CEST, then 02:30 CET
    assert len({run_key(BERLIN_0230, f) for f in twice}) == 1


def test_spring_forward_gap_fires_once_at_0330_local():
    (fire,) = fires(BERLIN_0230, utc(2026, 3, 28, 12), utc(2026, 3, 29, 12))
    assert fire.astimezone(UTC) == utc(2026, 3, 29, 1, 30)  # 03:30 CEST


def test_local_time_follows_dst():
    winter = latest_fire(FRIDAY_18, utc(2026, 11, 27, 20), timedelta(days=8))
    summer = latest_fire(FRIDAY_18, utc(2026, 7, 3, 20), timedelta(days=8))
    assert winter.astimezone(UTC).hour == 17 and summer.astimezone(UTC).hour == 16


class World:
    def __init__(self, tmp: Path, now: datetime, grace: float = 3600) -> None:
        self.store = Store(tmp, parse("56" * 32, "test"))
        self.now = now
        self.posts: list[tuple[ScheduleConfig, datetime]] = []
        self.failing = False  # the homeserver refuses the post (returns no event id)
        self.sent: dict[str, str] = {}  # transaction id → event id, as the homeserver keeps
        self.crash_after_post = False
        self.scheduler = make_scheduler()
        self.schedules = Schedules(
            (FRIDAY_18,),
            grace,
            self.store,
            self.post,
            lambda: self.now.timestamp(),
            scheduler=self.scheduler,
        )

    async def post(self, schedule: ScheduleConfig, once: str) -> str | None:
        if self.failing:
            return None
        if once not in self.sent:  # the homeserver answers a repeated transaction alike
            self.posts.append((schedule, self.now))
            self.sent[once] = f"$post{len(self.posts)}"
        if self.crash_after_post:
            raise SystemExit("killed after the post went out")
        return self.sent[once]

    def restarted(self) -> World:
        """A new process over the same store, the same homeserver."""
        new = World.__new__(World)
        new.__dict__.update(self.__dict__)
        new.crash_after_post = False
        new.scheduler = make_scheduler()
        new.schedules = Schedules(
            (FRIDAY_18,),
            3600,
            self.store,
            new.post,
            lambda: new.now.timestamp(),
            scheduler=new.scheduler,
        )
        return new


@pytest.fixture
def world(tmp_path: Path):
    w = World(tmp_path, utc(2026, 11, 27, 17, 0))  # Friday 18:00 Berlin exactly
    yield w
    w.store.close()


async def test_fires_once_even_if_fired_twice(world: World):
    await world.schedules.fire(FRIDAY_18)
    await world.schedules.fire(FRIDAY_18)
    await world.schedules.catch_up()  # and a restart right after changes nothing
    assert len(world.posts) == 1


async def test_a_short_downtime_posts_once_late(tmp_path: Path):
    w = World(tmp_path, utc(2026, 11, 27, 17, 40))  # down at 18:00, back at 18:40 Berlin
    await w.schedules.catch_up()
    await w.schedules.catch_up()
    assert len(w.posts) == 1
    w.store.close()


async def test_a_long_downtime_skips_and_never_posts_it(tmp_path: Path, caplog):
    w = World(tmp_path, utc(2026, 11, 27, 19, 30))  # 2.5 h late, grace 1 h
    await w.schedules.catch_up()
    assert w.posts == [] and "skipped schedule" in caplog.text
    await w.schedules.fire(FRIDAY_18)
    assert w.posts == []
    w.store.close()


def test_the_trigger_never_repeats_itself_in_the_repeated_hour():
    cron = trigger(BERLIN_0230)
    second = utc(2026, 10, 25, 1, 30)  # 02:30 CET, the repeated one
    for now in (second, second + timedelta(seconds=1), second + timedelta(minutes=30)):
        nxt = cron.get_next_fire_time(second, now)
        assert nxt is not None and nxt.astimezone(UTC) == utc(2026, 10, 26, 1, 30), now


async def test_a_failed_post_is_retried_not_lost_and_still_posted_once(world: World):
    world.failing = True
    await world.schedules.fire(FRIDAY_18)
    assert world.posts == []
    retries = [j for j in world.scheduler.get_jobs() if j.func == world.schedules.fire]
    assert len(retries) == 1  # a one-off retry a minute later
    world.failing = False
    world.now += timedelta(seconds=60)
    await world.schedules.fire(FRIDAY_18)  # what the retry job runs
    await world.schedules.fire(FRIDAY_18)
    assert len(world.posts) == 1


async def test_a_crash_between_the_claim_and_the_post_posts_it_at_the_restart(world: World):
    """Issue #11: the run was claimed (intent), then the process died before posting: the
    restart's catch-up posted nothing (the run was already claimed), a missed post."""
    world.store.claim_schedule_run(run_key(FRIDAY_18, world.now))  # …and killed here
    again = world.restarted()
    again.now += timedelta(seconds=5)
    await again.schedules.catch_up()
    await again.schedules.catch_up()
    assert len(again.posts) == 1


async def test_a_crash_right_after_the_post_does_not_post_it_twice(world: World):
    world.crash_after_post = True
    with pytest.raises(SystemExit):
        await world.schedules.fire(FRIDAY_18)
    again = world.restarted()
    await again.schedules.catch_up()
    await again.schedules.fire(FRIDAY_18)
    assert len(again.posts) == 1 and again.store.unsent_schedule_runs("") == []
