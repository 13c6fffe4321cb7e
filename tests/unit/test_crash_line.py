"""The promises of issue #11, one failure or crash at a time: a member is never left in
silence, nobody is handed off twice, and the bot never stays in a room it promised to leave."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import hypothesis  # noqa: F401  (see below)
import pytest

from bot import handoff
from bot.ports import RoomError
from store import Incoming
from tests.support.crashes import SAM, TEAM, TIMING, Crash, Fuse, World, config

MEMBER = "@alex:hs"
# hypothesis is imported above so that its pytest plugin's summary does not import it after
# these crashes: on Python 3.11.7 that late import fails with "AST constructor recursion depth
# mismatch" (a CPython bug) and turns a green run of this file alone into exit status 1.


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "data")
    yield w
    w.close()


async def dies(step: object) -> None:
    """Runs one step of a process that dies in it."""
    with contextlib.suppress(Crash, BaseException):
        await step  # type: ignore[misc]


async def test_a_room_that_cannot_be_made_reopens_and_pages_again(world: World):
    async def refuse(*args: object, **kwargs: object) -> str:
        raise RoomError("could not create the private room (M_LIMIT_EXCEEDED)")

    world.rooms.create_handoff = refuse  # type: ignore[assignment, method-assign]
    line = world.process()
    await line.talk(MEMBER, "!dm-alex", "en")
    await line.accept("AAAA", SAM)
    request = world.store.request("AAAA")
    assert request is not None
    assert (request.state, request.supporter, request.handoff_room) == ("open", None, None)
    assert any("taking longer" in b for b in world.bodies("dm"))
    told = [b for b in world.bodies("team") if "could not set up the private room" in b]
    assert len(told) == 1 and "Sam" in told[0] and "AAAA" in told[0]
    pages = [b for b in world.bodies("team") if "New request AAAA" in b]
    assert len(pages) == 2 and request.page_event is not None  # paged again, ✅ works on it
    assert line.reaction_command(reaction(request.page_event)) == ("accept", "AAAA")
    await world.process().resume()  # and a restart has nothing left to fail on


def reaction(page_event: str) -> Incoming:
    return Incoming("$r", TEAM, SAM, "D", "reaction", "✅", page_event, 0, True, 5, True, None)


async def test_a_room_made_just_before_a_crash_is_found_again_not_made_twice(world: World):
    line = world.process()
    await line.talk(MEMBER, "!dm-alex", "en")
    await dies(world.process(Fuse(on="create_handoff", after=True)).accept("AAAA", SAM))
    assert world.rooms.created == 1
    stored = world.store.request("AAAA")
    assert stored is not None and stored.handoff_room is None  # made, never recorded
    await world.process().resume()
    stored = world.store.request("AAAA")
    assert world.rooms.created == 1 and stored is not None
    assert stored.handoff_room == "!handoff1:hs"
    assert any("Sam is here for you" in b for b in world.bodies("dm"))


async def test_a_request_saved_but_not_paged_before_a_crash_is_paged_at_restart(world: World):
    await dies(world.process(Fuse(on="send:team")).talk(MEMBER, "!dm-alex", "en"))
    assert world.store.request("AAAA") is not None and world.bodies("team") == []
    await world.process().resume()
    pages = [b for b in world.bodies("team") if "New request AAAA" in b]
    stored = world.store.request("AAAA")
    assert len(pages) == 1 and stored is not None and stored.page_event is not None


async def test_the_replayed_message_pages_a_request_never_paged(world: World):
    await dies(world.process(Fuse(on="send:team")).talk(MEMBER, "!dm-alex", "en"))
    await world.process().talk(MEMBER, "!dm-alex", "en")  # the same event, handled again
    assert len([b for b in world.bodies("team") if "New request AAAA" in b]) == 1


async def test_an_escalation_of_a_request_never_paged_is_a_page_a_reaction_accepts(
    world: World,
):
    await dies(world.process(Fuse(on="send:team")).talk(MEMBER, "!dm-alex", "en"))
    line = world.process()
    world.now += TIMING.ack_timeout + 1
    await line.process_due()
    stored = world.store.request("AAAA")
    assert stored is not None and stored.page_event is not None
    assert line.reaction_command(reaction(stored.page_event)) == ("accept", "AAAA")


async def accepted_and_joined(world: World) -> None:
    line = world.process()
    await line.talk(MEMBER, "!dm-alex", "en")
    await line.accept("AAAA", SAM)
    world.rooms.joined_all = True


async def test_an_introduction_that_could_not_be_sent_is_sent_later_then_the_bot_leaves(
    world: World,
):
    await accepted_and_joined(world)
    line = world.process()
    real = world.messenger.send

    async def down(room_id: str, message: object, once: str | None = None) -> str | None:
        return None  # the homeserver did not take it

    world.messenger.send = down  # type: ignore[assignment, method-assign]
    await line.on_sync()
    stored = world.store.request("AAAA")
    assert stored is not None and not stored.introduced and world.rooms.left == []
    world.messenger.send = real  # type: ignore[method-assign]
    await line.on_sync()
    assert world.bodies("handoff") and "I'm leaving now" in world.bodies("handoff")[0]
    assert world.rooms.left == ["!handoff1:hs"]


async def test_a_crash_between_the_introduction_and_leaving_never_leaves_the_bot_in(
    world: World,
):
    await accepted_and_joined(world)
    await dies(world.process(Fuse(on="send:handoff", after=True)).on_sync())
    assert world.rooms.left == []
    line = world.process()
    await line.resume()
    await line.on_sync()
    assert len(world.bodies("handoff")) == 1  # the same introduction, not a second
    assert world.rooms.left == ["!handoff1:hs"] and world.store.rooms_to_leave() == []


async def test_a_failed_leave_is_tried_again_until_it_works(world: World):
    await accepted_and_joined(world)
    line = world.process()
    real = world.rooms.leave
    tries: list[str] = []

    async def refused(room_id: str) -> None:
        tries.append(room_id)
        raise RoomError("could not leave a room (M_LIMIT_EXCEEDED)")

    world.rooms.leave = refused  # type: ignore[method-assign]
    await line.on_sync()
    assert tries and world.store.rooms_to_leave() == ["!handoff1:hs"]
    world.rooms.leave = real  # type: ignore[method-assign]
    await world.process().resume()  # or the next sync
    assert world.rooms.left == ["!handoff1:hs"] and world.store.rooms_to_leave() == []


async def test_a_crash_after_closing_before_leaving_leaves_at_restart(world: World):
    world.config, world.roster = config(bot_stays=True)
    await accepted_and_joined(world)
    await world.process().on_sync()
    assert world.rooms.left == []  # the bot stays (handoff.bot_stays)
    await dies(world.process(Fuse(on="edit:team")).done("AAAA", SAM, organizer=False))
    assert world.rooms.left == []
    await world.process().resume()
    assert world.rooms.left == ["!handoff1:hs"]


def test_an_update_never_wipes_a_field_set_meanwhile(world: World):
    opened = handoff.open_request("AAAA", MEMBER, "!dm", "en", 1000.0, TIMING, False)
    assert world.store.add_request(opened)
    world.store.set_page_event(["AAAA"], "$page")  # the page went out meanwhile
    accepted = handoff.accept(opened, SAM, 1100.0, TIMING)
    assert world.store.update_request(opened, accepted)
    stored = world.store.request("AAAA")
    assert stored is not None and stored.page_event == "$page" and stored.supporter == SAM


def test_an_update_of_a_field_changed_meanwhile_is_refused(world: World):
    opened = handoff.open_request("AAAA", MEMBER, "!dm", "en", 1000.0, TIMING, False)
    assert world.store.add_request(opened)
    first = dataclasses.replace(opened, room_marker="one")
    assert world.store.update_request(opened, first)
    assert not world.store.update_request(opened, dataclasses.replace(opened, room_marker="two"))
    stored = world.store.request("AAAA")
    assert stored is not None and stored.room_marker == "one"


async def test_the_restart_and_the_replayed_message_page_a_request_once(world: World):
    """Seen in bench.chaos: the restart paged the request while the member's message, handled
    again, paged it once more in a page combined with another member's request."""
    await dies(world.process(Fuse(on="send:team")).talk(MEMBER, "!dm-alex", "en"))
    line = world.process()
    await asyncio.gather(
        line.resume(),
        line.talk(MEMBER, "!dm-alex", "en"),
        line.talk("@cy:hs", "!dm-cy", "en"),
    )
    assert sum("AAAA" in b for b in world.bodies("team") if "New request" in b) == 1


