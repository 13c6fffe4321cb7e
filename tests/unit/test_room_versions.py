"""Power levels per room version (bot.matrix.roomversion): the creator listed in v11 and
older, never in v12 and later; what `/capabilities` says, read defensively."""

from __future__ import annotations

import pytest

from bot.matrix.roomversion import RoomVersions, creators_privileged, power_levels

BOT, ALEX, SAM = "@bot:hs", "@alex:hs", "@sam:hs"


@pytest.mark.parametrize(
    ("version", "privileged"),
    [
        *[("1", False), ("6", False), ("10", False), ("11", False), ("12", True), ("13", True)],
        *[("org.matrix.hydra.11", True), ("org.example.custom", False), ("", False)],
    ],
)
def test_which_versions_privilege_creators(version: str, privileged: bool):
    assert creators_privileged(version) is privileged


@pytest.mark.parametrize("version", ["6", "10", "11", None])
def test_the_bot_is_listed_where_the_version_needs_it(version: str | None):
    users = power_levels(version, BOT, {ALEX: 50, SAM: 50}, 100)
    assert users == {ALEX: 50, SAM: 50, BOT: 100}


def test_the_bot_is_never_listed_in_v12():
    assert power_levels("12", BOT, {ALEX: 50, SAM: 50, BOT: 100}, 100) == {ALEX: 50, SAM: 50}


def test_capabilities_give_the_default_and_the_stable_versions():
    body = {
        "capabilities": {
            "m.room_versions": {
                "default": "10",
                "available": {"10": "stable", "11": "stable", "org.x": "unstable"},
            }
        }
    }
    assert RoomVersions.from_capabilities(body) == RoomVersions("10", frozenset({"10", "11"}))


@pytest.mark.parametrize(
    "body",
    [
        {},
        [],
        {"capabilities": []},
        {"capabilities": {"m.room_versions": "12"}},
        {"capabilities": {"m.room_versions": {"default": 12, "available": []}}},
        {"capabilities": {"m.room_versions": {"default": ""}}},
    ],
)
def test_a_capabilities_answer_that_says_nothing_usable(body: object):
    assert RoomVersions.from_capabilities(body).default is None
