"""The relay's sending (bot.relay_map.RelayOut): the bot's copies of relayed events.

A copy is built from the original's plain text only: no formatted body (its mention pills
carry Matrix IDs), no reply fallback (it quotes the sender's ID), no mentions. Each send has a
transaction id derived from the original, so the homeserver turns a repeat into the first
event. Reactions are encrypted as Element sends them (nio would send them in clear).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nio import (
    Api,
    RoomCreateError,
    RoomPreset,
    RoomRedactError,
    RoomSendResponse,
    RoomVisibility,
)

from bot.logs import Redactor
from bot.matrix.client import BotClient
from bot.matrix.keysharing import DeviceTrust
from bot.matrix.messenger import MatrixMessenger
from bot.matrix.relay_media import MediaCopier
from bot.matrix.rooms import ENCRYPTION, INVITE, MODERATOR, SPEAK
from bot.matrix.roomversion import power_levels
from bot.ports import RoomError
from bot.relay_map import MEDIA, Edited, Reacted, Said

log = logging.getLogger(__name__)
MSGTYPES = {"text": "m.text", "emote": "m.emote", "notice": "m.notice"}


def message_content(kind: str, body: str, label: str | None) -> dict[str, Any]:
    content: dict[str, Any] = {"msgtype": MSGTYPES.get(kind, "m.text"), "m.mentions": {}}
    if label is None:
        content["body"] = body
        return content
    content["body"] = f"{label}: {body}"
    escaped = html.escape(body, quote=False).replace("\n", "<br>")
    content["format"] = "org.matrix.custom.html"
    content["formatted_body"] = f"<b>{html.escape(label, quote=False)}</b>: {escaped}"
    return content


class MatrixRelayOut:
    def __init__(
        self,
        client: BotClient,
        trust: DeviceTrust,
        messenger: MatrixMessenger,
        redactor: Redactor,
        limit_mb: Callable[[], int] = lambda: 10,
        *,
        room_version: Callable[[], Awaitable[str | None]],  # MatrixRooms.room_version
    ) -> None:
        self._media = MediaCopier(client, limit_mb, redactor)
        self._client = client
        self._trust = trust
        self._messenger = messenger
        self._redact = redactor
        self._room_version = room_version

    async def say(self, room: str, said: Said, label: str | None, txn: str) -> str | None:
        if said.kind == MEDIA:
            media = await self._media.content(said.body, label)
            if media is None:
                return None
            content = media
        else:
            content = message_content(said.kind, said.body, label)
        if said.reply_to is not None:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": said.reply_to}}
        return await self._messenger.send_content(room, content, txn)

    async def edit(self, room: str, edited: Edited, label: str | None, txn: str) -> str | None:
        new = message_content(edited.kind, edited.body, label)
        content = {
            **new,
            "body": "* " + new["body"],
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": edited.target},
        }
        if "formatted_body" in new:
            content["formatted_body"] = "* " + new["formatted_body"]
        return await self._messenger.send_content(room, content, txn)

    async def redact(self, room: str, target: str, txn: str) -> None:
        resp = await self._client.room_redact(room, target, tx_id=txn)
        if isinstance(resp, RoomRedactError):
            log.error("could not redact a relayed copy in %s", self._redact.tag(room))

    async def react(self, room: str, reacted: Reacted, txn: str) -> str | None:
        client = self._client
        if room not in client.rooms or client.olm is None:
            return None
        await self._trust.prepare_room(room)
        if client.olm.should_share_group_session(room):
            await client.share_group_session(room, ignore_unverified_devices=False)
        relates = {"rel_type": "m.annotation", "event_id": reacted.target, "key": reacted.key}
        content = client.olm.group_encrypt(
            room, {"type": "m.reaction", "content": {"m.relates_to": relates}}
        )
        content["m.relates_to"] = relates  # in clear too, as Element does, for aggregation
        method, path, data = Api.room_send(
            client.access_token, room, "m.room.encrypted", content, txn
        )
        resp = await client._send(RoomSendResponse, method, path, data, response_data=(room,))
        await self._trust.send_withheld(room)
        if isinstance(resp, RoomSendResponse):
            return str(resp.event_id)
        log.error("could not relay a reaction into %s", self._redact.tag(room))
        return None

    async def open_room(self, supporter: str, name: str, topic: str) -> str:
        version = await self._room_version()
        resp = await self._client.room_create(
            visibility=RoomVisibility.private,
            preset=RoomPreset.private_chat,
            name=name,
            topic=topic or None,  # discreet: no topic at all
            invite=[supporter],
            initial_state=[
                ENCRYPTION,
                {
                    "type": "m.room.history_visibility",
                    "state_key": "",
                    "content": {"history_visibility": "invited"},
                },
            ],
            room_version=version,
            # as in a handoff room: only the bot invites, the supporter is a moderator, and an
            # observer the member agreed to (at 0) can read but not write; the bot (the creator)
            # listed in v11 and older, never in v12 (bot.matrix.roomversion)
            power_level_override={
                "users": power_levels(
                    version, self._client.user_id, {supporter: MODERATOR}, INVITE
                ),
                "events_default": SPEAK,
                "invite": INVITE,
            },
        )
        if isinstance(resp, RoomCreateError):
            raise RoomError(f"could not create the relay room ({resp.status_code})")
        return str(resp.room_id)
