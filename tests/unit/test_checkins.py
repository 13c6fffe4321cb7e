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
