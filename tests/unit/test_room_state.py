"""Restarting without full state (issue #16): the rooms nio built from a batch's events are
kept with the sync position and put back at the next start, equal to what nio had, and the
sync resumes from the kept position without asking for every room's full state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from nio.rooms import MatrixInvitedRoom, MatrixRoom

from bot.matrix.keysharing import MembersUnknown
from bot.matrix.roomstate import _ATTRS, rebuild, snapshot
from bot.matrix.sync import SyncTuning
from tests.support.hostile import PEER, ROOM
from tests.support.syncpath import BOT, CLEAN, FuzzBot, marker

SAM = "@sam:localhost"
KIM = "@kim:localhost"
INVITED = "!invited:localhost"


def state(kind: str, key: str, content: dict[str, Any], n: str, sender: str = PEER) -> Any:
    return {
        "type": kind,
        "state_key": key,
        "content": content,
        "event_id": f"$st{n}",
        "sender": sender,
        "origin_server_ts": 2,
    }


def changing_batch() -> dict[str, Any]:
    """A batch that changes most of what nio keeps of ROOM (in its state and its timeline)."""
    levels = {"users": {PEER: 50, BOT: 100}, "users_default": 0, "events": {"m.room.name": 50}}
    timeline = [
        state("m.room.name", "", {"name": "a name"}, "1"),
        state("m.room.topic", "", {"topic": "a topic"}, "2"),
        state("m.room.power_levels", "", levels, "3"),
        state("m.room.member", SAM, {"membership": "invite", "displayname": "Sam S"}, "4"),
        state("m.room.member", KIM, {"membership": "join", "displayname": "Kim K"}, "5", KIM),
        state("m.room.history_visibility", "", {"history_visibility": "joined"}, "6"),
        state("m.room.join_rules", "", {"join_rule": "invite"}, "7"),
        marker("changed"),
    ]
    summary = {"m.joined_member_count": 3, "m.invited_member_count": 1, "m.heroes": [PEER]}
    room = {"timeline": {"events": timeline}, "summary": summary}
    return {"rooms": {"join": {ROOM: room}}}


def view(room: MatrixRoom) -> dict[str, Any]:
    """Everything of a room the bot or nio's sending reads (not display names: not kept)."""
    summary = room.summary
    return {
        "kind": type(room).__name__,
        "inviter": getattr(room, "inviter", None),
        "encrypted": room.encrypted,
        **{name: getattr(room, name) for name in _ATTRS},
        "levels": room.power_levels,
        "users": {u: (m.power_level, m.invited) for u, m in room.users.items()},
        "invited_users": sorted(room.invited_users),
        "summary": None if summary is None else vars(summary),
        "counts": (room.member_count, room.joined_count, room.invited_count),
        "members_synced": room.members_synced,
        "is_group": room.is_group,
    }


def views(client: Any) -> dict[str, Any]:
    return {r: view(room) for r, room in {**client.rooms, **client.invited_rooms}.items()}


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as running:
        yield running


def test_a_room_rebuilt_from_its_kept_state_equals_the_one_nio_built(
    tmp_path: Path, runner: asyncio.Runner
):
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    runner.run(bot.run_batch(changing_batch()))
    built = bot.client.rooms[ROOM]
    assert built.name == "a name" and SAM in built.invited_users and KIM in built.users
    kept = bot.store.room_states()
    assert kept is not None and set(kept) == {ROOM, CLEAN}
    for room_id, text in kept.items():
        assert view(rebuild(room_id, BOT, text)) == view(bot.client.rooms[room_id])
    assert view(rebuild(ROOM, BOT, snapshot(built))) == view(built)
    assert "Kim K" not in kept[ROOM] and "Sam S" not in kept[ROOM]  # members' own data
    runner.run(bot.close())