async def test_a_done_handled_again_after_a_crash_is_answered_the_same(world: World):
    """Seen in bench.chaos: the bot closed the session and died before answering; the same
    !done, handled again after the restart, was told there is no such session."""
    await accepted_and_joined(world)
    line = world.process()
    first = await line.done("AAAA", SAM, organizer=False)
    again = await world.process().done("AAAA", SAM, organizer=False)
    assert again == first and "is closed" in again.template


async def test_a_combined_page_sent_just_before_a_crash_is_not_sent_again_in_parts(
    world: World,
):
    """Seen in bench.chaos: three requests went out in one page, the bot died before it
    recorded the page, and the restart paged two of them again, each on its own."""
    line = world.process(Fuse(on="send:team", after=True))
    members = [("@alex:hs", "!dm-alex"), ("@cy:hs", "!dm-cy"), ("@dee:hs", "!dm-dee")]
    with contextlib.suppress(Crash, BaseException):
        await asyncio.gather(*(line.talk(m, room, "en") for m, room in members))
    pages = [b for b in world.bodies("team") if "New request" in b]
    assert len(pages) == 1 and all(i in pages[0] for i in ("AAAA", "BBBB", "CCCC"))
    line = world.process()
    await asyncio.gather(line.resume(), *(line.talk(m, room, "en") for m, room in members))
    pages = [b for b in world.bodies("team") if "New request" in b]
    assert [sum(i in b for b in pages) for i in ("AAAA", "BBBB", "CCCC")] == [1, 1, 1], pages


