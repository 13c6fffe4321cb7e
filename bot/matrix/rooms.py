"""Room operations the support line needs: the team room, DMs, private handoff rooms."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from nio import (
    JoinedRoomsError,
    JoinError,
    RoomCreateError,
    RoomGetStateEventError,
    RoomInviteError,
    RoomKickError,
    RoomLeaveError,
    RoomPreset,
    RoomPutStateError,
    RoomResolveAliasError,
    RoomVisibility,
)

from bot.logs import Redactor
from bot.matrix.client import not_repeated
from bot.matrix.direct import DirectRooms
from bot.matrix.roomversion import RoomVersions, power_levels, read_room_versions
from bot.ports import RoomError

log = logging.getLogger(__name__)
# Handoff rooms: the member and their supporter are moderators (50); anyone without a level
# of their own (an observer, at 0) may read but not send anything. Only the bot invites
# (100; the private_chat preset would let anyone), so nobody new comes in without the
# member's yes.
MODERATOR, SPEAK, INVITE = 50, 10, 100
NEUTRAL_NAME = "Chat"  # discreet: true: nothing in a room list says what it is for
TOPIC = "A private, end-to-end encrypted conversation with a peer supporter."
MARKER = "org.warmline.handoff"  # the state event that finds a handoff room again
GONE = ("M_FORBIDDEN", "M_NOT_FOUND")  # leaving a room the bot is not (or no longer) in
ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


class MatrixRooms:
    def __init__(
        self, client: Any, redactor: Redactor, discreet: Callable[[], bool] = lambda: False
    ) -> None:
        self._client = client
        self._redact = redactor
        self._dms = DirectRooms(client)
        self._discreet = discreet  # handoff rooms get a neutral name and no topic
        self._versions: RoomVersions | None = None  # read once (bot.matrix.roomversion)
        self._made: set[str] = set()  # handoff rooms this process created

    def handoff_room(self, room_id: str) -> bool:
        """A private room the bot created for a handoff (since it started)."""
        return room_id in self._made

    def shared(self, room_id: str) -> bool:
        """A room joined by reference (the team room, a schedule's room): nobody's own."""
        return room_id in self._dms.shared

    async def room_version(self) -> str | None:
        """The version new rooms get: the homeserver's default (None if it did not say)."""
        if self._versions is None:
            self._versions = await read_room_versions(self._client)
        return self._versions.default if self._versions is not None else None

    async def join(self, ref: str) -> str:
        """Joins a room by alias or id (no-op if joined); returns the room id."""
        room_id = ref
        if ref.startswith("#"):
            resolved = await self._client.room_resolve_alias(ref)
            if isinstance(resolved, RoomResolveAliasError):
                raise RoomError(f"the room alias in rooms.supporters does not exist ({ref})")
            room_id = resolved.room_id
        self._dms.shared.add(room_id)  # the team room, a schedule's room: never anyone's DM
        if room_id not in self._client.rooms:
            joined = await self._client.join(room_id)
            if isinstance(joined, JoinError):
                raise RoomError(
                    "the bot cannot join the supporters room: invite it there "
                    f"({joined.status_code})"
                )
        return str(room_id)

    async def direct_room(self, user_id: str, prefer: str | None = None) -> str:
        """The member's private DM with the bot (what counts: bot.matrix.direct): `prefer` if
        it is one, else another that is, else a new encrypted room with only the two."""
        return await self._dms.find_or_make(user_id, prefer, self._new_direct_room)

    async def _new_direct_room(self, user_id: str) -> str:
        resp = await self._client.room_create(
            is_direct=True,
            preset=RoomPreset.trusted_private_chat,
            invite=[user_id],
            initial_state=[ENCRYPTION],
        )
        if isinstance(resp, RoomCreateError):
            raise RoomError(f"could not open a direct message ({resp.status_code})")
        return str(resp.room_id)

    async def create_handoff(
        self, member: str, supporter: str, observers: tuple[str, ...] = (), marker: str = ""
    ) -> str:
        """A new private, encrypted, invite-only room; the member and the supporter get
        moderator power, observers none (they can read, not write). `marker` is kept in the
        room's state for `find_handoff` (overriding `events` would drop the preset's levels
        for the power levels themselves, so the marker keeps the default state level)."""
        version = await self.room_version()
        users = {member: MODERATOR, supporter: MODERATOR, **dict.fromkeys(observers, 0)}
        discreet = self._discreet()
        # A repeat could make a second room: nio must not repeat it once sent; a lost answer
        # is MaybeDone, and the room is looked for by its marker (bot.handoffs).
        with not_repeated():
            resp = await self._client.room_create(
                visibility=RoomVisibility.private,
                preset=RoomPreset.private_chat,
                name=NEUTRAL_NAME if discreet else "warmline · peer support",
                topic=None if discreet else TOPIC,
                invite=[member, supporter, *observers],
                initial_state=[
                    ENCRYPTION,
                    {
                        "type": "m.room.history_visibility",
                        "state_key": "",
                        "content": {"history_visibility": "invited"},
                    },
                    {"type": MARKER, "state_key": "", "content": {"marker": marker}},
                ],
                room_version=version,
                # The member and the supporter become moderators. The bot (the creator) is listed
                # at the top level in v11 and older (to invite, set power levels, leave), never in
                # v12, where its power is implicit (bot.matrix.roomversion).
                power_level_override={
                    "users": power_levels(version, self._client.user_id, users, INVITE),
                    "events_default": SPEAK,
                    "invite": INVITE,
                },
            )
        if isinstance(resp, RoomCreateError):
            raise RoomError(f"could not create the private room ({resp.status_code})")
        self._made.add(str(resp.room_id))
        return str(resp.room_id)

    async def find_handoff(self, member: str, supporter: str, marker: str) -> str | None:
        """Among the bot's rooms with both of them in (joined or invited), the one made with
        `marker`: after a crash between creating it and recording it, or a createRoom whose
        answer was lost. Such a room may not have come by sync yet: the rooms the homeserver
        says the bot is in and the client does not know yet are looked at too."""
        known = [
            room_id
            for room_id, room in list(self._client.rooms.items())
            if member in room.users and supporter in room.users
        ]
        joined = await self._client.joined_rooms()
        if isinstance(joined, JoinedRoomsError):
            raise RoomError(f"could not list the bot's rooms ({joined.status_code})")
        unseen = [r for r in joined.rooms if r not in self._client.rooms]
        for room_id in known + unseen:
            got = await self._client.room_get_state_event(room_id, MARKER)
            if isinstance(got, RoomGetStateEventError):
                continue  # not a handoff room (or not readable): not the one
            if got.content.get("marker") == marker:
                return str(room_id)
        return None

    def joined(self, room_id: str, user_ids: tuple[str, ...]) -> bool:
        room = self._client.rooms.get(room_id)
        return room is not None and all(
            u in room.users and not room.users[u].invited for u in user_ids
        )

    def present(self, room_id: str) -> bool:
        room = self._client.rooms.get(room_id)
        me = room.users.get(self._client.user_id) if room is not None else None
        return me is not None and not me.invited

    async def let_in(self, room_id: str, user_id: str, level: int) -> None:
        """The user's power level first (so an observer can never write, not even for a
        moment), then the invitation."""
        got = await self._client.room_get_state_event(room_id, "m.room.power_levels")
        if isinstance(got, RoomGetStateEventError):
            raise RoomError(f"could not read the room's power levels ({got.status_code})")
        content = dict(got.content)
        content["users"] = {**content.get("users", {}), user_id: level}
        content["events_default"] = max(int(content.get("events_default", 0)), SPEAK)
        content["invite"] = max(int(content.get("invite", 0)), INVITE)
        put = await self._client.room_put_state(room_id, "m.room.power_levels", content)
        if isinstance(put, RoomPutStateError):
            raise RoomError(f"could not set the room's power levels ({put.status_code})")
        invited = await self._client.room_invite(room_id, user_id)
        if isinstance(invited, RoomInviteError):
            raise RoomError(f"could not invite into the private room ({invited.status_code})")

    async def remove(self, room_id: str, user_id: str) -> None:
        kicked = await self._client.room_kick(room_id, user_id)
        if isinstance(kicked, RoomKickError):
            raise RoomError(f"could not take someone out of a room ({kicked.status_code})")

    async def leave(self, room_id: str) -> None:
        """Leaves and forgets the room; RoomError if the bot could not leave it (a room it is
        no longer in counts as left)."""
        left = await self._client.room_leave(room_id)
        if isinstance(left, RoomLeaveError) and (left.status_code or "") not in GONE:
            raise RoomError(f"could not leave a room ({left.status_code})")
        await self._client.room_forget(room_id)  # tidiness only: the bot is out either way
