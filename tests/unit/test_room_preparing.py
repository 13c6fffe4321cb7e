"""A private room the homeserver holds back (room creation is rate-limited to about one a
minute): the member hears it is being prepared, the room comes when allowed, and the member
is not told twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import bot.line
from tests.support.fakes import FakeRooms
from tests.unit.test_pages import SAM, World


class HeldRooms(FakeRooms):
    def __init__(self) -> None:
        super().__init__()
        self.allow = asyncio.Event()

    async def create_handoff(
        self, member: str, supporter: str, observers: tuple[str, ...] = (), marker: str = ""
    ) -> str:
        await self.allow.wait()
        return await super().create_handoff(member, supporter, observers, marker=marker)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(bot.line, "PREPARING_AFTER", 0.05)
    w = World(tmp_path)
    w.rooms = HeldRooms()
    w.line._rooms = w.rooms  # the world's line, with rooms that hold back
    w.line.handoffs._rooms = w.rooms  # which makes the handoff rooms (bot.handoffs)
    yield w
    w.store.close()


def to_member(world: World) -> list[str]:
    return [m.body for r, m in world.messenger.sent if r == "!dm0"]


async def test_a_held_back_room_is_announced_once_and_comes_when_allowed(world):
    await world.line.talk("@m0:hs", "!dm0", "en")
    accepting = asyncio.create_task(world.line.accept("R000", SAM))
    async with asyncio.timeout(5):
        while not any("takes a little longer" in b for b in to_member(world)):
            await asyncio.sleep(0.01)
    assert world.store.request("R000").handoff_room is None  # not yet: the server holds it
    world.rooms.allow.set()
    await accepting
    assert world.store.request("R000").handoff_room == "!handoff1:hs"
    told = [b for b in to_member(world) if "is here for you" in b]
    assert len(told) == 1 and "Sam" in told[0]


async def test_a_room_made_at_once_is_announced_as_before(world):
    world.rooms.allow.set()
    await world.line.talk("@m0:hs", "!dm0", "en")
    await world.line.accept("R000", SAM)
    told = [b for b in to_member(world) if "is here for you" in b]
    assert len(told) == 1 and "takes a little longer" not in told[0]
