"""Private things stay private, on the real Synapse with real E2EE clients: a member's
answers only in their private DM, never in a shared room or a planted one; natural requests
only in a conversation with the bot; nothing that changes state from a message sent in clear."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from nio import Api, InviteMemberEvent, RoomMemberEvent, RoomMessage, RoomSendResponse

from bot.dev.botprocess import BotProcess
from bot.dev.member import Member
from bot.matrix.direct import creators_of
from tests.support.harness import BotSetup, Members, bot_messages
from tests.support.line import Line

pytestmark = pytest.mark.integration
NEUTRAL = "I've answered you privately."


def join_invites_from(member: Member, inviter: str) -> None:
    """Like a careful person: accept only the bot's invitations."""

    async def join(room: Any, event: InviteMemberEvent) -> None:
        if (
            event.state_key == member.user_id
            and event.membership == "invite"
            and event.sender == inviter
        ):
            await member.client.join(room.room_id)

    member.client.add_event_callback(join, InviteMemberEvent)


async def joined(watcher: Member, room: str, user_id: str, start: int = 0) -> None:
    await watcher.wait_for(
        lambda r, e: (
            r == room
            and isinstance(e, RoomMemberEvent)
            and e.state_key == user_id
            and e.membership == "join"
        ),
        start=start,
    )


async def shared_room(members: Members, alex: Member, bot_id: str) -> tuple[str, Member]:
    bob = await members.new("bob")
    bob.accept_invites()
    room = await alex.create_room("lounge", [bob.user_id, bot_id])
    await joined(bob, room, bot_id)
    return room, bob


async def answer_elsewhere(member: Member, bot_id: str, start: int, avoid: set[str], text: str):
    return await member.wait_for(
        lambda r, e: (
            r not in avoid and isinstance(e, RoomMessage) and e.sender == bot_id and text in e.body
        ),
        start=start,
    )


async def made_by(member: Member, room: str) -> frozenset[str]:
    state = await member.client.room_get_state(room)
    return creators_of(state.events)


async def test_a_checkin_asked_in_a_shared_room_is_answered_only_in_a_dm(
    bot: BotProcess, bot_setup: BotSetup, members: Members
):
    bot_id = bot_setup.user_id
    alex = await members.new("alex")
    join_invites_from(alex, bot_id)
    lounge, bob = await shared_room(members, alex, bot_id)
    start = alex.mark()
    await alex.send(lounge, "!checkin daily 21:17 Pacific/Auckland")
    neutral = await alex.reply_from(bot_id, lounge, start)
    assert neutral.body == NEUTRAL
    answer = await answer_elsewhere(alex, bot_id, start, {lounge}, "Pacific/Auckland")
    assert answer.decrypted and "21:17" in answer.body
    dm = next(r for r, e in alex.events if e is answer)
    assert bot_id in await made_by(alex, dm) <= {bot_id, alex.user_id}
    assert set(alex.client.rooms[dm].users) == {alex.user_id, bot_id}

    await alex.ask(lounge, "!help", bot_id)  # a barrier: all the bot said there came before
    await bob.wait_for(
        lambda r, e: r == lounge and isinstance(e, RoomMessage) and "Commands you" in e.body
    )
    said = bot_messages(bob, lounge, bot_id, 0)
    assert said[0] == NEUTRAL and len(said) == 2, said
    assert not any("Auckland" in body or "21:17" in body for body in said)


