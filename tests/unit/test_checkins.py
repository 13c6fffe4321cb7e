from __future__ import annotations

import pytest

from bot.checkins import parse, valid_zone


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

        async def send(self, room_id, message):
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
            clock=lambda: 1e9,
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
