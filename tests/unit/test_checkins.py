from __future__ import annotations

import pytest

from bot.checkins import parse
from bot.config import ConfigError
from bot.config import parse as parse_config
from bot.config_values import valid_zone
from bot.shifts import parse_shift

AT_2000 = 1_796_673_605.0  # 2026-12-07 20:00:05 UTC: a daily 20:00 check-in is due


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        ("daily 20:00", ("daily", "20:00", None)),
        ("mon,thu 19:30", ("mon,thu", "19:30", None)),
        ("Mon-Wed 7:05 Asia/Beirut", ("mon,tue,wed", "07:05", "Asia/Beirut")),
        ("sat,sun 10:00 Europe/Berlin", ("sat,sun", "10:00", "Europe/Berlin")),
    ],
)
def test_parse(args, parsed):
    assert parse(args) == parsed


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "daily",
        "20:00",
        "daily 25:00",
        "someday 10:00",
        "daily 10:00 Mars/Olympus",
        "daily 10:00 extra words",
    ],
)
def test_parse_refuses(bad):
    with pytest.raises(ValueError):
        parse(bad)


def test_zones():
    assert valid_zone("Asia/Beirut") and valid_zone("UTC")
    assert not valid_zone("Beirut") and not valid_zone("../etc/passwd")


CONFIG = "matrix:\n  homeserver: https://hs\n  user_id: '@bot:hs'\nstore:\n  path: x\n"


@pytest.mark.parametrize("zone", ["EST", "Europe/Berlin", "UTC", "Mars/Olympus"])
def test_the_config_and_tz_take_the_same_zones(zone: str):
    """One rule: the config accepted EST while `!tz EST` refused it."""
    try:
        parse_config(CONFIG + f"roster:\n  timezone: {zone}\n", "c.yaml")
        in_config = True
    except ConfigError:
        in_config = False
    assert in_config == valid_zone(zone) == (zone != "EST" and zone != "Mars/Olympus")


@pytest.mark.parametrize("time", ["7:05", "07:05", "23:59", "0:00", "24:00", "25:00", "7:5"])
def test_shifts_and_check_ins_read_times_alike(time: str):
    """One rule: shifts refused 7:05 while check-ins took it; 24:00 only ends a shift."""
    try:
        parse(f"daily {time}")
        in_checkin = True
    except ValueError:
        in_checkin = False
    try:
        parse_shift(f"daily 00:00-{time}" if time != "0:00" else "daily 0:00-1:00")
        in_shift = True
    except ValueError:
        in_shift = False
    assert in_checkin == (time not in ("24:00", "25:00", "7:5"))
    assert in_shift == (time not in ("25:00", "7:5"))


async def test_a_checkin_that_could_not_be_sent_is_retried_and_sent_once(tmp_path):
    from bot.catalogue import Catalogue
    from bot.checkins import Checkins
    from bot.schedules import make_scheduler
    from store import Store
    from store.records import Checkin
    from store.secret import parse as parse_key
    from tests.support.fakes import FakeRooms

    class Flaky:
        def __init__(self) -> None:
            self.up = False
            self.sent: list[str] = []

        async def send(self, room_id, message, once=None):
            if not self.up:
                return None
            self.sent.append(room_id)
            return "$ok"

    store = Store(tmp_path / "data", parse_key("c3" * 32, "test"))
    try:
        messenger = Flaky()
        scheduler = make_scheduler()
        checkins = Checkins(
            store,
            Catalogue(),
            messenger,
            FakeRooms({"!dm": "@a:hs"}),
            "UTC",
            scheduler,
            clock=lambda: AT_2000,
        )
        store.set_checkin(Checkin("@a:hs", "daily", "20:00", "!dm"))
        await checkins._fire("@a:hs")
        assert messenger.sent == [] and len(scheduler.get_jobs()) == 1  # the retry
        messenger.up = True
        await checkins._fire("@a:hs", 1)
        await checkins._fire("@a:hs", 1)  # a second run in the same minute
        assert messenger.sent == ["!dm"]
    finally:
        store.close()


@pytest.mark.parametrize("sent_before_the_crash", [False, True])
async def test_a_checkin_claimed_before_a_crash_is_sent_once_at_the_restart(
    tmp_path, sent_before_the_crash: bool
):
    """Issue #11: the run was claimed, the process died before (or just after) the send: the
    restart sent nothing (missed), or must not send it twice."""
    from bot.catalogue import Catalogue
    from bot.checkins import Checkins
    from bot.schedules import make_scheduler
    from store import Store
    from store.records import Checkin
    from store.secret import parse as parse_key
    from tests.support.fakes import FakeRooms, RecordingMessenger

    class Dies(RecordingMessenger):
        async def send(self, room_id, message, once=None):
            if sent_before_the_crash:
                await super().send(room_id, message, once)
            raise SystemExit("killed")

    store = Store(tmp_path / "data", parse_key("c4" * 32, "test"))
    homeserver = Dies()
    try:
        store.set_checkin(Checkin("@a:hs", "daily", "20:00", "!dm"))

        def process(messenger: RecordingMessenger) -> Checkins:
            rooms = FakeRooms({"!dm": "@a:hs"})
            return Checkins(
                store, Catalogue(), messenger, rooms, "UTC", make_scheduler(), clock=lambda: AT_2000
            )

        with pytest.raises(SystemExit):
            await process(homeserver)._fire("@a:hs")
        again = RecordingMessenger()
        again.sent, again.onces = homeserver.sent, homeserver.onces  # the same homeserver
        restarted = process(again)
        await restarted.resume()
        await restarted.resume()
        await restarted._fire("@a:hs")  # the same minute's job, run again
        assert [room for room, _ in again.sent] == ["!dm"]
    finally:
        store.close()


async def test_a_checkin_due_while_the_bot_was_down_is_sent_once_at_the_start(tmp_path):
    """Issue #11: the jobs are rebuilt at start from now on, so a check-in whose minute
    passed during a restart was missed until the next day."""
    from bot.catalogue import Catalogue
    from bot.checkins import Checkins
    from bot.schedules import make_scheduler
    from store import Store
    from store.records import Checkin
    from store.secret import parse as parse_key
    from tests.support.fakes import FakeRooms, RecordingMessenger

    store = Store(tmp_path / "data", parse_key("c5" * 32, "test"))
    try:
        store.set_checkin(Checkin("@a:hs", "daily", "20:00", "!dm"))
        messenger, rooms = RecordingMessenger(), FakeRooms({"!dm": "@a:hs"})
        late = AT_2000 + 120  # up again at 20:02
        checkins = Checkins(
            store, Catalogue(), messenger, rooms, "UTC", make_scheduler(), clock=lambda: late
        )
        await checkins.resume()
        await checkins.resume()
        await checkins._fire("@a:hs")  # apscheduler's late run of the same 20:00
        assert [room for room, _ in messenger.sent] == ["!dm"]
    finally:
        store.close()
