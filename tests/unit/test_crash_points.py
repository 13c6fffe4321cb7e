"""Deterministic crash points (issue #11): the handoff flow is stopped at every side effect it
asks of the homeserver, just before it and just after it happened, and a fresh SupportLine
over the same store finishes it. Each time: one room, one introduction, the bot has left,
the member was answered.

The points are not listed by hand: the fakes count the side effects a run without a crash
asks for, and every one of them is crashed at. FLOW below names them so that a new await
in the flow fails this test until someone looks at it: add it to FLOW once the crash at it
keeps the promises (this test then checks that it does)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bot.errors import CommandError
from bot.line import SupportLine
from tests.support.crashes import SAM, Crash, Fuse, World

MEMBER = "@alex:hs"
FLOW = [
    "send:dm",  # the member's acknowledgement
    "send:team",  # the page
    "edit:team",  # the page, edited: taken
    "find_handoff",  # a room made before a crash?
    "create_handoff",
    "send:dm",  # "Sam is here for you"
    "send:team",  # "taken by Sam"
    "send:handoff",  # the introduction
    "leave",
]


async def talk(line: SupportLine) -> None:
    await line.talk(MEMBER, "!dm-alex", "en")


async def accept(line: SupportLine) -> None:
    await line.accept("AAAA", SAM)


EVENTS = [talk, accept]  # what arrives as events: handled again after a crash until done


async def run(world: World, fuse: Fuse) -> None:
    """The flow in one process that may die; then, if it did, in a fresh one."""
    handled = 0
    line = world.process(fuse)
    world.rooms.joined_all = True  # both accept the invitation at once
    try:
        for event in EVENTS:
            await event(line)
            handled += 1
        await line.on_sync()
        return
    except (Crash, BaseException) as died:  # the page's task dies: its submitter is cancelled
        assert fuse.blown, f"the flow failed without a crash: {died!r}"
    line = world.process()  # the restart: resume, then what was not handled, then a sync
    await line.resume()
    for event in EVENTS[handled:]:
        with contextlib.suppress(CommandError):  # the router's answer ("already taken by Sam")
            await event(line)
    await line.on_sync()
    await line.on_sync()


def check(world: World, where: str) -> None:
    room = "!handoff1:hs"
    request = world.store.request("AAAA")
    assert request is not None, where
    assert world.rooms.created == 1, f"{where}: {world.rooms.created} rooms"
    assert request.handoff_room == room and request.introduced, where
    assert len(world.bodies("handoff")) == 1, f"{where}: {world.bodies('handoff')}"
    assert room not in world.rooms.present_in and world.store.rooms_to_leave() == [], where
    member = world.bodies("dm")
    assert any("contacting a peer supporter" in b or "still open" in b for b in member), (
        f"{where}: {member}"
    )
    assert sum("Sam is here for you" in b for b in member) == 1, f"{where}: {member}"
    pages = [b for b in world.bodies("team") if "New request AAAA" in b]
    assert len(pages) == 1, f"{where}: {pages}"


async def test_the_flow_without_a_crash_is_the_one_covered(tmp_path: Path):
    world = World(tmp_path / "data")
    fuse = Fuse()
    await run(world, fuse)
    check(world, "no crash")
    world.close()
    assert fuse.calls == FLOW, (
        "the handoff flow's side effects changed: check that a crash before and after the "
        "new one keeps the promises, then list it in FLOW"
    )


async def test_a_crash_at_every_point_keeps_the_promises(tmp_path: Path):
    for point in range(2 * len(FLOW)):
        world = World(tmp_path / f"p{point}")
        fuse = Fuse(blow_at=point)
        with contextlib.suppress(Crash):
            await run(world, fuse)
        where = f"crash {'after' if point % 2 else 'before'} {FLOW[point // 2]} (#{point // 2})"
        assert fuse.blown, where
        check(world, where)
        world.close()
