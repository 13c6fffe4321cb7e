"""The rooms' state across restarts (issue #16): nio keeps none, so without this every start
asks the homeserver for the full state of every room (52 s for 2,000 DMs on a loaded machine)
and nio checks each of those events against its schema again.

After each batch nio has handled, the rooms it touched are taken from nio's own room objects
(`snapshot`) and written with the sync position (store.rooms). At the next start they are put
back into `client.rooms` / `client.invited_rooms` directly (`rebuild`), with no event parsed:
the events were cleaned (bot.matrix.cleaning) and checked by nio when they first arrived.

Kept per room: what nio's MatrixRoom uses and the bot reads (encryption, join rule, history
visibility, creation, power levels, name/topic/alias, the members' IDs and whether they are
invited, the server's member counts). Not kept: display names and avatars (the bot reads
neither, and they are the members' own data), typing, receipts, unread counts, tags.
`members_synced` comes back False, as after a full-state start: nio asks for the joined members
before it first encrypts to a room.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from typing import Any

from nio import JoinedMembersResponse, RoomCreateEvent, SyncResponse
from nio.events.room_events import DefaultLevels, PowerLevels
from nio.responses import RoomSummary
from nio.rooms import MatrixInvitedRoom, MatrixRoom

from bot.matrix.faults import where
from store import Store
from store.records import RoomChanges

log = logging.getLogger(__name__)
FORMAT = 1  # a row in another format is not read: the start syncs full state instead
RELOAD_WITHIN = 2.0  # seconds a batch waits for the members of rooms a gap left unsure
_ATTRS = (
    "federate",
    "room_version",
    "room_type",
    "guest_access",
    "join_rule",
    "history_visibility",
    "canonical_alias",
    "topic",
    "name",
    "room_avatar_url",
    "replacement_room",
)


def snapshot(room: MatrixRoom) -> str:
    levels = room.power_levels
    summary = room.summary
    data: dict[str, Any] = {
        "f": FORMAT,
        "invited": isinstance(room, MatrixInvitedRoom),
        "inviter": getattr(room, "inviter", None),
        "encrypted": room.encrypted,
        **{name: getattr(room, name) for name in _ATTRS},
        "parents": sorted(room.parents),
        "children": sorted(room.children),
        "levels": [dataclasses.asdict(levels.defaults), levels.users, levels.events],
        "members": [
            [u.user_id, u.power_level, u.invited, u.user_id in room.invited_users]
            for u in room.users.values()
        ],
        "summary": None
        if summary is None
        else [summary.invited_member_count, summary.joined_member_count, summary.heroes],
    }
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def rebuild(room_id: str, own_user_id: str, text: str) -> MatrixRoom:
    """The room as nio had it when `snapshot` was taken; ValueError for a row it cannot read."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("f") != FORMAT:
        raise ValueError("a room's kept state is in a format this version does not read")
    room: MatrixRoom
    if data["invited"]:
        room = MatrixInvitedRoom(room_id, own_user_id)
        room.inviter = data["inviter"]
    else:
        room = MatrixRoom(room_id, own_user_id)
    room.encrypted = bool(data["encrypted"])
    for name in _ATTRS:
        setattr(room, name, data[name])
    room.parents, room.children = set(data["parents"]), set(data["children"])
    defaults, users, events = data["levels"]
    room.power_levels = PowerLevels(DefaultLevels(**defaults), dict(users), dict(events))
    for user_id, level, invited, listed in data["members"]:
        room.add_member(user_id, None, None, invited=bool(listed))
        user = room.users[user_id]
        user.power_level, user.invited = int(level), bool(invited)
    if data["summary"] is not None:
        room.summary = RoomSummary(*data["summary"])
    return room


def put_back(client: Any, store: Store) -> int | None:
    """Puts the rooms kept with the sync position back into nio; how many, or None if there
    are none for that position or they cannot be read (then a full-state sync is needed)."""
    states = store.room_states()
    if states is None:
        return None
    try:
        return restore(client, states)
    except Exception as exc:
        log.warning("the kept room state cannot be read (%s): syncing full state", where(exc))
        return None


