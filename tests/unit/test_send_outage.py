"""A send while the homeserver cannot be reached waits for it, as one transaction (#11)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import aiohttp
from nio import RoomSendResponse

from bot.logs import Redactor
from bot.matrix.messenger import MatrixMessenger
from bot.text import Message

ROOM = "!dm:hs"


class Homeserver:
    """Unreachable for the first `down` tries (the key query before the send raises, as it
    did in bench.chaos while Synapse restarted), then up; keeps the events by transaction."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.rooms = {ROOM: object()}
        self.synced = asyncio.Event()
        self.events: dict[str, str] = {}

    def add_response_callback(self, *_: Any) -> None:
        pass

    async def prepare_room(self, room_id: str) -> None:
        if self.down:
            self.down -= 1
            raise aiohttp.ServerDisconnectedError()

    async def send_withheld(self, room_id: str) -> None:
        pass

    async def room_send(self, room_id: str, _type: str, _content: Any, tx_id: str, **_: Any) -> Any:
        event = self.events.setdefault(tx_id, f"$e{len(self.events)}")
        return RoomSendResponse(event, room_id)


def messenger(hs: Homeserver) -> MatrixMessenger:
    m = MatrixMessenger(cast(Any, hs), cast(Any, hs), Redactor(b"k" * 32))
    m.retry_pause = 0.0
    return m


async def test_a_send_waits_for_the_homeserver_and_is_one_message():
    hs = Homeserver(down=3)
    event = await messenger(hs).send(ROOM, Message("hello", "hello"))
    assert event == "$e0" and len(hs.events) == 1


async def test_a_send_gives_up_after_its_patience_with_a_log_line(monkeypatch, caplog):
    monkeypatch.setattr("bot.matrix.messenger.SEND_PATIENCE", 0.0)
    hs = Homeserver(down=1)
    m = messenger(hs)
    m.retry_pause = 0.01
    assert await m.send(ROOM, Message("hello", "hello")) is None
    assert "the homeserver did not answer" in caplog.text and hs.events == {}
