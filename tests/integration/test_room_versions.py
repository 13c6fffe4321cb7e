"""The whole handoff on homeservers whose default room version is 10, 11 or 12: v11 and older
need the bot in the handoff room's power levels, v12 forbids it (bot.matrix.roomversion); the
relay room (#13) the same."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from nio import RoomMessage

from bot.dev.synapse import LocalSynapse
from tests.integration.test_relay import RELAY, from_bot, relayed_session
from tests.support.harness import BotSetup, Members
from tests.support.line import Line, start_line

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["10", "11", "12"])
def synapse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalSynapse]:
    """Overrides the session's Synapse for this module: one per room version."""
    server = LocalSynapse(tmp_path_factory.mktemp(f"synapse-v{request.param}"), request.param)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_handoff_on_the_servers_default_room_version(line: Line, synapse: LocalSynapse):
    dm = await line.alex.create_dm(line.bot_id)
    start_team, start_alex = line.sam.mark(), line.alex.mark()
    await line.alex.ask(dm, "I need to talk", line.bot_id)
    request_id = line.page_id(await line.page(line.sam, start_team))
    await line.sam.send(line.team, f"!accept {request_id}")

    def intro(r: str, e: object) -> bool:
        return (
            r not in (dm, line.team)
            and isinstance(e, RoomMessage)
            and e.sender == line.bot_id
            and "private, end-to-end encrypted room" in e.body
        )

    intro_alex = await line.alex.wait_for(intro, start=start_alex)
    await line.sam.wait_for(intro, start=start_team)
    assert intro_alex.decrypted
    handoff_room = next(r for r, e in line.alex.events if e is intro_alex)
    room = line.alex.client.rooms[handoff_room]
    assert room.room_version == synapse.room_version
    assert room.encrypted and room.join_rule == "invite"
    levels = room.power_levels
    assert levels.get_user_level(line.alex.user_id) == 50
    assert levels.get_user_level(line.sam.user_id) == 50
    listed = line.bot_id in levels.users
    assert listed == (synapse.room_version != "12"), levels.users
    await line.alex.wait_for(  # the bot still leaves cleanly
        lambda r, e: (
            r == handoff_room
            and getattr(e, "state_key", None) == line.bot_id
            and getattr(e, "membership", None) == "leave"
        ),
        start=start_alex,
    )
    start_done = line.sam.mark()
    await line.sam.send(line.team, f"!done {request_id}")
    await line.team_message(line.sam, start_done, f"Session {request_id} is closed")


async def test_relay_on_the_servers_default_room_version(
    bot_setup: BotSetup, members: Members, synapse: LocalSynapse
):
    line = await start_line(bot_setup, members, extra=RELAY)
    dm, room, request_id = await relayed_session(line)
    relay_room = line.sam.client.rooms[room]
    assert relay_room.room_version == synapse.room_version
    listed = line.bot_id in relay_room.power_levels.users
    assert listed == (synapse.room_version != "12"), relay_room.power_levels.users
    start_alex, start_sam = line.alex.mark(), line.sam.mark()
    await line.sam.send(room, "!done")
    await line.alex.wait_for(from_bot(line, dm, "has ended"), start=start_alex)
    await line.sam.wait_for(from_bot(line, room, f"member {request_id} has ended"), start=start_sam)
    await line.bot.stop()
