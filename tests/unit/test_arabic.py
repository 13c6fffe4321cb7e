"""An Arabic member and an Arabic team read Arabic: every text in the catalogue, and every
reply the commands give (their answers and refusals), driven through the router. Latin words
may appear only inside IDs, commands, numbers and URLs (tests.support.arabic says where)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalogue import TEXTS, placeholders
from bot.text import render
from tests.support.arabic import latin_words
from tests.support.care import DM, KIM, NOOR, ORG, ROBIN, SAM, CareWorld


@pytest.mark.parametrize("key", sorted(TEXTS["ar"]))
def test_every_arabic_text_is_arabic(key: str):
    template = TEXTS["ar"][key]
    message = render(template, "rtl", **{name: "قيمة" for name in placeholders(template)})
    assert latin_words(message.body) == [], key


def test_the_check_finds_latin_words_outside_ids_commands_and_urls():
    assert latin_words(render("تم: {x} · `!talk`", "rtl", x="@sam:hs").body) == []
    assert latin_words("حذفتُ language and time zone") == ["language", "and", "time", "zone"]
    assert latin_words("انظر https://rainbow.test/help و @sam:hs و 20:00") == []


@pytest.fixture
def world(tmp_path: Path):
    w = CareWorld(tmp_path, language="ar")
    yield w
    w.close()


MEMBER = (  # Robin, in their DM, after `!lang ar`
    "!help",
    "!resources",
    "!resources housing",
    "!lang fr",
    "!checkin",
    "!checkin daily 20:00 Asia/Beirut",
    "!checkin",
    "!checkin nonsense",
    "!checkin off",
    "!tz Asia/Beirut",
    "!tz Mars/Olympus",
    "!cancel",
    "!talk",
    "!talk",
    "!cancel",
    "!yes",
    "!no",
    "!alone",
    "!accept K7F2",
    "!nonsense",
    "!forget",
    "!forget",
    "!talk",
    "!exit",
)
TEAM = (  # supporters and an organizer in the team room, the team's language Arabic
    (SAM, "!help"),
    (SAM, "!queue"),
    (SAM, "!accept ZZZZ"),
    (SAM, "!done ZZZZ"),
    (SAM, "!status"),
    (SAM, "!shift"),
    (SAM, "!sessions"),
    (SAM, "!oncall"),
    (SAM, "!oncall off"),
    (SAM, "!oncall on"),
    (SAM, "!oncall auto"),
    (SAM, "!oncall sideways"),
    (SAM, "!break 10m"),
    (SAM, "!oncall on"),
    (SAM, "!shift"),
    (SAM, "!status"),
    (SAM, "!debriefs off"),
    (SAM, "!debriefs on"),
    (SAM, "!debrief"),
    (SAM, "!flag ZZZZ"),
    (SAM, "!handover ZZZZ"),
    (SAM, "!observe ZZZZ"),
    (SAM, "!trust approve @robin:hs"),
    (SAM, "!reload"),
    (ORG, "!help"),
    (ORG, "!trust approve @robin:hs"),
    (ORG, "!sessions all"),
    (ORG, "!oncall"),
)


async def test_every_reply_to_an_arabic_member_and_team_is_arabic(world: CareWorld):
    await world.say(ROBIN, "!lang ar", room=DM)
    for body in MEMBER:
        await world.say(ROBIN, body, room=DM)
    for who, body in TEAM:
        await world.say(who, body)
    # a session from request to done, with a handover, a flag and a break on the way
    await world.say(ROBIN, "!talk", room=DM)
    request = world.request()
    await world.say(SAM, "!queue")
    await world.say(KIM, f"!accept {request.id}")  # taken below, by Sam first
    await world.say(SAM, f"!accept {request.id}")
    world.rooms.joined_all = True
    await world.line.on_sync()
    await world.say(SAM, f"!flag {request.id} صعب")
    await world.say(SAM, f"!handover {request.id} Noor")
    await world.say(ROBIN, "لا", room=DM)
    await world.say(SAM, "!sessions")
    await world.say(NOOR, f"!done {request.id}")
    await world.say(SAM, f"!done {request.id}")
    await world.say(SAM, f"!done {request.id}")
    sent = [*world.messenger.sent, *((room, m) for room, _, m in world.messenger.edits)]
    assert len(sent) > 60
    slips = {m.body: latin_words(m.body) for _, m in sent if latin_words(m.body)}
    assert slips == {}
