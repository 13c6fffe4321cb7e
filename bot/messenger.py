"""The one place that sends: replies as m.notice with body + HTML, into encrypted rooms."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from nio import RoomSendError, RoomSendResponse

from bot.client import BotClient
from bot.logs import Redactor
from bot.text import Message

log = logging.getLogger(__name__)


class Messenger(Protocol):
    async def send(self, room_id: str, message: Message) -> str | None: ...


def content_of(message: Message) -> dict[str, Any]:
    return {
        "msgtype": "m.notice",
        "body": message.body,
        "format": "org.matrix.custom.html",
        "formatted_body": message.html,
        "m.mentions": {},
    }


class MatrixMessenger:
    def __init__(self, client: BotClient, redactor: Redactor) -> None:
        self._client = client
        self._redact = redactor

    async def send(self, room_id: str, message: Message) -> str | None:
        """Sends; returns the event id, or None after logging why it could not be sent."""
        resp = await self._client.room_send(
            room_id,
            "m.room.message",
            content_of(message),
            # Replaced by the trust policy of the E2EE trust issue (#4).
            ignore_unverified_devices=True,
        )
        if isinstance(resp, RoomSendResponse):
            return str(resp.event_id)
        reason = resp.status_code if isinstance(resp, RoomSendError) else type(resp).__name__
        log.error("could not send to %s: %s", self._redact.tag(room_id), reason)
        return None
