"""At most IN_FLIGHT sends are with the homeserver at once, the rest go in their order (#16):
a hundred acknowledgements sent at once were all stored together, and every member waited
for the last. A send still waiting for its room to arrive holds no slot."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from nio import RoomSendResponse

from bot.logs import Redactor
from bot.matrix.messenger import IN_FLIGHT, MatrixMessenger
from bot.text import Message

ROOM = "!dm:hs"


class Homeserver:
    """Holds every send until `release` is set; counts how many it holds at once."""

    def __init__(self) -> None:
        self.rooms: dict[str, object] = {ROOM: object()}
        self.synced = asyncio.Event()
        self.release = asyncio.Event()
        self.holding = 0
        self.most = 0
        self.order: list[str] = []

    def add_response_callback(self, *_: Any) -> None:
        pass

    async def prepare_room(self, room_id: str) -> None:
        pass

    async def send_withheld(self, room_id: str) -> None:
        pass

    async def room_send(self, room_id: str, _type: str, content: Any, tx_id: str, **_: Any) -> Any:
        self.order.append(content["body"])
        self.holding += 1
        self.most = max(self.most, self.holding)
        await self.release.wait()
        self.holding -= 1
        return RoomSendResponse(f"${tx_id}", room_id)


def messenger(hs: Homeserver) -> MatrixMessenger:
    return MatrixMessenger(cast(Any, hs), cast(Any, hs), Redactor(b"k" * 32))


async def until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0)


async def test_sends_go_eight_at_a_time_in_their_order():
    hs = Homeserver()
    m = messenger(hs)
    bodies = [f"ack {n}" for n in range(3 * IN_FLIGHT)]
    sends = [asyncio.create_task(m.send(ROOM, Message(b, b))) for b in bodies]
    await until(lambda: hs.holding == IN_FLIGHT)
    for _ in range(10):
        await asyncio.sleep(0)
    assert hs.holding == IN_FLIGHT  # the rest wait for a slot
    hs.release.set()
    events = await asyncio.gather(*sends)
    assert hs.most == IN_FLIGHT and hs.order == bodies
    assert all(e is not None for e in events)


async def test_a_send_waiting_for_its_room_holds_no_slot():
    hs = Homeserver()
    m = messenger(hs)
    new_rooms = [f"!new{n}:hs" for n in range(IN_FLIGHT)]
    waiting = [asyncio.create_task(m.send(r, Message("intro", "intro"))) for r in new_rooms]
    hs.release.set()
    sent = await asyncio.wait_for(m.send(ROOM, Message("ack", "ack")), 5)
    assert sent is not None and hs.order == ["ack"]
    for room_id in new_rooms:  # the rooms arrive by sync: the waiting sends go out
        hs.rooms[room_id] = object()
    hs.synced.set()
    assert all(await asyncio.gather(*waiting))
