"""A member's E2EE Matrix client for the demo, the tests and the benchmarks.

A real matrix-nio client with its own crypto store: it creates encrypted DMs, sends, and awaits
events by predicate (never by sleeping).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

from nio import (
    Api,
    AsyncClientConfig,
    EncryptionError,
    Event,
    InviteMemberEvent,
    LoginError,
    MegolmEvent,
    RoomCreateError,
    RoomMemberEvent,
    RoomMessage,
    RoomSendResponse,
    SyncResponse,
    ToDeviceEvent,
)
from nio.store import SqliteStore

from bot.logs import Redactor
from bot.matrix.crosssign import bootstrap
from bot.matrix.guard import GuardedClient
from bot.matrix.keysharing import DeviceTrust
from bot.matrix.rooms import ENCRYPTION
from store.records import CrossSigningSeeds

Predicate = Callable[[str, Any], bool]
RESYNC_PAUSE = 1.0  # seconds before a failed sync loop starts again


class Member:
    def __init__(
        self,
        homeserver: str,
        user_id: str,
        password: str,
        store_dir: Path,
        cross_sign: bool = True,
    ) -> None:
        store_dir.mkdir(parents=True, exist_ok=True)
        self.cross_sign = cross_sign  # like Element: the device is signed by its owner
        self.seeds: CrossSigningSeeds | None = None
        self.user_id = user_id
        self.password = password
        # Like Element, a member's client survives a malformed event (bot.matrix.guard).
        self.client = GuardedClient(
            homeserver,
            user_id,
            store_path=str(store_dir),
            config=AsyncClientConfig(store=SqliteStore, store_sync_tokens=True),
        )
        # Like Element with "exclude insecure devices": keys only for cross-signed devices.
        self.trust = DeviceTrust(self.client, None, "cross-signed", Redactor(b"member"))
        self.events: list[tuple[str, Any]] = []  # (room id or "" for to-device, event)
        self.sent: list[str] = []  # every text this member sent (tests look for it in logs)
        self._locked: list[tuple[str, MegolmEvent]] = []  # waiting for their room key
        self._changed = asyncio.Condition()
        self._sync_task: asyncio.Task[Any] | None = None

    async def start(self) -> None:
        resp = await self.client.login(self.password, device_name="member-test-device")
        if isinstance(resp, LoginError):
            raise RuntimeError(f"member login failed: {resp.message}")
        self.client.add_event_callback(self._on_event, Event)
        self.client.add_response_callback(self._on_sync, SyncResponse)
        self.client.add_to_device_callback(self._on_to_device, ToDeviceEvent)
        await self.client.sync(timeout=0, full_state=True)
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.cross_sign:
            await self.sign_this_device()
        self._sync_task = asyncio.create_task(self._sync_forever())

    async def _sync_forever(self) -> None:
        """nio's sync loop, started again when it fails, as a person's client keeps syncing:
        nio ends it on any error, e.g. an answer cut off when the homeserver stops."""
        while True:
            try:
                await self.client.sync_forever(
                    timeout=30_000,
                    loop_sleep_time=0,
                    # a burst must not arrive as a gap (a person would scroll back; this can't)
                    sync_filter={"room": {"timeline": {"limit": 500}}},
                )
                return
            except Exception:  # any error: the next sync may work
                await asyncio.sleep(RESYNC_PAUSE)

    async def sign_this_device(self) -> None:
        """Cross-signs this device (creating the account's identity on first use)."""
        self.seeds, _ = await bootstrap(self.client, self.seeds, self.password)

    def accept_invites(self) -> None:
        """Join every room this member is invited to (for peers that are plain clients)."""

        async def join(room: Any, event: InviteMemberEvent) -> None:
            if event.state_key == self.user_id and event.membership == "invite":
                await self.client.join(room.room_id)

        self.client.add_event_callback(join, InviteMemberEvent)

    async def _on_sync(self, response: SyncResponse) -> None:
        self.trust.invalidate(list(response.device_list.changed))
        # Like Element: an event whose key arrives later is decrypted then.
        for room_id, event in list(self._locked):
            try:
                decrypted = self.client.decrypt_event(event)
            except EncryptionError:
                continue
            self._locked.remove((room_id, event))
            async with self._changed:
                self.events.append((room_id, decrypted))
                self._changed.notify_all()

    async def _on_to_device(self, event: ToDeviceEvent) -> None:
        async with self._changed:
            self.events.append(("", event))  # to-device events belong to no room
            self._changed.notify_all()

    async def _on_event(self, room: Any, event: Event) -> None:
        if isinstance(event, MegolmEvent):
            event.room_id = room.room_id
            self._locked.append((room.room_id, event))
        async with self._changed:
            self.events.append((room.room_id, event))
            self._changed.notify_all()

    async def wait_for(self, predicate: Predicate, timeout: float = 30, start: int = 0) -> Any:
        """The first event (from index `start` on) matching `predicate`; awaits new ones."""

        async def scan() -> Any:
            async with self._changed:
                seen = start
                while True:
                    for room_id, ev in self.events[seen:]:
                        if predicate(room_id, ev):
                            return ev
                    seen = len(self.events)
                    await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    def mark(self) -> int:
        """A position in the event list: wait_for(..., start=mark) sees only what came after."""
        return len(self.events)

    async def reply_from(
        self, sender: str, room_id: str, start: int, timeout: float = 30
    ) -> RoomMessage:
        ev = await self.wait_for(
            lambda r, e: (
                r == room_id and isinstance(e, (RoomMessage, MegolmEvent)) and e.sender == sender
            ),
            timeout,
            start,
        )
        if isinstance(ev, MegolmEvent):
            raise AssertionError("the reply could not be decrypted")
        assert isinstance(ev, RoomMessage)
        return ev

    async def create_dm(self, other: str, timeout: float = 30) -> str:
        """An encrypted direct room with `other`; returns once they have joined."""
        start = self.mark()
        resp = await self.client.room_create(
            is_direct=True,
            invite=[other],
            initial_state=[ENCRYPTION],
        )
        if isinstance(resp, RoomCreateError):
            raise RuntimeError(f"room_create failed: {resp.message}")
        room_id = str(resp.room_id)
        await self.wait_for(
            lambda r, e: (
                r == room_id
                and isinstance(e, RoomMemberEvent)
                and e.state_key == other
                and e.membership == "join"
            ),
            timeout,
            start,
        )
        return room_id

    async def create_room(self, name: str, invite: list[str]) -> str:
        """A new encrypted group room (e.g. a supporters' team room)."""
        resp = await self.client.room_create(name=name, invite=invite, initial_state=[ENCRYPTION])
        if isinstance(resp, RoomCreateError):
            raise RuntimeError(f"room_create failed: {resp.message}")
        return str(resp.room_id)

    async def send(self, room_id: str, text: str) -> str:
        self.sent.append(text)
        await self.trust.prepare_room(room_id)
        resp = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.text", "body": text},
            ignore_unverified_devices=False,
        )
        await self.trust.send_withheld(room_id)
        return str(resp.event_id)

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        """An encrypted reaction, as Element sends it (nio would send it in clear)."""
        await self.trust.prepare_room(room_id)
        if self.client.olm.should_share_group_session(room_id):
            await self.client.share_group_session(room_id)
        relates = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        content = self.client.olm.group_encrypt(
            room_id, {"type": "m.reaction", "content": {"m.relates_to": relates}}
        )
        content["m.relates_to"] = relates  # in clear too, for servers' aggregation
        method, path, data = Api.room_send(
            self.client.access_token, room_id, "m.room.encrypted", content, str(uuid4())
        )
        await self.client._send(RoomSendResponse, method, path, data, response_data=(room_id,))

    async def ask(self, room_id: str, text: str, bot: str, timeout: float = 30) -> RoomMessage:
        start = self.mark()
        await self.send(room_id, text)
        return await self.reply_from(bot, room_id, start, timeout)

    async def close(self) -> None:
        if self._sync_task is not None:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sync_task
        await self.client.close()
