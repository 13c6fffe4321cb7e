"""Applies the trust policy to nio: which devices get room keys, and telling the others why.

Before every send into a room the members' devices are looked up (the raw /keys/query answer,
since nio drops the cross-signing keys: kept from nio's own query after a sync named the user,
else asked for) and each is marked in nio's device store: verified when `bot.matrix.trust`
trusts it, blacklisted otherwise, so nio shares the Megolm key with exactly the trusted
devices. Trust is given to the keys nio holds for a device, not to its ID: the signed key
object must carry exactly those keys (nio's answer and ours can be separate requests, and the
homeserver could file a real signed object next to an injected device's keys). Every
excluded device gets an `m.room_key.withheld` (`m.unverified`) once per
Megolm session, so its owner's client can explain instead of showing a silent failure.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from nio import JoinedMembersResponse, ToDeviceMessage

from bot.logs import Redactor
from bot.matrix.crosssign import query_keys
from bot.matrix.keyshape import clean_keys_query
from bot.matrix.trust import Identity, JsonDict, Policy, UserKeys
from bot.ports import Verdict
from store import Store

log = logging.getLogger(__name__)
WITHHELD_REASON = (
    "warmline only shares keys with devices their owner has verified (cross-signed). "
    "Verify this session from one of your other sessions."
)


ASK_AGAIN = 2  # times a user whose devices changed while their keys were asked for is asked again


class MembersUnknown(Exception):
    """A room's members could not be had from the homeserver: nothing is encrypted there
    until they can (the send is tried again, as when the homeserver cannot be reached)."""


class DeviceTrust:
    def __init__(
        self, client: Any, store: Store | None, policy: Policy, redactor: Redactor
    ) -> None:
        self._client = client
        self._store = store
        self._policy = policy
        self._redact = redactor
        self._keys: dict[str, UserKeys] = {}
        self._withheld: set[tuple[str, str, str]] = set()  # (session id, user, device)
        # Users dropped from the cache since it started, each with the count of its last drop:
        # an answer asked for before a later drop is not kept.
        self._drops: dict[str, int] = {}
        self._dropped = itertools.count(1)
        if hasattr(client, "keys_asked"):  # the bot's client (bot.matrix.cleaning)
            client.keys_asked = self._nio_asks

    def invalidate(self, user_ids: list[str]) -> None:
        """Device lists changed (from sync): look these users up again before the next send."""
        for user_id in user_ids:
            self._keys.pop(user_id, None)
            self._drops[user_id] = next(self._dropped)

    def _nio_asks(self, user_ids: list[str]) -> Callable[[JsonDict], None] | None:
        """nio's own key query is on its way for these users (after a sync named them): its
        answer is kept for those dropped from the cache, and not dropped again meanwhile, so
        a send does not ask the same question again. Users never dropped are left out (a
        start asks nio's query about everyone the bot shares a room with); None if none is
        left."""
        marks = {u: self._drops[u] for u in user_ids if u in self._drops}
        if not marks:
            return None

        def answered(clean: JsonDict) -> None:
            for user_id, mark in marks.items():
                if self._drops.get(user_id) == mark and user_id in clean["device_keys"]:
                    self._keys[user_id] = UserKeys.from_clean(clean, user_id)

        return answered

    async def _user_keys(self, user_ids: list[str]) -> dict[str, UserKeys]:
        """Each user's keys, from the cache or asked for. An answer for a user dropped while
        the query was on its way may be older than the change: that user is asked again (at
        most ASK_AGAIN times; then none of their devices counts as cross-signed for this
        send, so nothing is trusted or pinned from an answer known to be old)."""
        found = {u: self._keys[u] for u in user_ids if u in self._keys}
        missing = [u for u in user_ids if u not in found]
        for attempt in range(ASK_AGAIN + 1):
            if not missing:
                break
            marks = {u: self._drops.get(u) for u in missing}
            clean = clean_keys_query(await query_keys(self._client, missing))
            changed = []
            for user_id in missing:
                found[user_id] = UserKeys.from_clean(clean, user_id)
                if self._drops.get(user_id) == marks[user_id]:
                    self._keys[user_id] = found[user_id]
                elif attempt < ASK_AGAIN:
                    changed.append(user_id)
                else:  # overtaken every time: no device of theirs is cross-signed for now
                    found[user_id] = UserKeys(user_id, found[user_id].devices, None, None)
            missing = changed
        return found

    def _encrypting_to(self, user_id: str) -> dict[str, Identity]:
        """The keys nio would encrypt to, per device of the user."""
        return {
            d.id: (d.ed25519, d.curve25519)
            for d in self._client.device_store.active_user_devices(user_id)
        }

    def _verdicts(self, keys: UserKeys) -> dict[str, Verdict]:
        known = self._encrypting_to(keys.user_id)
        if self._store is None:  # a member's client: no pins (policy cross-signed or all)
            return keys.verdicts(self._policy, None, known)
        pinned = self._store.pinned_master_key(keys.user_id)
        if self._policy == "tofu" and pinned is None and keys.master_pub is not None:
            self._store.pin_master_key(keys.user_id, keys.master_pub)
            pinned = keys.master_pub
        return keys.verdicts(self._policy, pinned, known)

    async def unsigned_devices(self, user_ids: list[str]) -> dict[str, list[str]]:
        """Each user's devices that are not cross-signed (fresh from the server)."""
        self.invalidate(user_ids)
        found: dict[str, list[str]] = {}
        for user_id, keys in (await self._user_keys(user_ids)).items():
            verdicts = keys.verdicts("cross-signed", None)
            found[user_id] = sorted(d for d, v in verdicts.items() if v is not Verdict.TRUSTED)
        return found

    async def approve(self, user_id: str) -> str | None:
        """Pins the user's current master key (an organizer confirmed the change)."""
        self.invalidate([user_id])
        keys = (await self._user_keys([user_id]))[user_id]
        if keys.master_pub is None or self._store is None:
            return None
        self._store.pin_master_key(user_id, keys.master_pub)
        self.invalidate([user_id])
        return keys.master_pub

    async def verdict(self, user_id: str, device_id: str | None) -> Verdict:
        """How the policy sees one sender's device (for sensitive commands)."""
        if device_id is None:
            return Verdict.NOT_CROSS_SIGNED if self._policy != "all" else Verdict.TRUSTED
        keys = (await self._user_keys([user_id]))[user_id]
        return self._verdicts(keys).get(device_id, Verdict.NOT_CROSS_SIGNED)

    async def prepare_room(self, room_id: str) -> None:
        """Marks every device in the room as verified or blacklisted per the policy."""
        client = self._client
        room = client.rooms.get(room_id)
        if room is None or not room.encrypted:
            return
        if not room.members_synced:
            resp = await client.joined_members(room_id)
            if not isinstance(resp, JoinedMembersResponse):
                # nio would go on and share the room key with the members it holds, which
                # after a restart or a gap may include someone who has left.
                raise MembersUnknown(getattr(resp, "status_code", None) or type(resp).__name__)
        if client.should_query_keys:
            await client.keys_query()
        # The bot's own other devices are included: nio shares room keys with them too.
        users = sorted(set(room.users) | {client.user_id})
        for user_id in users:  # nio knows a device our answer lacks: ask again
            cached = self._keys.get(user_id)
            known = {d.id for d in client.device_store.active_user_devices(user_id)}
            if cached is not None and not known <= cached.devices.keys():
                self.invalidate([user_id])
        changed = False
        for user_id, keys in (await self._user_keys(users)).items():
            verdicts = self._verdicts(keys)
            for device in client.device_store.active_user_devices(user_id):
                trusted = verdicts.get(device.id) is Verdict.TRUSTED
                if trusted and not client.olm.is_device_verified(device):
                    if client.olm.is_device_blacklisted(device):
                        client.unblacklist_device(device)
                        changed = True
                    client.verify_device(device)
                elif not trusted and not client.olm.is_device_blacklisted(device):
                    if client.olm.is_device_verified(device):
                        client.unverify_device(device)
                        changed = True
                    client.blacklist_device(device)
                    log.info(
                        "%s has a device the policy does not trust (%s); it gets no room keys",
                        self._redact.tag(user_id),
                        verdicts.get(device.id, Verdict.NOT_CROSS_SIGNED).value,
                    )
        if changed and room_id in client.olm.outbound_group_sessions:
            # Trust changed: a device that lost it must not read on with the key it holds,
            # and one that gained it is in nio's "ignored" set for the current session.
            client.invalidate_outbound_session(room_id)

    async def send_withheld(self, room_id: str) -> None:
        """Tells each excluded device of the room, once per Megolm session, why it has no key."""
        client = self._client
        session = client.olm.outbound_group_sessions.get(room_id)
        room = client.rooms.get(room_id)
        if session is None or room is None:
            return
        for user_id in sorted(set(room.users) | {client.user_id}):
            for device in client.device_store.active_user_devices(user_id):
                key = (session.id, user_id, device.id)
                if not client.olm.is_device_blacklisted(device) or key in self._withheld:
                    continue
                self._withheld.add(key)
                await client.to_device(
                    ToDeviceMessage(
                        "m.room_key.withheld",
                        user_id,
                        device.id,
                        {
                            "algorithm": "m.megolm.v1.aes-sha2",
                            "room_id": room_id,
                            "session_id": session.id,
                            "sender_key": client.olm.account.identity_keys["curve25519"],
                            "code": "m.unverified",
                            "reason": WITHHELD_REASON,
                        },
                    )
                )
