"""A member's direct room with the bot: the only place anything about them is said.

A room counts only if nobody else can read what the bot says there, now or later: it is
encrypted, invite-only and not world-readable; the member and the bot are the only ones joined,
nobody else is invited, and it was made by one of the two. A room someone else made is a planted
DM (an attacker makes a room, invites the bot and a victim, and waits), even once the maker
has left. The one exception is the bot's own invitation the member has not accepted yet: the
bot made it, so only the two can ever be in it. (Synapse lists the invitee of a
trusted_private_chat among the creators of a version 12 room: the two of them are fine.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from nio import JoinedMembersResponse, RoomCreateEvent, RoomGetStateResponse

from bot.ports import RoomError


class DirectRooms:
    def __init__(self, client: Any) -> None:
        self._client = client
        self.shared: set[str] = set()  # rooms joined by reference (team, schedules): never DMs
        self._creators: dict[str, frozenset[str]] = {}  # room → who made it (never changes)
        self._made: dict[str, str] = {}  # member → the DM made for them, until a sync shows it
        self._locks: dict[str, asyncio.Lock] = {}
        client.add_event_callback(self._on_create, RoomCreateEvent)

    async def _on_create(self, room: Any, event: Any) -> None:
        """A room the bot has just joined brings its create event in the timeline: its makers
        are known then, with no request to the homeserver (else see _made_by)."""
        creators = creators_of([getattr(event, "source", None)])
        if creators:  # runs inside nio's sync processing: it must never raise
            self._creators[str(getattr(room, "room_id", ""))] = creators

    async def find_or_make(
        self, user_id: str, prefer: str | None, make: Callable[[str], Awaitable[str]]
    ) -> str:
        """`prefer` if it is the member's DM, else another one that is, else a new one."""
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        try:
            async with lock:  # two commands at once must not make two rooms
                found = await self._find(user_id, prefer)
                if found is not None:
                    return found
                room_id = await make(user_id)
                self._made[user_id] = room_id
                return room_id
        finally:
            if not lock.locked() and self._locks.get(user_id) is lock:
                del self._locks[user_id]

    async def _find(self, user_id: str, prefer: str | None) -> str | None:
        rooms = self._client.rooms
        order: list[str] = [prefer] if prefer is not None and prefer in rooms else []
        # Only rooms the member is in or invited to (nio's `users` has both): judging each of
        # 5,000 DMs took about 70 ms on a loaded machine, for every DM looked up from elsewhere.
        order += [r for r, room in rooms.items() if r != prefer and user_id in room.users]
        for room_id in order:
            if await self._is_direct(room_id, user_id):
                return str(room_id)
        made = self._made.pop(user_id, None)
        if made is not None and made not in rooms:  # made a moment ago, not synced yet
            self._made[user_id] = made
            return made
        return None

    async def _is_direct(self, room_id: str, user_id: str) -> bool:
        room = self._client.rooms.get(room_id)  # a sync may have dropped it meanwhile
        if room is not None and not room.members_synced:
            # After a restart or a gap, nio's members are the kept or lazy-loaded ones: the
            # homeserver's list first (nio would ask for it before encrypting here anyway).
            resp = await self._client.joined_members(room_id)
            if not isinstance(resp, JoinedMembersResponse):
                raise RoomError(
                    f"could not read a room's members ({getattr(resp, 'status_code', '')})"
                )
            room = self._client.rooms.get(room_id)
        bot = self._client.user_id
        # member_count is the server's count when it sent one: someone nio has not seen yet
        # counts too
        if room is None or room.member_count > 2 or room_id in self.shared:
            return False
        if not room.encrypted or room.join_rule != "invite":
            return False
        if room.history_visibility == "world_readable":
            return False
        joined = {u for u, m in room.users.items() if not m.invited}
        invited = set(room.invited_users)
        if joined == {bot, user_id} and not invited:
            creators = await self._made_by(room_id)
            return bool(creators) and creators <= {bot, user_id}
        if joined == {bot} and invited == {user_id}:  # our invitation, not accepted yet
            creators = await self._made_by(room_id)  # Synapse lists the invitee too (v12)
            return bot in creators and creators <= {bot, user_id}
        return False

    async def _made_by(self, room_id: str) -> frozenset[str]:
        """The room's creators (the create event's sender, and in room version 12 its
        additional_creators): seen in the timeline, or asked once per room (after a restart,
        nio's state for the room comes without them)."""
        known = self._creators.get(room_id)
        if known is not None:
            return known
        resp = await self._client.room_get_state(room_id)
        if not isinstance(resp, RoomGetStateResponse):
            # Not knowing must not mean a new room each time the homeserver hiccups.
            raise RoomError(f"could not read a room's state ({getattr(resp, 'status_code', '')})")
        creators = creators_of(resp.events)
        self._creators[room_id] = creators
        return creators


def creators_of(state: Any) -> frozenset[str]:
    """Who made a room, from its state events; empty (nobody trusted) if it cannot tell."""
    if not isinstance(state, list):
        return frozenset()
    for event in state:
        if not isinstance(event, dict) or event.get("type") != "m.room.create":
            continue
        if event.get("state_key") != "":
            continue
        sender, content = event.get("sender"), event.get("content")
        if not isinstance(sender, str) or not isinstance(content, dict):
            return frozenset()
        more = content.get("additional_creators", [])
        if not isinstance(more, list) or not all(isinstance(u, str) for u in more):
            return frozenset()
        return frozenset({sender, *more})
    return frozenset()