async def test_a_reaction_on_a_page_sent_just_before_a_crash_accepts_once_it_is_recorded(
    world: World,
):
    """Seen in bench.chaos: the page went out, the bot died before recording it, the
    supporter's ✅ came before the restart had sent the same page again, and was ignored."""
    await dies(world.process(Fuse(on="send:team", after=True)).talk(MEMBER, "!dm-alex", "en"))
    ((_, page_event),) = [(k, v) for k, v in world.messenger.onces.items() if k[0] == TEAM]
    line = world.process()
    command = line.reaction_command(reaction(page_event))
    assert command == ("accept", page_event)
    await line.accept(command[1], SAM)  # what the router does with it (after its checks)
    stored = world.store.request("AAAA")
    assert stored is not None and stored.state == "open"
    await line.resume()  # the same page again, recorded: the ✅ is taken now
    stored = world.store.request("AAAA")
    assert stored is not None and stored.state == "accepted" and stored.handoff_room is not None


async def test_a_reaction_on_any_other_message_is_no_command(world: World):
    line = world.process()
    await line.talk(MEMBER, "!dm-alex", "en")
    assert line.reaction_command(reaction("$some-chat-message")) is None


async def test_a_reaction_kept_before_a_crash_is_taken_after_the_restart(world: World):
    """Seen in bench.chaos ("✅ answered"): the ✅ on a page sent just before a crash came
    while the page was still unrecorded, was held in memory, and a second crash lost it."""
    await dies(world.process(Fuse(on="send:team", after=True)).talk(MEMBER, "!dm-alex", "en"))
    ((_, page_event),) = [(k, v) for k, v in world.messenger.onces.items() if k[0] == TEAM]
    held = world.process()
    command = held.reaction_command(reaction(page_event))
    assert command == ("accept", page_event)
    await held.accept(command[1], SAM)  # kept; then this process dies before paging again
    line = world.process()
    await line.resume()  # the same page again, recorded: the kept ✅ is taken now
    stored = world.store.request("AAAA")
    assert stored is not None and stored.state == "accepted" and stored.handoff_room is not None
    assert world.store.early_accepts() == []