async def test_a_planted_dm_never_hears_about_the_member(
    bot: BotProcess, bot_setup: BotSetup, members: Members
):
    """Mallory makes an encrypted room, invites the bot and alex, and leaves: a DM-shaped
    room whose maker is someone else. Alex is only invited to one, and joined another."""
    bot_id = bot_setup.user_id
    alex, mallory = await members.new("alex"), await members.new("mallory")
    join_invites_from(alex, bot_id)
    planted = []
    for _ in range(2):
        room = await mallory.create_room("warmline", [bot_id, alex.user_id])
        await joined(mallory, room, bot_id)
        planted.append(room)
    await alex.client.join(planted[1])
    await joined(mallory, planted[1], alex.user_id)
    for room in planted:
        await mallory.client.room_leave(room)
    lounge, _ = await shared_room(members, alex, bot_id)

    start = alex.mark()
    await alex.send(lounge, "!tz Asia/Beirut")
    answer = await answer_elsewhere(alex, bot_id, start, {lounge, *planted}, "Asia/Beirut")
    dm = next(r for r, e in alex.events if e is answer)
    assert bot_id in await made_by(alex, dm) <= {bot_id, alex.user_id}

    start = alex.mark()
    await alex.send(planted[1], "!checkin daily 21:00")  # where alex and the bot are alone
    neutral = await alex.reply_from(bot_id, planted[1], start)
    assert neutral.body == NEUTRAL
    answer = await alex.reply_from(bot_id, dm, start)
    assert "21:00" in answer.body
    await alex.ask(planted[1], "!help", bot_id)  # barrier
    assert bot_messages(alex, planted[1], bot_id, start)[0] == NEUTRAL
    assert len(bot_messages(alex, planted[1], bot_id, start)) == 2


async def test_natural_phrases_open_requests_only_in_a_dm(line: Line, members: Members):
    lounge, _ = await shared_room(members, line.alex, line.bot_id)
    dm = await line.alex.create_dm(line.bot_id)
    await line.alex.send(lounge, "I need to talk")
    await line.sam.send(line.team, "I need to talk to someone about the rota, I need support")
    hint = await line.alex.ask(dm, "I need support for Python 3.13", line.bot_id)
    assert "Send `!help`" in hint.body
    help_start = line.alex.mark()
    help_ = await line.alex.ask(dm, "!help", line.bot_id)
    start = line.alex.mark()
    quote = "\n".join(f"> {row}" for row in [f"<{line.bot_id}>", *help_.body.splitlines()])
    await reply(line.alex, dm, help_.event_id, f"{quote}\n\nthanks!")
    await line.alex.reply_from(line.bot_id, dm, start)  # the hint, not a request

    await line.alex.ask(lounge, "!help", line.bot_id)  # barriers in both rooms
    await line.command(line.sam, "!queue", "No open requests.")
    said = bot_messages(line.alex, lounge, line.bot_id, 0)
    assert len(said) == 1 and "Commands you can use" in said[0]
    team = [e.body for r, e in line.sam.events if r == line.team and isinstance(e, RoomMessage)]
    assert not any("New request" in body for body in team)
    assert bot_messages(line.alex, dm, line.bot_id, help_start)[1:] == [
        "Hi! I'm warmline, a bot. Send `!help` to see what I can do."
    ]


async def test_a_command_sent_in_clear_into_an_encrypted_dm_is_refused(
    bot: BotProcess, bot_setup: BotSetup, members: Members
):
    """A homeserver (or a client gone wrong) can put an unencrypted event into an encrypted
    room: it proves nothing about who sent it."""
    alex = await members.new("alex")
    dm = await alex.create_dm(bot_setup.user_id)
    start = alex.mark()
    method, path, data = Api.room_send(
        alex.client.access_token,
        dm,
        "m.room.message",
        {"msgtype": "m.text", "body": "!checkin daily 21:00"},
        str(uuid4()),
    )
    await alex.client._send(RoomSendResponse, method, path, data, response_data=(dm,))
    refused = await alex.reply_from(bot_setup.user_id, dm, start)
    assert "couldn't tell which of your sessions" in refused.body
    shown = await alex.ask(dm, "!checkin", bot_setup.user_id)
    assert "You have no check-in" in shown.body


async def reply(member: Member, room: str, to: str, body: str) -> None:
    """An encrypted reply with the quote fallback older clients put in the body."""
    await member.trust.prepare_room(room)
    content = {
        "msgtype": "m.text",
        "body": body,
        "m.relates_to": {"m.in_reply_to": {"event_id": to}},
    }
    await member.client.room_send(room, "m.room.message", content, ignore_unverified_devices=False)
    await member.trust.send_withheld(room)
