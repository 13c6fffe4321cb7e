"""The anonymous relay (#13) on the real Synapse, with real cross-signed E2EE clients: the
member stays in their DM, the supporter writes in a relay room, and each side's own sync
shows nothing of the other's account."""

from __future__ import annotations

import io
import json
import os
import signal
from typing import Any

import pytest
from nio import (
    MemoryDownloadResponse,
    ReactionEvent,
    RedactionEvent,
    RoomEncryptedImage,
    RoomMessage,
    UploadResponse,
)
from nio.crypto.attachments import decrypt_attachment, encrypt_attachment

from bot.dev.member import Member
from tests.support.harness import BotSetup, Members
from tests.support.line import Line, start_line

pytestmark = pytest.mark.integration
RELAY = {"handoff": {"mode": "relay", "max_attachment_mb": 1}}


async def send_file(member: Member, room: str, data: bytes, msgtype: str = "m.image") -> str:
    """An encrypted attachment, as Element sends one (with a telling file name)."""
    ciphertext, keys = encrypt_attachment(data)
    uploaded, _ = await member.client.upload(
        io.BytesIO(ciphertext), "application/octet-stream", filesize=len(ciphertext)
    )
    assert isinstance(uploaded, UploadResponse)
    file = {**keys, "url": uploaded.content_uri, "mimetype": "image/png"}
    info = {"mimetype": "image/png", "size": len(data)}
    body = f"{member.user_id}-selfie.png"
    return await send_content(
        member, room, {"msgtype": msgtype, "body": body, "file": file, "info": info}
    )


async def send_content(member: Member, room: str, content: dict[str, Any]) -> str:
    """A message as Element would send it (reply fallbacks, HTML mentions, edits)."""
    await member.trust.prepare_room(room)
    resp = await member.client.room_send(
        room, "m.room.message", content, ignore_unverified_devices=False
    )
    await member.trust.send_withheld(room)
    return str(resp.event_id)


def from_bot(line: Line, room: str, text: str):
    return lambda r, e: (
        r == room and isinstance(e, RoomMessage) and e.sender == line.bot_id and text in e.body
    )


def relates(ev: Any) -> dict[str, Any]:
    content = ev.source.get("content", {})
    return content.get("m.relates_to", {}) if isinstance(content, dict) else {}


async def relayed_session(line: Line) -> tuple[str, str, str]:
    """Alex asks, Sam accepts: (Alex's DM, Sam's relay room, the request id)."""
    dm = await line.alex.create_dm(line.bot_id)
    start_team, start_alex = line.sam.mark(), line.alex.mark()
    await line.alex.ask(dm, "I need to talk", line.bot_id)
    request_id = line.page_id(await line.page(line.sam, start_team))
    await line.sam.send(line.team, f"!accept {request_id}")
    told = await line.alex.wait_for(from_bot(line, dm, "right in this chat"), start=start_alex)
    assert "Sam (they/them)" in told.body and "never sees your account" in told.body
    intro = await line.sam.wait_for(  # the team hears "the room 'member K7F2'" too: not that
        lambda r, e: (
            isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "You are talking with" in e.body
            and f"member {request_id}" in e.body
        ),
        start=start_team,
    )
    room = next(r for r, e in line.sam.events if e is intro)
    assert room not in (dm, line.team)
    relay_room = line.sam.client.rooms[room]
    assert relay_room.encrypted and relay_room.join_rule == "invite"
    assert relay_room.power_levels.get_user_level(line.sam.user_id) == 50  # observers: 0
    return dm, room, request_id


def nothing_of(member: Member, room: str, other: Member) -> None:
    """`other`'s Matrix ID and localpart appear nowhere in what `member` has of `room`:
    events (bodies, HTML, relations, mentions), room state and member list."""
    localpart = other.user_id.split(":")[0]
    seen = [json.dumps(ev.source) for r, ev in member.events if r == room]
    for text in seen:
        assert other.user_id not in text and localpart not in text, text
    state = member.client.rooms[room]
    assert other.user_id not in state.users and other.user_id not in state.invited_users
    assert localpart not in (state.display_name or "") and localpart not in (state.topic or "")


