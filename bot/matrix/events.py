"""From a sync response to inbox entries: which events are for the bot, who sent them from
which device, and decrypting the ones that arrive before their key."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from nio import (
    EncryptionError,
    MegolmEvent,
    ReactionEvent,
    RedactionEvent,
    RoomMemberEvent,
    RoomMessage,
    RoomMessageEmote,
    RoomMessageNotice,
    RoomMessageText,
    SyncResponse,
)

from bot.matrix.client import BotClient
from bot.matrix.undecryptable import STILL_LOCKED, _StillLocked
from store import Incoming
from store.records import KeptEvent

log = logging.getLogger(__name__)
MEDIA = ("m.image", "m.file", "m.audio", "m.video")
UNKNOWN_MEMBERS = 3  # counted for a room whose members are not known: not a DM


def timeline(resp: SyncResponse, client: BotClient, first_sync: bool) -> list[tuple[str, Any]]:
    """(room id, event) of a batch that are for the bot, in order.

    Skipped: everything on the very first sync (history), the bot's own events, and events
    older than the bot's join in a room it joined during this batch."""
    if first_sync:
        return []
    out: list[tuple[str, Any]] = []
    for room_id, info in resp.rooms.join.items():
        events = list(info.timeline.events)
        for i, ev in enumerate(events):
            if _is_own_join(ev, client.user_id):
                events = events[i + 1 :]  # events before the bot joined are not for it
                break
        out += [(room_id, ev) for ev in events if _sender(ev) not in (None, client.user_id)]
    return out


def _sender(ev: Any) -> str | None:
    """The event's sender; None for what nio could not parse (such an event has none)."""
    sender = getattr(ev, "sender", None)
    return sender if isinstance(sender, str) and sender else None


def joined_in(events: list[Any], user_id: str) -> bool:
    """Whether the bot joined the room within these timeline events."""
    return any(_is_own_join(ev, user_id) for ev in events)


def _is_own_join(ev: Any, user_id: str) -> bool:
    return (
        isinstance(ev, RoomMemberEvent)
        and ev.state_key == user_id
        and ev.membership == "join"
        and ev.prev_membership != "join"
    )


def incoming(client: BotClient, room_id: str, ev: Any) -> Incoming | None:
    """The inbox entry for a decrypted (or plain) event, if it is one the bot handles."""
    room = client.rooms.get(room_id)
    encrypted = bool(room and room.encrypted)
    # The larger of the server's count (a lazy-loading sync's summary, which can be older
    # than the members nio has seen) and the members nio holds: a room is a DM only if both
    # say two, and never while its members are unknown.
    members = 0
    if room is not None:
        members = max(room.joined_count, sum(not u.invited for u in room.users.values()))
    if room_id in client.members_unknown:  # a gap left them unsure (bot.matrix.roomstate)
        members = max(members, UNKNOWN_MEMBERS)
    return _incoming(ev, room_id, encrypted, members, _sender_device(client, ev))


def kept(room_id: str, ev: MegolmEvent, now: float) -> KeptEvent:
    return KeptEvent(ev.event_id, room_id, ev.sender, ev.session_id, json.dumps(ev.source), now)


def decrypter(client: BotClient) -> Callable[[KeptEvent], Incoming | _StillLocked | None]:
    def try_decrypt(event: KeptEvent) -> Incoming | _StillLocked | None:
        megolm = MegolmEvent.from_dict(json.loads(event.source))
        if not isinstance(megolm, MegolmEvent):
            return None
        megolm.room_id = event.room_id
        try:
            decrypted = client.decrypt_event(megolm)
        except EncryptionError:
            return STILL_LOCKED
        except Exception:  # a payload nio cannot take: the event is given up, not retried
            log.warning("a kept event decrypted to something unreadable; dropped it")
            return None
        return incoming(client, event.room_id, decrypted)

    return try_decrypt


def _sender_device(client: BotClient, ev: Any) -> str | None:
    """The device that encrypted `ev`, found by its Curve25519 key; None if not decrypted or
    not (yet) known."""
    sender_key = getattr(ev, "sender_key", None)
    if not getattr(ev, "decrypted", False) or not sender_key:
        return None
    for device in client.device_store.active_user_devices(ev.sender):
        if device.curve25519 == sender_key:
            return str(device.id)
    return None


