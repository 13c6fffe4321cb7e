"""What a sync batch asks of the bot besides its timeline: the key housekeeping nio's
sync_forever would do, keeping events that arrived before their key, and invites."""

from __future__ import annotations

import logging
import time
from typing import Any

from nio import InviteMemberEvent, MegolmEvent, SyncResponse, UnknownToDeviceEvent

from bot.config import MatrixConfig
from bot.logs import Redactor
from bot.matrix.client import BotClient
from bot.matrix.events import kept
from bot.matrix.faults import guarded
from bot.matrix.undecryptable import Undecryptable

log = logging.getLogger(__name__)
# The spec's reasons for withholding a room key (anything else is the sender's own text).
WITHHELD_CODES = ("m.unverified", "m.blacklisted", "m.unauthorised", "m.unavailable", "m.no_olm")


async def key_housekeeping(
    client: BotClient, resp: SyncResponse, undecryptable: Undecryptable, redact: Redactor
) -> None:
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    await client.send_to_device_messages()
    for ev in resp.to_device_events:
        if isinstance(ev, UnknownToDeviceEvent) and ev.type == "m.room_key.withheld":
            content = ev.source.get("content", {})
            code = content.get("code")
            code = code if code in WITHHELD_CODES else "an unknown code"  # it is logged
            log.warning("%s withheld a room key from the bot (%s)", redact.tag(ev.sender), code)
            undecryptable.withheld(str(content.get("session_id")), code)


async def keep_undecryptable(
    client: BotClient, events: list[tuple[str, Any]], undecryptable: Undecryptable
) -> None:
    for room_id, ev in events:
        if not isinstance(ev, MegolmEvent):
            continue
        with guarded(client.dropped, "undecryptable", room_id, ev):
            undecryptable.keep(kept(room_id, ev, time.time()))
            if ev.session_id not in client.outgoing_key_requests:
                await client.request_room_key(ev)


async def answer_invites(
    client: BotClient, resp: SyncResponse, matrix: MatrixConfig, redact: Redactor
) -> None:
    for room_id, info in resp.rooms.invite.items():
        with guarded(client.dropped, "invite", room_id):
            await _answer(client, room_id, _inviter(client, info.invite_state), matrix, redact)


async def answer_kept_invites(
    client: BotClient, resp: SyncResponse, matrix: MatrixConfig, redact: Redactor
) -> None:
    """After a start from kept room state: invites kept but not answered before the process
    stopped (the sync from the kept position does not bring them again)."""
    for room_id, room in list(client.invited_rooms.items()):
        if room_id in resp.rooms.invite or room_id in client.rooms:
            continue
        with guarded(client.dropped, "invite", room_id):
            inviter = getattr(room, "inviter", None)
            await _answer(
                client, room_id, inviter if isinstance(inviter, str) else None, matrix, redact
            )


def _inviter(client: BotClient, state: list[Any]) -> str | None:
    return next(
        (
            ev.sender
            for ev in state
            if isinstance(ev, InviteMemberEvent)
            and ev.state_key == client.user_id
            and ev.membership == "invite"
        ),
        None,
    )


async def _answer(
    client: BotClient, room_id: str, inviter: str | None, matrix: MatrixConfig, redact: Redactor
) -> None:
    if inviter is not None and matrix.may_invite(inviter):
        await client.join(room_id)
        log.info("joined %s (invited by %s)", redact.tag(room_id), redact.tag(inviter))
    else:
        await client.room_leave(room_id)
        log.info("declined an invite to %s from a server not allowed", redact.tag(room_id))
