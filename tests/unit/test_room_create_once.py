"""A createRoom whose answer is lost makes no second handoff room (issue #11).

nio repeats a request that timed out or lost its connection, inside the call. createRoom has
no transaction id: if the first try reached the homeserver, the repeat made a second private
room, with both people invited to both and the bot staying in the first. Here the fake
homeserver makes the room and answers too late; the accept must end with that one room, found
again by its marker before another is made."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from nio import AsyncClientConfig

from bot.logs import Redactor, StateLog
from bot.matrix.client import BotClient
from bot.matrix.rooms import MARKER, MatrixRooms
from tests.unit.test_pages import SAM, World


class RoomServer:
    """Just enough of a homeserver for making and finding handoff rooms."""

    def __init__(self, late: float) -> None:
        self.late = late  # how long the first createRoom's answer takes
        self.markers: dict[str, str] = {}  # room → its marker, in the order made
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.endswith("/createRoom"):
            body = await request.json()
            room = f"!room{len(self.markers) + 1}:hs"
            made = [e for e in body["initial_state"] if e["type"] == MARKER]
            self.markers[room] = made[0]["content"]["marker"]
            if len(self.markers) == 1:
                await asyncio.sleep(self.late)  # made, but the answer comes too late
            return web.json_response({"room_id": room})
        if path.endswith("/joined_rooms"):
            return web.json_response({"joined_rooms": list(self.markers)})
        if path.endswith("/capabilities"):
            versions = {"default": "12", "available": {"12": "stable"}}
            return web.json_response({"capabilities": {"m.room_versions": versions}})
        for room, marker in self.markers.items():
            if path.endswith(f"/rooms/{room}/state/{MARKER}"):
                return web.json_response({"marker": marker})
        return web.json_response({"errcode": "M_NOT_FOUND"}, status=404)


@contextlib.asynccontextmanager
async def serving(server: RoomServer) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[World, RoomServer]]:
    server = RoomServer(late=1.0)
    w = World(tmp_path)
    async with serving(server) as url:
        # the bot's own client, as built for `warmline run` but for its time limit
        client = BotClient(
            url,
            "@bot:hs",
            config=AsyncClientConfig(request_timeout=0.2),
            connectivity=StateLog("homeserver"),
            forgotten=lambda room: None,
        )
        client.access_token = "token"
        w.line.handoffs._rooms = MatrixRooms(client, Redactor(b"k" * 32))
        w.line.handoffs.pause = 0.0
        try:
            yield w, server
        finally:
            await client.close()
            w.store.close()


async def test_a_lost_create_room_answer_makes_no_second_room(world: Any):
    w, server = world
    await w.line.talk("@m0:hs", "!dm0", "en")
    await w.line.accept("R000", SAM)
    assert len(server.markers) == 1, "nio repeated createRoom: a second private room"
    assert w.store.request("R000").handoff_room == "!room1:hs"
