"""What counts as a member's DM with the bot (bot.matrix.direct through MatrixRooms), judged
on nio's own room objects, as an attacker would try it: a planted room (someone else made it
and invited the bot and a victim), a maker who left, a third person, public join rules."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nio import (
    JoinedMembersError,
    JoinedMembersResponse,
    MatrixRoom,
    RoomCreateEvent,
    RoomCreateResponse,
    RoomGetStateError,
    RoomGetStateResponse,
    RoomMember,
    RoomSummary,
)

from bot.logs import Redactor
from bot.matrix.direct import creators_of
from bot.matrix.rooms import MatrixRooms
from bot.ports import RoomError

BOT, ALEX, EVE, BOB = "@bot:hs", "@alex:hs", "@eve:hs", "@bob:hs"


class FakeClient:
    """The few parts of nio's AsyncClient that MatrixRooms reads, with real MatrixRooms."""

    def __init__(self) -> None:
        self.user_id = BOT
        self.rooms: dict[str, MatrixRoom] = {}
        self.creators: dict[str, tuple[str, ...]] = {}
        self.state_asked: list[str] = []
        self.created: list[str] = []
        self.state_fails = False
        self.callbacks: list[tuple[Any, Any]] = []
        # The homeserver's joined members where they differ from what nio holds (a room nio
        # knows only from kept or lazy-loaded state); None: the request fails.
        self.server_members: dict[str, tuple[str, ...] | None] = {}
        self.members_asked: list[str] = []

    def add_event_callback(self, callback: Any, kind: Any) -> None:
        self.callbacks.append((callback, kind))

    def room(
        self,
        room_id: str,
        creator: str,
        joined: tuple[str, ...],
        invited: tuple[str, ...] = (),
        encrypted: bool = True,
        also_made_by: tuple[str, ...] = (),  # room version 12's additional_creators
    ) -> MatrixRoom:
        room = MatrixRoom(room_id, BOT, encrypted)
        for user in joined:
            room.add_member(user, None, None)
        for user in invited:
            room.add_member(user, None, None, invited=True)
        room.members_synced = True  # nio's members are the homeserver's (see unsure())
        self.rooms[room_id] = room
        self.creators[room_id] = (creator, *also_made_by)
        return room

    def unsure(self, room_id: str, server: tuple[str, ...] | None) -> None:
        """nio's members of the room come from kept or lazy-loaded state; the homeserver's
        list is `server` (None: it cannot be had)."""
        self.rooms[room_id].members_synced = False
        self.server_members[room_id] = server

    async def joined_members(self, room_id: str) -> Any:
        """As nio's: the listed members replace the joined ones nio holds."""
        self.members_asked.append(room_id)
        listed = self.server_members.get(room_id)
        if listed is None:
            return JoinedMembersError("unavailable", room_id=room_id)
        room = self.rooms[room_id]
        for user_id, user in list(room.users.items()):
            if not user.invited and user_id not in listed:
                room.remove_member(user_id)
        for user_id in listed:
            room.add_member(user_id, None, None)
        room.members_synced = True
        return JoinedMembersResponse([RoomMember(u, None, None) for u in listed], room_id)

    async def room_get_state(self, room_id: str) -> Any:
        self.state_asked.append(room_id)
        if self.state_fails:
            return RoomGetStateError("unavailable", room_id=room_id)
        creator, *more = self.creators[room_id]
        create = {"type": "m.room.create", "state_key": "", "sender": creator}
        create["content"] = {"room_version": "12", "additional_creators": more}
        return RoomGetStateResponse([create], room_id)

    async def room_create(self, **kwargs: Any) -> RoomCreateResponse:
        room_id = f"!new{len(self.created)}:hs"
        self.created.append(room_id)
        return RoomCreateResponse(room_id)

    async def join(self, room_id: str) -> Any:
        return None


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


def rooms(client: FakeClient) -> MatrixRooms:
    return MatrixRooms(client, Redactor(b"k" * 32))