def test_a_restart_resumes_from_the_kept_state_without_full_state(
    tmp_path: Path, runner: asyncio.Runner, caplog: pytest.LogCaptureFixture
):
    first = FuzzBot(tmp_path)
    runner.run(first.start())
    assert first.hs.full_state_syncs == 1  # a new store: every room's state, once
    runner.run(first.run_batch(changing_batch()))
    before = views(first.client)
    runner.run(first.close())

    again = FuzzBot(tmp_path, key=first.key)
    resumed = {"rooms": {"join": {ROOM: {"timeline": {"events": [marker("again")]}}}}}
    with caplog.at_level(logging.INFO):
        runner.run(again.start(resumed))
    assert again.hs.full_state_syncs == 0 and again.loop.restored_rooms == 2
    assert again.hs.sync_waits[0] == 0  # with nothing new, ready at once (not in 30 s)
    assert views(again.client) == before
    assert again.client.rooms[ROOM].encrypted and ROOM in again.client.encrypted_rooms
    assert again.delivered("$markagain")
    assert any("2 rooms from the store" in r.getMessage() for r in caplog.records)
    runner.run(again.close())


def test_without_kept_state_for_the_position_a_start_syncs_full_state(
    tmp_path: Path, runner: asyncio.Runner
):
    first = FuzzBot(tmp_path)
    runner.run(first.start())
    first.store.commit_batch("b9", [])  # as a batch skipped past leaves it
    runner.run(first.close())
    again = FuzzBot(tmp_path, key=first.key)
    runner.run(again.start())
    assert again.hs.full_state_syncs == 1 and again.loop.restored_rooms is None
    runner.run(again.close())


def test_a_room_the_bot_left_goes_from_nio_and_the_store(tmp_path: Path, runner: asyncio.Runner):
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    left = state("m.room.member", BOT, {"membership": "leave"}, "9", BOT)
    runner.run(bot.run_batch({"rooms": {"leave": {CLEAN: {"timeline": {"events": [left]}}}}}))
    assert CLEAN not in bot.client.rooms
    assert set(bot.store.room_states() or {}) == {ROOM}
    runner.run(bot.close())


def test_an_invite_kept_but_not_answered_before_a_crash_is_answered_after_it(
    tmp_path: Path, runner: asyncio.Runner
):
    first = FuzzBot(tmp_path)
    runner.run(first.start())

    def crash() -> None:
        raise RuntimeError("the process dies after the commit")

    first.loop._tuning = SyncTuning(retry_pause=0.01, after_commit=crash)
    invite = state("m.room.member", BOT, {"membership": "invite"}, "8")
    invited = {"invite_state": {"events": [invite]}}
    batch = {
        "rooms": {
            "invite": {INVITED: invited},
            "join": {CLEAN: {"timeline": {"events": [marker("x")]}}},
        }
    }
    runner.run(first.run_batch(batch))
    assert first.hs.joined == []  # committed, never answered
    assert isinstance(first.client.invited_rooms[INVITED], MatrixInvitedRoom)
    runner.run(first.close())
    again = FuzzBot(tmp_path, key=first.key)
    runner.run(again.start())
    assert again.hs.full_state_syncs == 0
    assert [unquote(r) for r in again.hs.joined] == [INVITED]
    runner.run(again.close())


def test_a_room_the_bot_forgets_goes_from_the_store_at_once(tmp_path: Path, runner: asyncio.Runner):
    """`!exit` and the end of a handoff leave and forget the room (MatrixRooms.leave): the
    homeserver need not name a forgotten room in a sync again, so its row goes now."""
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    runner.run(bot.client.room_forget(CLEAN))
    assert CLEAN not in bot.client.rooms
    assert set(bot.store.room_states() or {}) == {ROOM}
    runner.run(bot.close())


def gap(events: list[Any], **room: Any) -> dict[str, Any]:
    """A batch whose timeline for ROOM is limited: more happened than it carries."""
    timeline = {"events": events, "limited": True, "prev_batch": "p"}
    return {"rooms": {"join": {ROOM: {"timeline": timeline, **room}}}}


