"""The one place that sends: replies as m.notice with body + HTML, into encrypted rooms."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from nio import ErrorResponse, OlmUnverifiedDeviceError, RoomSendError, RoomSendResponse

from bot.logs import Redactor
from bot.matrix.client import BotClient
from bot.matrix.keysharing import DeviceTrust, MembersUnknown
from bot.matrix.outbox import Outbox, Urgency
from bot.patience import GaveUp, patiently
from bot.text import Message

log = logging.getLogger(__name__)
ROOM_KNOWN_WITHIN = 30.0  # seconds a new room may take to arrive by sync
SEND_PATIENCE = 300.0  # seconds a send waits for an unreachable homeserver to come back
# Sends at once, the rest wait their turn in order. The homeserver shares itself among the
# requests it holds: a hundred acknowledgements sent at once were all stored together, 1.8 s
# later, and every member waited for the last; eight at a time, the first are out in a
# fraction of that (bench.talk, burst of 100: ack p50 from 1.26x to 0.91-1.04x the echo
# client over three runs; bench.core, burst of 20: p95 as the members saw it from 1.03x to
# 0.91x the peer's).
IN_FLIGHT = 8


def content_of(message: Message) -> dict[str, Any]:
    mentions = {"user_ids": list(message.mentions)} if message.mentions else {}
    return {
        "msgtype": "m.notice",
        "body": message.body,
        "format": "org.matrix.custom.html",
        "formatted_body": message.html,
        "m.mentions": mentions,
    }


def edit_of(event_id: str, message: Message) -> dict[str, Any]:
    """An m.replace edit; it pings nobody again."""
    new = {**content_of(message), "m.mentions": {}}
    return {
        **new,
        "body": "* " + message.body,
        "formatted_body": "* " + message.html,
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
    }


class MatrixMessenger:
    def __init__(
        self,
        client: BotClient,
        trust: DeviceTrust,
        redactor: Redactor,
        team_room: Callable[[], str | None] = lambda: None,
        handoff_room: Callable[[str], bool] = lambda room_id: False,
        on_rate_limit: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`team_room`, `handoff_room`: what tells a page and an introduction from a member's
        answer while the homeserver rate-limits the bot (bot.matrix.outbox); `on_rate_limit`
        runs once per such episode."""
        self._client = client
        self._trust = trust
        self._redact = redactor
        self._team_room = team_room
        self._handoff_room = handoff_room
        self.outbox = Outbox(self._send, on_rate_limit)
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self.retry_pause = 0.5  # seconds before a send the homeserver did not answer is tried again
        client.add_response_callback(self._seen, ErrorResponse)

    async def _seen(self, response: Any) -> None:
        """nio runs this for every error answer, 429s included, before it retries one."""
        if getattr(response, "status_code", None) in ("M_LIMIT_EXCEEDED", 429):
            self.outbox.rate_limited(getattr(response, "retry_after_ms", None))

    async def send(self, room_id: str, message: Message, once: str | None = None) -> str | None:
        """Sends; returns the event id, or None after logging why it could not be sent. `once`
        becomes the transaction id: a repeat (after a crash) is answered with the same event.

        Room keys go only to the devices the trust policy trusts (see bot.matrix.keysharing)."""
        txn = None if once is None else f"warmline-{once}"
        return await self.outbox.submit(
            room_id, content_of(message), self._urgency(room_id), txn_id=txn
        )

    async def edit(self, room_id: str, event_id: str, message: Message) -> str | None:
        return await self.outbox.submit(
            room_id, edit_of(event_id, message), Urgency.LATER, (room_id, event_id)
        )

    def _urgency(self, room_id: str) -> Urgency:
        if room_id == self._team_room():
            return Urgency.PAGE
        return Urgency.INTRO if self._handoff_room(room_id) else Urgency.MEMBER

    async def send_content(
        self, room_id: str, content: dict[str, Any], txn_id: str | None = None
    ) -> str | None:
        """An m.room.message as given (the relay's copies), under the same key-sharing
        policy; `txn_id` makes a repeat after a crash return the first event."""
        return await self._send(room_id, content, txn_id)

    async def _known(self, room_id: str) -> bool:
        """Waits (a few syncs at most) until the client knows the room: one the bot has just
        created or joined is only in `client.rooms` after the sync that carries it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ROOM_KNOWN_WITHIN
        while room_id not in self._client.rooms:
            left = deadline - loop.time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._client.synced.wait(), left)
        return True

    async def _send(
        self, room_id: str, content: dict[str, Any], txn_id: str | None = None
    ) -> str | None:
        """Sends; while the homeserver cannot be reached (it restarts, the connection drops)
        it is tried again with a growing pause, for up to SEND_PATIENCE, always as the same
        transaction: a try whose answer was lost is not a second message. bench.chaos saw an
        accept's answer, escalations and a member's 'taking longer' lost to a 4 s outage
        (the key query before the send raised ServerDisconnectedError)."""
        if not await self._known(room_id):
            log.error("could not send to %s: the room never appeared", self._redact.tag(room_id))
            return None
        txn = txn_id or f"warmline-{uuid.uuid4().hex}"
        try:
            return await patiently(
                lambda: self._send_once(room_id, content, txn),
                lambda exc: isinstance(
                    exc, aiohttp.ClientError | OSError | TimeoutError | MembersUnknown
                ),
                SEND_PATIENCE,
                self.retry_pause,
            )
        except GaveUp as exc:
            log.error(
                "could not send to %s: the homeserver did not answer (%s)",
                self._redact.tag(room_id),
                type(exc.__cause__).__name__,
            )
            return None

    async def _send_once(self, room_id: str, content: dict[str, Any], txn_id: str) -> str | None:
        async with self._slots:  # a slot for the requests only: never while a room is awaited
            return await self._send_now(room_id, content, txn_id)

    async def _send_now(self, room_id: str, content: dict[str, Any], txn_id: str) -> str | None:
        for attempt in (1, 2):
            await self._trust.prepare_room(room_id)
            try:
                resp = await self._client.room_send(
                    room_id,
                    "m.room.message",
                    content,
                    tx_id=txn_id,
                    ignore_unverified_devices=False,
                )
                break
            except OlmUnverifiedDeviceError:
                if attempt == 2:
                    raise
                # A device appeared between the check and the send: look again, once.
                self._trust.invalidate(list(self._client.rooms[room_id].users))
        await self._trust.send_withheld(room_id)
        if isinstance(resp, RoomSendResponse):
            return str(resp.event_id)
        reason = resp.status_code if isinstance(resp, RoomSendError) else type(resp).__name__
        log.error("could not send to %s: %s", self._redact.tag(room_id), reason)
        return None