async def test_a_relayed_session_both_ways_shows_neither_account(
    bot_setup: BotSetup, members: Members
):
    line = await start_line(bot_setup, members, extra=RELAY)
    alex, sam = line.alex, line.sam
    dm, room, request_id = await relayed_session(line)

    # text, both ways
    start = sam.mark()
    first = await alex.send(dm, "hello, this is hard to say")
    copy_first = await sam.wait_for(from_bot(line, room, "hello, this is hard to say"), start=start)
    assert copy_first.source["content"]["msgtype"] == "m.text"
    start = alex.mark()
    sams = await sam.send(room, "I'm here and listening")
    copy_sams = await alex.wait_for(from_bot(line, dm, "I'm here and listening"), start=start)
    assert copy_sams.body == "Sam (they/them): I'm here and listening"

    # a reply with Element's fallback and an HTML mention of the member's own account
    start = sam.mark()
    mention = f'<a href="https://matrix.to/#/{alex.user_id}">alex</a>'
    await send_content(
        alex,
        dm,
        {
            "msgtype": "m.text",
            "body": f"> <{line.bot_id}> Sam: I'm here\n\nthank you {alex.user_id}",
            "format": "org.matrix.custom.html",
            "formatted_body": f"<mx-reply>quoted</mx-reply>thank you {mention}",
            "m.mentions": {"user_ids": [alex.user_id]},
            "m.relates_to": {"m.in_reply_to": {"event_id": copy_sams.event_id}},
        },
    )
    reply = await sam.wait_for(from_bot(line, room, "thank you"), start=start)
    assert reply.body == f"thank you member {request_id}"
    assert relates(reply) == {"m.in_reply_to": {"event_id": sams}}
    alex.sent.append("thank you")

    # edits both ways
    start = sam.mark()
    await send_content(
        alex,
        dm,
        {
            "msgtype": "m.text",
            "body": "* hello, this is hard to write",
            "m.new_content": {"msgtype": "m.text", "body": "hello, this is hard to write"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": first},
        },
    )
    alex.sent.append("hello, this is hard to write")
    edit = await sam.wait_for(from_bot(line, room, "hard to write"), start=start)
    assert relates(edit) == {"rel_type": "m.replace", "event_id": copy_first.event_id}
    assert edit.source["content"]["m.new_content"]["body"] == "hello, this is hard to write"
    start = alex.mark()
    await send_content(
        sam,
        room,
        {
            "msgtype": "m.text",
            "body": "* I'm here, take your time",
            "m.new_content": {"msgtype": "m.text", "body": "I'm here, take your time"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": sams},
        },
    )
    sam.sent.append("I'm here, take your time")
    edit = await alex.wait_for(from_bot(line, dm, "take your time"), start=start)
    assert relates(edit) == {"rel_type": "m.replace", "event_id": copy_sams.event_id}
    assert (
        edit.source["content"]["m.new_content"]["body"]
        == "Sam (they/them): I'm here, take your time"
    )

    # reactions both ways
    start = alex.mark()
    await sam.react(room, copy_first.event_id, "🫂")
    hug = await alex.wait_for(
        lambda r, e: r == dm and isinstance(e, ReactionEvent) and e.key == "🫂", start=start
    )
    assert hug.sender == line.bot_id and hug.reacts_to == first
    start = sam.mark()
    await alex.react(dm, copy_sams.event_id, "❤️")
    heart = await sam.wait_for(
        lambda r, e: r == room and isinstance(e, ReactionEvent) and e.key == "❤️", start=start
    )
    assert heart.sender == line.bot_id and heart.reacts_to == sams

    # an image, decrypted and encrypted again with a new key, under a new media id
    start = sam.mark()
    picture = os.urandom(50_000)
    await send_file(alex, dm, picture)
    image = await sam.wait_for(
        lambda r, e: r == room and isinstance(e, RoomEncryptedImage), start=start
    )
    assert image.sender == line.bot_id and image.body == "image"
    got = await sam.client.download(mxc=image.url)
    assert isinstance(got, MemoryDownloadResponse)
    assert decrypt_attachment(got.body, image.key["k"], image.hashes["sha256"], image.iv) == picture
    assert alex.user_id not in json.dumps(image.source)
    # above the limit (1 MB here): the sender is told, nothing is passed on
    start = alex.mark()
    await send_file(alex, dm, os.urandom(1_100_000), "m.file")
    await alex.wait_for(from_bot(line, dm, "bigger than 1 MB"), start=start)

    # a redaction: the member takes their first message back
    start = sam.mark()
    await alex.client.room_redact(dm, first)
    gone = await sam.wait_for(lambda r, e: r == room and isinstance(e, RedactionEvent), start=start)
    assert gone.redacts == copy_first.event_id and gone.sender == line.bot_id

    # something that cannot be passed on gets a note, never silence
    start = alex.mark()
    await send_content(alex, dm, {"msgtype": "m.location", "body": "here", "geo_uri": "geo:1,2"})
    await alex.wait_for(from_bot(line, dm, "was not passed on"), start=start)

    # !end by the member: both sides told, the bot leaves the relay room
    start_alex, start_sam = alex.mark(), sam.mark()
    await alex.send(dm, "!end")
    await alex.wait_for(from_bot(line, dm, "has ended"), start=start_alex)
    await sam.wait_for(from_bot(line, room, f"member {request_id} has ended"), start=start_sam)
    await sam.wait_for(
        lambda r, e: (
            r == room
            and getattr(e, "state_key", None) == line.bot_id
            and getattr(e, "membership", None) == "leave"
        ),
        start=start_sam,
    )

    nothing_of(sam, room, alex)
    nothing_of(alex, dm, sam)
    await line.bot.stop()


async def test_relay_survives_kill_9_exactly_once(bot_setup: BotSetup, members: Members):
    line = await start_line(bot_setup, members, extra=RELAY)
    alex, sam = line.alex, line.sam
    dm, room, request_id = await relayed_session(line)
    start = sam.mark()
    await alex.send(dm, "before the crash")
    await sam.wait_for(from_bot(line, room, "before the crash"), start=start)

    assert await line.bot.stop(signal.SIGKILL) == -signal.SIGKILL
    await alex.send(dm, "while you were away")
    await sam.send(room, "are you still there?")
    # the next start dies right after keeping the new events, before handling them
    crashing = bot_setup.process()
    crashing.dev_args = ["--fault", "kill-after-commit"]
    await crashing.start(wait_ready=False)
    assert await crashing.wait_exit() == -signal.SIGKILL
    start_alex = alex.mark()
    await line.restart(bot_setup)
    await sam.wait_for(from_bot(line, room, "while you were away"), start=start)
    await alex.wait_for(from_bot(line, dm, "are you still there?"), start=start_alex)
    await alex.send(dm, "after the restart")  # handled after the others: nothing more comes
    await sam.wait_for(from_bot(line, room, "after the restart"), start=start)
    await sam.send(room, "after it too")
    await alex.wait_for(from_bot(line, dm, "after it too"), start=start_alex)

    def copies(member: Member, where: str, text: str, since: int) -> int:
        return sum(
            1
            for r, e in member.events[since:]
            if r == where
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and text in e.body
        )

    assert copies(sam, room, "while you were away", start) == 1
    assert copies(sam, room, "before the crash", start) == 1
    assert copies(alex, dm, "are you still there?", start_alex) == 1

    start_alex, start_sam = alex.mark(), sam.mark()
    await sam.send(room, "!done")
    await alex.wait_for(from_bot(line, dm, "has ended"), start=start_alex)
    await sam.wait_for(from_bot(line, room, f"member {request_id} has ended"), start=start_sam)
    await line.bot.stop()


async def test_ask_mode_private_chooses_the_relay(bot_setup: BotSetup, members: Members):
    line = await start_line(bot_setup, members, extra={"handoff": {"mode": "ask"}})
    alex, sam = line.alex, line.sam
    dm = await alex.create_dm(line.bot_id)
    start_team = sam.mark()
    ack = await alex.ask(dm, "I need to talk", line.bot_id)
    assert "Reply `private` to stay anonymous" in ack.body and "Rainbow Line" in ack.body
    request_id = line.page_id(await line.page(sam, start_team))  # paged without waiting
    chosen = await alex.ask(dm, "private", line.bot_id)
    assert "Private it is" in chosen.body
    start_alex = alex.mark()
    await sam.send(line.team, f"!accept {request_id}")
    await alex.wait_for(from_bot(line, dm, "right in this chat"), start=start_alex)
    await line.team_message(sam, start_team, f"you have request {request_id}, relayed")
    await line.bot.stop()