def test_full_state_syncs_load_every_member_and_the_others_lazily(
    tmp_path: Path, runner: asyncio.Runner
):
    """Lazy-loaded members spare the homeserver a look at every room on every sync (#16);
    a full-state sync, the list every later batch builds on, asks for every member."""
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    runner.run(bot.run_batch({"rooms": {"join": {ROOM: {"timeline": {"events": [marker("1")]}}}}}))
    lazy = [f["room"]["state"]["lazy_load_members"] for f in bot.hs.sync_filters]
    assert bot.hs.full_state_syncs == 1 and lazy[0] is False
    assert lazy[1:] and all(lazy[1:])
    runner.run(bot.close())


def kim_joins(membership: str = "join") -> dict[str, Any]:
    """A batch: kim joins ROOM (or is invited); the server counts 3 (or 2 and 1 invited)."""
    event = state("m.room.member", KIM, {"membership": membership}, "k", KIM)
    joined, invited = (3, 0) if membership == "join" else (2, 1)
    summary = {"m.joined_member_count": joined, "m.invited_member_count": invited}
    return {"rooms": {"join": {ROOM: {"timeline": {"events": [event]}, "summary": summary}}}}


def entry(bot: FuzzBot, n: str) -> Any:
    (found,) = [e for e in bot.submitted if e.event_id == f"$mark{n}"]
    return found


def test_a_gap_whose_leave_is_not_in_the_state_renews_the_room_key(
    tmp_path: Path, runner: asyncio.Runner
):
    """After a gap a lazy-loading homeserver may name only the members who wrote in it (the
    spec allows it; Synapse sends the gap's memberships for now): kim left in the gap, and
    nothing in the batch says so. The Megolm session kim holds is dropped (even one still
    being shared), the members are loaded again before the batch's events are judged, and
    the server's count from an older sync (3) gives way to them: peer's command counts as
    said in a room of two."""
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    runner.run(bot.run_batch(kim_joins()))
    room = bot.client.rooms[ROOM]
    assert KIM in room.users and room.joined_count == 3
    bot.client.olm.create_outbound_group_session(ROOM)  # not marked shared: being shared
    held = bot.client.olm.outbound_group_sessions[ROOM]
    bot.hs.members_asked.clear()

    runner.run(bot.run_batch(gap([marker("gap")])))  # kim's leave is in the gap, not here
    assert bot.hs.members_asked == [ROOM]
    assert KIM not in room.users and room.members_synced and room.joined_count == 2
    assert bot.client.olm.outbound_group_sessions.get(ROOM) is not held
    assert entry(bot, "gap").room_members == 2 and entry(bot, "gap").is_dm
    runner.run(bot.close())


def test_a_member_invited_before_a_gap_and_joined_in_it_counts_as_joined(
    tmp_path: Path, runner: asyncio.Runner
):
    """nio saw kim's invitation; her join was in the gap. The homeserver's list names her,
    and nio (which keeps a known member's invited flag) must count her in: a third member,
    so peer's command is not from a DM."""
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    runner.run(bot.run_batch(kim_joins("invite")))
    bot.hs.joined_members[ROOM] = [PEER, BOT, KIM]
    runner.run(bot.run_batch(gap([marker("joined")])))
    room = bot.client.rooms[ROOM]
    assert KIM not in room.invited_users and not room.users[KIM].invited
    assert not entry(bot, "joined").is_dm
    runner.run(bot.close())


