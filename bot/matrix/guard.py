"""A fault-proof boundary between a homeserver's answers and matrix-nio.

Why here: nio's `AsyncClient.sync()` fetches, parses and *handles* a batch (decrypting,
updating rooms, running the Olm machine) in one call, and raises out of it on the first event
it cannot take; warmline never gets the batch, so it cannot advance past it. Two layers close
that, both as overrides on nio's own client class (no patching of nio's modules, no copy of
its transport, its retries or its 429 handling):

1. Before parsing (`bot.matrix.cleaning`): the body is decoded and rebuilt from its
   well-formed parts, so nio parses only what it can take.
2. While handling (here): each step nio takes per event (decrypting a timeline event or a
   to-device message, applying one state event) and per room runs under its own guard:
   whatever it raises loses that event or room, not the batch. This layer is what stands
   between nio and the plaintext inside encrypted events, which no check can see beforehand.

Everything left out is recorded as a `Dropped` (section, reason, room, sender; never content)
for the sync loop to count and log once per batch.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from nio import BadEvent, MegolmEvent, RoomMessagesResponse, Rooms, SyncResponse
from nio.rooms import MatrixRoom

from bot.matrix.cleaning import CleaningClient
from bot.matrix.faults import guarded
from bot.matrix.shape import Dropped


def quarantined(event: Any) -> BadEvent:
    """A stand-in nio and warmline both pass over, for an event nio failed on."""

    def text(name: str) -> str:
        value = getattr(event, name, "")
        return value if isinstance(value, str) else ""

    source = getattr(event, "source", {})
    stamp = getattr(event, "server_timestamp", 0)
    return BadEvent(
        source if isinstance(source, dict) else {},
        text("event_id"),
        text("sender"),
        stamp if type(stamp) is int else 0,
        text("type") or "m.bad",
    )


class GuardedClient(CleaningClient):
    def _guard(
        self, section: str, room_id: str | None = None, event: Any = None
    ) -> contextlib.AbstractContextManager[None]:
        """A sync's step: a failed write to the store stops the batch (it comes again)."""
        return guarded(self.dropped, section, room_id, event, store_failures=True)

    async def receive_response(self, response: Any) -> None:
        if isinstance(response, SyncResponse):
            await super().receive_response(response)  # its steps are guarded below
            return
        with guarded(self.dropped, type(response).__name__):
            await super().receive_response(response)

    async def _handle_to_device(self, response: SyncResponse) -> None:
        with self._guard("to-device"):
            await super()._handle_to_device(response)

    def _handle_decrypt_to_device(self, to_device_event: Any) -> Any:
        with self._guard("to-device", None, to_device_event):
            return super()._handle_decrypt_to_device(to_device_event)
        return None

    async def _handle_invited_rooms(self, response: SyncResponse) -> None:
        for room_id, info in list(response.rooms.invite.items()):
            with self._guard("invite", room_id):
                one = dataclasses.replace(response, rooms=Rooms({room_id: info}, {}, {}))
                await super()._handle_invited_rooms(one)

    async def _handle_joined_rooms(self, response: SyncResponse) -> None:
        for room_id, info in list(response.rooms.join.items()):
            with self._guard("room", room_id):
                one = dataclasses.replace(response, rooms=Rooms({}, {room_id: info}, {}))
                await super()._handle_joined_rooms(one)

    def _handle_joined_state(self, room_id: str, join_info: Any, encrypted_rooms: set[str]) -> None:
        # nio's own method, one state event at a time: a bad member event must not keep the
        # room's m.room.encryption (after it in the list) from being applied.
        for event in join_info.state:
            with self._guard("state", room_id, event):
                one = dataclasses.replace(
                    join_info, state=[event], summary=None, unread_notifications=None
                )
                super()._handle_joined_state(room_id, one, encrypted_rooms)
        with self._guard("room", room_id):
            super()._handle_joined_state(
                room_id, dataclasses.replace(join_info, state=[]), encrypted_rooms
            )
        if room_id not in self.rooms:  # nio indexes it next
            self.rooms[room_id] = MatrixRoom(room_id, self.user_id, room_id in self.encrypted_rooms)

    def _handle_timeline_event(
        self, event: Any, room_id: str, room: Any, encrypted_rooms: set[str]
    ) -> Any:
        with self._guard("timeline", room_id, event):
            if not isinstance(event, MegolmEvent) or self.olm is None:
                return super()._handle_timeline_event(event, room_id, room, encrypted_rooms)
            # Decrypt first, apply after: nio would apply a decrypted payload that claims to be
            # a state event (a membership, power levels) to the room as if the server had.
            event.room_id = room_id
            decrypted = self.olm._decrypt_megolm_no_error(event)
            if decrypted is None:
                return None  # still locked: nio passes it on as it is
            if "state_key" in getattr(decrypted, "source", {}):
                self.dropped.append(
                    Dropped("timeline", "encrypted state event", room_id, event.sender)
                )
                return quarantined(decrypted)
            super()._handle_timeline_event(decrypted, room_id, room, encrypted_rooms)
            return decrypted
        return quarantined(event)

    async def _handle_global_account_data_events(self, response: SyncResponse) -> None:
        with self._guard("account data"):
            await super()._handle_global_account_data_events(response)

    async def _handle_expired_verifications(self) -> None:
        with self._guard("verification"):
            await super()._handle_expired_verifications()

    def _handle_olm_events(self, response: SyncResponse) -> None:
        with self._guard("device lists"):
            super()._handle_olm_events(response)

    async def _collect_key_requests(self) -> None:
        with self._guard("key requests"):
            await super()._collect_key_requests()

    def _handle_messages_response(self, response: RoomMessagesResponse) -> None:
        for index, event in enumerate(list(response.chunk)):
            one = dataclasses.replace(response, chunk=[event])
            with self._guard("history", response.room_id, event):
                super()._handle_messages_response(one)
                response.chunk[index] = one.chunk[0]
                continue
            response.chunk[index] = quarantined(event)