async def test_the_members_own_dm_counts(client: FakeClient):
    client.room("!dm", ALEX, (ALEX, BOT))
    assert await rooms(client).direct_room(ALEX, prefer="!dm") == "!dm"
    assert client.created == []


async def test_a_planted_dm_is_never_used(client: FakeClient):
    """Eve made the room, invited the bot and alex, and left: alex is only invited."""
    client.room("!planted", EVE, (BOT,), invited=(ALEX,))
    assert await rooms(client).direct_room(ALEX) == "!new0:hs"


async def test_a_room_someone_else_made_counts_not_even_once_joined(client: FakeClient):
    client.room("!planted", EVE, (ALEX, BOT))  # alex accepted, eve left
    assert await rooms(client).direct_room(ALEX, prefer="!planted") == "!new0:hs"


@pytest.mark.parametrize(
    ("change", "counts"),
    [
        (lambda r: setattr(r, "join_rule", "public"), False),
        (lambda r: setattr(r, "join_rule", "knock"), False),
        (lambda r: setattr(r, "join_rule", "restricted"), False),
        (lambda r: setattr(r, "history_visibility", "world_readable"), False),
        (lambda r: setattr(r, "encrypted", False), False),
        (lambda r: r.add_member(BOB, None, None, invited=True), False),  # a third one invited
        (lambda r: r.add_member(BOB, None, None), False),  # a third one joined
        (lambda r: (r.add_member(BOB, None, None), r.remove_member(BOB)), True),  # and left
        (lambda r: r.remove_member(ALEX), False),  # alex left it
    ],
)
async def test_what_makes_a_room_private(client: FakeClient, change, counts: bool):
    change(client.room("!dm", ALEX, (ALEX, BOT)))
    found = await rooms(client).direct_room(ALEX, prefer="!dm")
    assert (found == "!dm") is counts


async def test_the_server_counting_more_members_than_nio_knows_is_not_private(client):
    room = client.room("!dm", ALEX, (ALEX, BOT))
    room.summary = RoomSummary(invited_member_count=0, joined_member_count=3)
    assert await rooms(client).direct_room(ALEX, prefer="!dm") != "!dm"


async def test_members_nio_is_unsure_of_are_asked_for_before_a_room_counts(client):
    """After a restart (kept state) or a gap (lazy-loaded members), nio may not know that a
    third person joined: the homeserver's list is asked for first, once."""
    client.room("!dm", ALEX, (ALEX, BOT))
    client.unsure("!dm", (ALEX, BOT, BOB))
    matrix = rooms(client)
    assert await matrix.direct_room(ALEX, prefer="!dm") == "!new0:hs"
    client.room("!dm2", ALEX, (ALEX, BOT))
    client.unsure("!dm2", (ALEX, BOT))
    assert await matrix.direct_room(ALEX, prefer="!dm2") == "!dm2"
    assert await matrix.direct_room(ALEX, prefer="!dm2") == "!dm2"
    assert client.members_asked == ["!dm", "!dm2"]


async def test_members_that_cannot_be_had_make_no_new_room(client: FakeClient):
    client.room("!dm", ALEX, (ALEX, BOT))
    client.unsure("!dm", None)
    with pytest.raises(RoomError):
        await rooms(client).direct_room(ALEX, prefer="!dm")
    assert client.created == []


async def test_the_team_room_is_never_a_dm_however_few_are_in_it(client: FakeClient):
    client.room("!team", ALEX, (ALEX, BOT))
    matrix = rooms(client)
    await matrix.join("!team")
    assert await matrix.direct_room(ALEX, prefer="!team") == "!new0:hs"


async def test_the_bots_own_invitation_is_reused_until_accepted(client: FakeClient):
    matrix = rooms(client)
    made = await matrix.direct_room(ALEX)
    assert await matrix.direct_room(ALEX) == made  # before a sync shows the room
    client.room(made, BOT, (BOT,), invited=(ALEX,), also_made_by=(ALEX,))  # synced, invited
    assert await matrix.direct_room(ALEX) == made
    assert client.created == [made]