def test_a_room_just_joined_has_its_whole_history_and_needs_no_member_list(
    tmp_path: Path, runner: asyncio.Runner
):
    """Synapse marks the timeline of a room the bot has just joined as limited; when it
    reaches back to the room's creation, nothing is missing and nothing is asked."""
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    new = "!new:localhost"
    events = [
        state("m.room.create", "", {"creator": PEER}, "c1"),
        state("m.room.member", PEER, {"membership": "join"}, "c2"),
        state("m.room.member", BOT, {"membership": "join"}, "c3", BOT),
        {**marker("new"), "room_id": new},
    ]
    timeline = {"events": events, "limited": True, "prev_batch": "p"}
    runner.run(bot.run_batch({"rooms": {"join": {new: {"timeline": timeline}}}}))
    assert bot.hs.members_asked == [] and new not in bot.client.members_unknown
    assert entry(bot, "new").is_dm
    runner.run(bot.close())


def test_members_that_cannot_be_had_after_a_gap_lose_nothing_and_make_no_dm(
    tmp_path: Path, runner: asyncio.Runner
):
    """The homeserver answers the sync but not the member list: the batch is kept (nothing is
    lost), and the room's events count as not from a DM, in this batch and the next, until
    the homeserver lists the members; nio asks for them before it next encrypts there."""
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    bot.hs.joined_members[ROOM] = None
    runner.run(bot.run_batch(gap([marker("unsure")])))
    assert not entry(bot, "unsure").is_dm
    assert not bot.client.rooms[ROOM].members_synced
    assert bot.loop.skipped_total == 0
    after = {"rooms": {"join": {ROOM: {"timeline": {"events": [marker("next")]}}}}}
    runner.run(bot.run_batch(after))
    assert not entry(bot, "next").is_dm
    bot.hs.joined_members[ROOM] = [PEER, BOT]
    again = {"rooms": {"join": {ROOM: {"timeline": {"events": [marker("listed")]}}}}}
    runner.run(bot.run_batch(again))
    assert entry(bot, "listed").is_dm and bot.client.rooms[ROOM].members_synced
    runner.run(bot.close())


def test_a_member_list_without_someone_nio_holds_drops_the_room_key(
    tmp_path: Path, runner: asyncio.Runner
):
    """Whatever asks for the members (a send, a DM lookup, the sync after a gap): if the
    homeserver no longer lists someone nio holds, the session they may hold goes, even one
    nio has not marked shared yet (nio renews a session only for a leave it saw)."""
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    runner.run(bot.run_batch(kim_joins()))
    bot.client.olm.create_outbound_group_session(ROOM)
    runner.run(bot.client.joined_members(ROOM))  # the server lists peer and the bot
    assert ROOM not in bot.client.olm.outbound_group_sessions
    assert KIM not in bot.client.rooms[ROOM].users
    runner.run(bot.close())


def test_nothing_is_encrypted_to_a_room_whose_members_cannot_be_had(
    tmp_path: Path, runner: asyncio.Runner
):
    """nio would share the room key with the members it holds when the list cannot be had
    (after a restart or a gap, maybe someone who left): the send stops before that."""
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    bot.client.rooms[ROOM].members_synced = False
    bot.hs.joined_members[ROOM] = None
    with pytest.raises(MembersUnknown):
        runner.run(bot.trust.prepare_room(ROOM))
    assert ROOM not in bot.client.olm.outbound_group_sessions
    runner.run(bot.close())


def test_a_member_list_that_never_comes_holds_the_sync_back_only_briefly(
    tmp_path: Path, runner: asyncio.Runner, monkeypatch: pytest.MonkeyPatch
):
    """Synapse holds /joined_members for a room still being joined over federation until
    its state has arrived (minutes for a big room): the batch goes on without the list."""
    monkeypatch.setattr("bot.matrix.roomstate.RELOAD_WITHIN", 0.2)
    bot = FuzzBot(tmp_path)
    runner.run(bot.start())
    bot.hs.joined_members[ROOM] = "never"
    runner.run(bot.run_batch(gap([marker("waiting")]), timeout=10))
    assert not entry(bot, "waiting").is_dm
    assert ROOM in bot.client.members_unknown
    runner.run(bot.close())
