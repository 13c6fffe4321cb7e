"""Member safety (issue #13) on the real Synapse with real E2EE clients: the promise in the
first answer, and `!exit` leaving nothing the bot said readable in the member's DM."""

from __future__ import annotations

import pytest
from nio import (
    MegolmEvent,
    RedactedEvent,
    RedactionEvent,
    RoomMemberEvent,
    RoomMessage,
    RoomMessagesResponse,
)

from tests.support.line import Line

pytestmark = pytest.mark.integration
PROMISE = "nobody outside the team is contacted unless you ask"


def bot_messages(line: Line, dm: str) -> list[str]:
    """The ids of the bot's messages in the DM, as the member's own sync brought them."""
    return [
        e.event_id
        for r, e in line.alex.events
        if r == dm and isinstance(e, (RoomMessage, MegolmEvent)) and e.sender == line.bot_id
    ]


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