async def test_the_bots_invitation_counts_after_a_restart_with_the_member_as_creator(client):
    """Synapse makes the invitee of a trusted_private_chat an additional creator (v12)."""
    client.room("!ours", BOT, (BOT,), invited=(ALEX,), also_made_by=(ALEX,))
    assert await rooms(client).direct_room(ALEX) == "!ours"


async def test_a_planted_room_listing_the_victim_as_creator_still_does_not_count(client):
    client.room("!planted", EVE, (BOT,), invited=(ALEX,), also_made_by=(ALEX,))
    client.room("!planted2", EVE, (ALEX, BOT), also_made_by=(ALEX, BOT))
    assert await rooms(client).direct_room(ALEX) == "!new0:hs"


async def test_two_asks_at_once_make_one_room(client: FakeClient):
    matrix = rooms(client)
    first, second = await asyncio.gather(matrix.direct_room(ALEX), matrix.direct_room(ALEX))
    assert first == second and len(client.created) == 1


async def test_the_maker_is_asked_once_per_room(client: FakeClient):
    client.room("!dm", ALEX, (ALEX, BOT))
    matrix = rooms(client)
    for _ in range(3):
        await matrix.direct_room(ALEX, prefer="!dm")
    assert client.state_asked == ["!dm"]


async def test_a_create_event_seen_in_the_timeline_needs_no_request(client: FakeClient):
    room = client.room("!dm", ALEX, (ALEX, BOT))
    matrix = rooms(client)
    ((callback, kind),) = client.callbacks
    create = RoomCreateEvent.from_dict(
        {
            "type": "m.room.create",
            "state_key": "",
            "sender": ALEX,
            "event_id": "$c",
            "origin_server_ts": 1,
            "content": {"room_version": "12", "additional_creators": [BOT]},
        }
    )
    assert isinstance(create, kind)
    await callback(room, create)
    assert await matrix.direct_room(ALEX, prefer="!dm") == "!dm"
    assert client.state_asked == []
    await callback(room, object())  # nothing nio could hand it makes it raise


async def test_not_knowing_the_maker_makes_no_new_room(client: FakeClient):
    client.room("!dm", ALEX, (ALEX, BOT))
    client.state_fails = True
    with pytest.raises(RoomError):
        await rooms(client).direct_room(ALEX, prefer="!dm")
    assert client.created == []


async def test_large_rooms_are_not_even_looked_into(client: FakeClient):
    client.room("!lounge", ALEX, (ALEX, BOT, BOB, EVE))
    await rooms(client).direct_room(ALEX, prefer="!lounge")
    assert client.state_asked == []


async def test_the_dm_is_found_among_many_from_the_team_room(client: FakeClient):
    for i in range(50):
        client.room(f"!other{i}", f"@m{i}:hs", (f"@m{i}:hs", BOT))
    client.room("!dm", ALEX, (ALEX, BOT))
    client.room("!team", BOB, (BOB, ALEX, EVE, BOT))
    assert await rooms(client).direct_room(ALEX, prefer="!team") == "!dm"
    assert client.state_asked == ["!dm"]


def test_creators():
    create = {"type": "m.room.create", "state_key": "", "sender": ALEX, "content": {}}
    assert creators_of([create]) == {ALEX}
    both = {**create, "content": {"additional_creators": [EVE]}}
    assert creators_of([both]) == {ALEX, EVE}
    assert creators_of([{**create, "state_key": "x"}]) == frozenset()
    assert creators_of([{**create, "content": {"additional_creators": "nope"}}]) == frozenset()
    assert creators_of("nope") == frozenset()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        JSON
        | st.fixed_dictionaries(
            {"type": st.just("m.room.create")},
            optional={"state_key": JSON, "sender": JSON, "content": JSON},
        )
    )
)
def test_creators_of_any_state_never_fails_and_trusts_only_well_formed(state):
    found = creators_of(state)
    assert isinstance(found, frozenset) and all(isinstance(u, str) for u in found)