def _utf8(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _incoming(
    ev: Any, room_id: str, encrypted: bool, members: int, device: str | None
) -> Incoming | None:
    read = _kind(ev)
    if read is None:
        return None
    kind, body, relates = read
    reply_to = _reply_to(ev.source)
    if not all(_utf8(text) for text in (body, relates or "", reply_to or "")):
        return None  # decrypted text nobody can have typed (unpaired surrogates): unstorable
    return Incoming(
        event_id=ev.event_id,
        room_id=room_id,
        sender=ev.sender,
        sender_device=device,
        kind=kind,
        body=body,
        relates_to=relates,
        origin_ts=int(ev.server_timestamp),
        room_encrypted=encrypted,
        room_members=members,
        encrypted=getattr(ev, "decrypted", False) is True,
        reply_to=reply_to,
    )


def _kind(ev: Any) -> tuple[str, str, str | None] | None:
    """(kind, body, the event it relates to). Besides text and reactions (what commands
    read), what the anonymous relay passes on: emotes, notices, edits (the new text, and the
    message edited), redactions, and "other" (an attachment, say) for a note to the sender."""
    if isinstance(ev, ReactionEvent):
        return "reaction", ev.key, ev.reacts_to
    if isinstance(ev, RedactionEvent):
        return "redaction", "", ev.redacts
    if not isinstance(ev, RoomMessage):
        return None
    edit = _edit(ev.source)
    if edit is not None:
        return "edit", *edit
    if isinstance(ev, RoomMessageText):
        return "text", ev.body, None
    if isinstance(ev, RoomMessageEmote):
        return "emote", ev.body, None
    if isinstance(ev, RoomMessageNotice):
        return "notice", ev.body, None
    media = _media(ev.source)
    if media is not None:
        return "media", media, None
    return "other", "", None


def _media(source: Any) -> str | None:
    """An image, file, voice message or video, as the relay needs it (JSON: its msgtype,
    where it is, the key of an encrypted one, its declared size); None if it is not one."""
    content = source.get("content") if isinstance(source, dict) else None
    if not isinstance(content, dict) or content.get("msgtype") not in MEDIA:
        return None
    file, url = content.get("file"), content.get("url")
    given = content.get("info")
    info: dict[str, Any] = given if isinstance(given, dict) else {}
    if isinstance(file, dict) and isinstance(file.get("url"), str):
        where: dict[str, Any] = {"file": file}
    elif isinstance(url, str):
        where = {"url": url}
    else:
        return None
    size, mimetype = info.get("size"), info.get("mimetype")
    return json.dumps(
        {
            "msgtype": content["msgtype"],
            **where,
            "size": size if isinstance(size, int) else None,
            "mimetype": mimetype if isinstance(mimetype, str) else None,
        }
    )


def _edit(source: Any) -> tuple[str, str] | None:
    """An m.replace edit: (its new text, the event it edits), read defensively."""
    content = source.get("content") if isinstance(source, dict) else None
    relates = content.get("m.relates_to") if isinstance(content, dict) else None
    if not isinstance(relates, dict) or relates.get("rel_type") != "m.replace":
        return None
    target, new = relates.get("event_id"), content.get("m.new_content")  # type: ignore[union-attr]
    body = new.get("body") if isinstance(new, dict) else None
    if not isinstance(target, str) or not target or not isinstance(body, str):
        return None
    return body, target


def _reply_to(source: Any) -> str | None:
    """The event a message replies to (`m.relates_to.m.in_reply_to.event_id`), read
    defensively: the sender shapes this JSON."""
    content = source.get("content") if isinstance(source, dict) else None
    relates = content.get("m.relates_to") if isinstance(content, dict) else None
    reply = relates.get("m.in_reply_to") if isinstance(relates, dict) else None
    event_id = reply.get("event_id") if isinstance(reply, dict) else None
    return event_id if isinstance(event_id, str) and event_id else None
