"""A page the homeserver holds back (rate limits) does not hold the member's answer: under load
the page goes first, but the answer follows within ACK_WAITS_FOR_PAGE either way."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import bot.line
from tests.unit.test_pages import World


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(bot.line, "ACK_WAITS_FOR_PAGE", 0.05, raising=False)
    w = World(tmp_path)
    yield w
    w.store.close()


async def test_an_answer_does_not_wait_for_a_held_page(world: World):
    world.messenger.release.clear()  # the team room's messages are held
    first = asyncio.create_task(world.line.talk("@m0:hs", "!dm0", "en"))
    while not world.messenger.team():
        await asyncio.sleep(0)
    second = asyncio.create_task(world.line.talk("@m1:hs", "!dm1", "en"))  # pages are busy
    async with asyncio.timeout(5):
        while not any(room == "!dm1" for room, _ in world.messenger.sent):
            await asyncio.sleep(0.01)
    assert not second.done()  # its page is still on its way
    world.messenger.release.set()
    await asyncio.gather(first, second)
    assert "R001" in world.messenger.team()[-1].body