async def test_a_reaction_kept_on_a_page_recorded_before_a_crash_is_taken_at_restart(
    world: World,
):
    """The page was recorded but the process died before taking the kept ✅."""
    await dies(world.process(Fuse(on="send:team", after=True)).talk(MEMBER, "!dm-alex", "en"))
    ((_, page_event),) = [(k, v) for k, v in world.messenger.onces.items() if k[0] == TEAM]
    world.store.keep_early_accept(page_event, SAM, 0.0)
    world.store.set_page_event(["AAAA"], page_event)
    await world.process().resume()
    stored = world.store.request("AAAA")
    assert stored is not None and stored.state == "accepted"
    assert world.store.early_accepts() == []


def test_kept_reactions_are_bounded(world: World):
    for i in range(130):
        world.store.keep_early_accept(f"$e{i}", SAM, 1_000_000.0 + i)
    kept = world.store.early_accepts()
    assert len(kept) == 100 and kept[0][0] == "$e30"
    world.store.keep_early_accept("$late", SAM, 1_000_000.0 + 86_400 + 200)
    assert [e for e, _ in world.store.early_accepts()] == ["$late"]


@pytest.mark.parametrize("after", [False, True])
async def test_a_crash_at_the_give_up_still_tells_the_member_once(world: World, after: bool):
    """Issue #11: the give-up was recorded, then the process died before (or as) the
    member was told that nobody is free: at the restart nobody told them, ever."""
    await world.process().talk(MEMBER, "!dm-alex", "en")
    world.now += TIMING.give_up_after + 1
    await dies(world.process(Fuse(on="send:dm", after=after)).process_due())
    stored = world.store.request("AAAA")
    assert stored is not None and stored.gave_up
    await world.process().resume()
    await world.process().resume()
    gave_up = [m for r, m in world.messenger.sent if r == "!dm-alex"][1:]  # after the ack
    assert len(gave_up) == 1, gave_up
    assert len([b for b in world.bodies("team") if "without a supporter" in b]) == 1


async def test_a_room_recorded_meanwhile_by_another_path_is_not_left(world: World):
    """bench.chaos: after a kill between making the room and recording it, the restart's
    resume and the replayed `!accept` both set it up; the one holding an older copy of the
    request found the room the other had just recorded, took it for a second room and left
    it before the introduction: the member never got one."""
    line = world.process(Fuse(on="create_handoff", after=True))
    await line.talk(MEMBER, "!dm-alex", "en")
    await dies(line.accept("AAAA", SAM))
    stale = world.store.request("AAAA")
    assert stale is not None and stale.room_marker is not None and stale.handoff_room is None
    again = world.process()
    recorded = await again.handoffs.room_for(stale)  # the resume: found by its marker
    assert recorded is not None and recorded.handoff_room is not None
    assert await again.handoffs.room_for(stale) is None  # the replayed accept, older copy
    assert world.rooms.left == [] and world.store.rooms_to_leave() == []


@pytest.mark.parametrize("after", [False, True])
async def test_a_cancel_handled_again_after_a_crash_is_answered_the_same_once(
    world: World, after: bool
):
    """bench.chaos: killed after the request was withdrawn, before (or as) the member was
    told; the replayed !cancel answered "You have no open request" and never "withdrawn"."""
    await world.process().talk(MEMBER, "!dm-alex", "en")
    dying = world.process(Fuse(on="send:dm", after=after))
    await dies(dying.cancel(MEMBER, "!dm-alex", "en", "$cancel"))
    stored = world.store.request("AAAA")
    assert stored is not None and stored.state == "cancelled"
    await world.process().cancel(MEMBER, "!dm-alex", "en", "$cancel")  # the same event again
    replies = [m.body for r, m in world.messenger.sent if r == "!dm-alex"][1:]  # after the ack
    assert len(replies) == 1 and "withdrawn" in replies[0], replies
    await world.process().cancel(MEMBER, "!dm-alex", "en", "$cancel-2")  # a new !cancel
    replies = [m.body for r, m in world.messenger.sent if r == "!dm-alex"][1:]
    assert "no open request" in replies[-1], replies
