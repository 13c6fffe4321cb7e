"""Member safety (issue #13) on the real Synapse with real E2EE clients: the promise in the
first answer, and `!exit` leaving nothing the bot said readable in the member's DM."""

from __future__ import annotations

import asyncio

import pytest
from nio import (
    MegolmEvent,
    RedactedEvent,
    RedactionEvent,
    RoomMemberEvent,
    RoomMessage,
    RoomMessagesResponse,
)

from tests.support.harness import BotSetup, Members
from tests.support.line import Line, start_line

pytestmark = pytest.mark.integration
PROMISE = "nobody outside the team is contacted unless you ask"


def bot_messages(line: Line, dm: str) -> list[str]:
    """The ids of the bot's messages in the DM, as the member's own sync brought them."""
    return [
        e.event_id
        for r, e in line.alex.events
        if r == dm and isinstance(e, (RoomMessage, MegolmEvent)) and e.sender == line.bot_id
    ]


async def new_page(line: Line, start: int) -> str:
    """The id on the next page in the team room: a new one, not an edit of an earlier page
    (which Sam's client may sync only after the organizer's has seen the reply to them)."""
    page = await line.sam.wait_for(
        lambda r, e: (
            r == line.team
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "New request" in e.body
            and "m.new_content" not in e.source["content"]
        ),
        start=start,
    )
    return line.page_id(page)


async def test_exit_takes_back_every_bot_message_and_leaves(line: Line):
    dm = await line.alex.create_dm(line.bot_id)
    start_team = line.sam.mark()
    ack = await line.alex.ask(dm, "I need to talk", line.bot_id)
    assert PROMISE in ack.body and "`!exit`" in ack.body  # the promise, in the first answer
    page = await line.page(line.sam, start_team)
    request_id = line.page_id(page)
    await line.alex.ask(dm, "!resources", line.bot_id)
    said = bot_messages(line, dm)
    assert len(said) == 2

    start = line.alex.mark()
    await line.alex.send(dm, "!exit")

    # from the member's own sync: each of the bot's messages is redacted, the bot leaves
    redacted: set[str] = set()
    while not set(said) <= redacted:
        ev = await line.alex.wait_for(
            lambda r, e: r == dm and isinstance(e, RedactionEvent) and e.redacts not in redacted,
            start=start,
        )
        assert ev.sender == line.bot_id
        redacted.add(ev.redacts)
    await line.alex.wait_for(
        lambda r, e: (
            r == dm
            and isinstance(e, RoomMemberEvent)
            and e.state_key == line.bot_id
            and e.membership == "leave"
        ),
        start=start,
    )
    last = await line.alex.reply_from(line.bot_id, dm, start)
    assert "delete it" in last.body and "support" not in last.body.lower()
    # the page says it was withdrawn, and the team never learns who
    await line.team_message(line.sam, start_team, "withdrawn by the member")
    await line.command(line.sam, f"!accept {request_id}", f"{request_id} was withdrawn")

    # and the DM's history, read afresh by the member: only the last words are left
    history = await line.alex.client.room_messages(dm, limit=100)
    assert isinstance(history, RoomMessagesResponse)
    readable = [
        e
        for e in history.chunk
        if getattr(e, "sender", None) == line.bot_id
        and not isinstance(e, (RedactedEvent, RoomMemberEvent))
        and e.source.get("type") in ("m.room.message", "m.room.encrypted")
        and e.source.get("content")
    ]
    assert [e.event_id for e in readable] == [last.event_id]


async def test_a_block_turns_the_member_away_until_it_is_lifted_or_expires(line: Line):
    dm = await line.alex.create_dm(line.bot_id)
    start_team = line.sam.mark()
    await line.alex.ask(dm, "I need to talk", line.bot_id)
    first = await new_page(line, start_team)
    start_alex = line.alex.mark()
    await line.command(line.sam, f"!accept {first}", f"Sam, you have request {first}")
    await line.alex.reply_from(line.bot_id, dm, start_alex)  # "Sam is here for you"

    # during the session: Sam blocks; the session ends and the member hears it calmly
    start_alex = line.alex.mark()
    done = await line.command(line.sam, f"!block {first} 7d rude", "is blocked until")
    assert line.alex.user_id not in done.body and "rude" not in done.body
    told = await line.alex.reply_from(line.bot_id, dm, start_alex)
    assert "can't pass on requests" in told.body and "Rainbow Line" in told.body
    again = await line.alex.ask(dm, "I need to talk", line.bot_id)
    assert "can't pass on requests" in again.body and "Rainbow Line" in again.body
    await line.command(line.sam, "!queue", "No open requests")  # nobody was paged
    listed = await line.command(line.org, "!blocks", "Blocks in force")
    assert first in listed.body and "rude" in listed.body  # organizers see the reason
    await line.sam.wait_for(lambda r, e: getattr(e, "event_id", None) == listed.event_id)
    listed = await line.command(line.sam, "!blocks", "Blocks in force")  # a new answer
    assert first in listed.body and "rude" not in listed.body
    status = await line.command(line.org, "!status", "Blocks in force: 1")
    assert line.alex.user_id not in status.body

    # lifted: the member is paged again; blocked for a moment, then the block expires
    await line.command(line.org, f"!unblock {first}", "is lifted")
    start_team = line.sam.mark()
    ack = await line.alex.ask(dm, "I need to talk", line.bot_id)
    assert "contacting a peer supporter" in ack.body
    second = await new_page(line, start_team)
    start_alex = line.alex.mark()
    await line.command(line.org, f"!block {second} 3s", "is blocked until")
    blocked_at = asyncio.get_running_loop().time()
    await line.alex.reply_from(line.bot_id, dm, start_alex)  # the calm answer
    await asyncio.sleep(max(0.0, blocked_at + 4 - asyncio.get_running_loop().time()))
    start_team = line.sam.mark()
    ack = await line.alex.ask(dm, "I need to talk", line.bot_id)
    assert "contacting a peer supporter" in ack.body  # the block has expired
    assert await new_page(line, start_team) not in (first, second)


async def test_discreet_first_lines_and_room_names(bot_setup: BotSetup, members: Members):
    line = await start_line(bot_setup, members, extra={"discreet": True})
    try:
        dm = await line.alex.create_dm(line.bot_id)
        start_team = line.sam.mark()
        ack = await line.alex.ask(dm, "I need to talk", line.bot_id)
        assert ack.body.splitlines()[0] == "New message"  # all a lock screen shows
        assert "peer supporter" in ack.body  # the message itself is whole
        page = await line.page(line.sam, start_team)
        assert page.body.startswith("🔔 New request")  # the team room is as it was
        start_alex = line.alex.mark()
        await line.sam.send(line.team, f"!accept {line.page_id(page)}")
        told = await line.alex.reply_from(line.bot_id, dm, start_alex)
        assert told.body.splitlines()[0] == "New message"
        intro = await line.alex.wait_for(
            lambda r, e: (
                r not in (dm, line.team)
                and isinstance(e, RoomMessage)
                and e.sender == line.bot_id
                and "private, end-to-end encrypted room" in e.body
            ),
            start=start_alex,
        )
        assert intro.body.splitlines()[0] == "New message"
        room_id = next(r for r, e in line.alex.events if e is intro)
        room = line.alex.client.rooms[room_id]
        assert room.name == "Chat" and not room.topic
    finally:
        await line.bot.stop()