def restore(client: Any, states: dict[str, str]) -> int:
    """Puts the kept rooms back into nio's client; returns how many. Raises (and puts
    nothing back) if one cannot be read."""
    rooms = {room_id: rebuild(room_id, client.user_id, text) for room_id, text in states.items()}
    for room_id, room in rooms.items():
        if isinstance(room, MatrixInvitedRoom):
            client.invited_rooms[room_id] = room
            continue
        client.rooms[room_id] = room
        if room.encrypted:
            client.encrypted_rooms.add(room_id)
            if client.olm is not None:  # as nio does for each room a sync brings
                client.olm.update_tracked_users(room)
    return len(rooms)


def changes(client: Any, resp: SyncResponse, complete: bool) -> RoomChanges | None:
    """What the batch (already handled by nio) changed; None if nio could not take one of its
    rooms, so the kept state would be behind it (the next start syncs full state).
    `complete`: a full-state batch, which names every room the bot is in or invited to."""
    joined = set(resp.rooms.join)
    invited = set(resp.rooms.invite) - joined
    kept: dict[str, str] = {}
    for room_id in joined:
        room = client.rooms.get(room_id)
        if room is None:
            return None
        kept[room_id] = snapshot(room)
    for room_id in invited:
        invite = client.invited_rooms.get(room_id)
        if invite is None:
            return None
        kept[room_id] = snapshot(invite)
    gone = frozenset(resp.rooms.leave) - joined - invited
    return RoomChanges(kept, gone, complete)


def members_unsure(client: Any, resp: SyncResponse) -> None:
    """Rooms whose members a lazy-loaded batch may not show right: those with a limited
    timeline (more happened than one sync carries) that does not reach back to the room's
    creation (a room the bot just joined has its whole history in it). Their state may name
    only the timeline's senders, so a member who joined or left in the gap never reaches nio:
    nio reloads the members before it next encrypts there, the room's Megolm session is
    dropped (a member who left in the gap holds it), and until the homeserver lists the
    members none of the room's events counts as said in a DM. Runs as soon as nio has taken
    the batch, with no I/O, so a batch that fails later (and is skipped) cannot miss it."""
    for room_id, info in resp.rooms.join.items():
        room = client.rooms.get(room_id)
        if room is None or not info.timeline.limited or _from_creation(info.timeline.events):
            continue
        room.members_synced = False
        client.members_unknown.add(room_id)
        if client.olm is not None:
            client.olm.outbound_group_sessions.pop(room_id, None)


def _from_creation(events: list[Any]) -> bool:
    return any(isinstance(ev, RoomCreateEvent) for ev in events)


async def reload_members(client: Any, room_ids: list[str]) -> None:
    """Asks the homeserver for the joined members of these rooms at once, before a batch's
    events there are judged (a DM is a room of two), for at most RELOAD_WITHIN seconds (a
    room still being joined over federation is not listed until its state has arrived).
    Rooms not listed in time stay in `client.members_unknown`."""
    unsure = [r for r in room_ids if r in client.rooms and r in client.members_unknown]
    if not unsure:
        return
    tasks = [asyncio.ensure_future(client.joined_members(r)) for r in unsure]
    done, pending = await asyncio.wait(tasks, timeout=RELOAD_WITHIN)
    for task in pending:
        task.cancel()
    failed = len(pending) + sum(
        t.cancelled()
        or t.exception() is not None
        or not isinstance(t.result(), JoinedMembersResponse)
        for t in done
    )
    if failed:
        log.warning("the members of %d room(s) could not be loaded after a gap", failed)


def forget_left(client: Any, resp: SyncResponse) -> None:
    """nio keeps a room the bot left (until a restart, where the homeserver no longer names
    it): it goes now, so the bot never takes it for a room it is in."""
    for room_id in set(resp.rooms.leave) - set(resp.rooms.join) - set(resp.rooms.invite):
        client.rooms.pop(room_id, None)
        client.invited_rooms.pop(room_id, None)
