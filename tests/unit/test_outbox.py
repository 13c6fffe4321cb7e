"""The order messages leave in while the homeserver rate-limits the bot (bot.matrix.outbox):
side by side until a 429, then one at a time, members' answers first; edits of one message
merged; the organizers' hook once per episode."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.matrix.outbox import QUIET_AFTER, Outbox, Urgency


class Server:
    """Records what was sent, in order; each send waits until released."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def send(
        self, room_id: str, content: dict[str, Any], txn_id: str | None = None
    ) -> str | None:
        await self.gate.wait()
        self.sent.append(content["body"])
        return f"$e{len(self.sent)}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def msg(body: str) -> dict[str, Any]:
    return {"body": body}


async def test_unlimited_sends_go_out_at_once_side_by_side():
    server = Server()
    server.gate.clear()
    outbox = Outbox(server.send)
    tasks = [
        asyncio.create_task(outbox.submit("!r", msg(f"m{i}"), Urgency.LATER)) for i in range(3)
    ]
    await asyncio.sleep(0)
    server.gate.set()
    assert await asyncio.gather(*tasks) == ["$e1", "$e2", "$e3"]


async def test_while_limited_members_go_first_then_pages_intros_edits():
    server = Server()
    told: list[int] = []

    async def tell() -> None:
        told.append(1)

    clock = Clock()
    outbox = Outbox(server.send, tell, clock, low_gap=0)
    outbox.rate_limited(0)  # a 429 with nothing to wait for
    outbox.rate_limited(0)
    server.gate.clear()
    first = asyncio.create_task(outbox.submit("!team", msg("page 1"), Urgency.PAGE))
    await asyncio.sleep(0.01)  # in flight, held by the server
    later = [
        outbox.submit("!team", msg("edit a"), Urgency.LATER, ("!team", "$p")),
        outbox.submit("!room", msg("intro"), Urgency.INTRO),
        outbox.submit("!team", msg("page 2"), Urgency.PAGE),
        outbox.submit("!dm", msg("ack"), Urgency.MEMBER),
        outbox.submit("!team", msg("edit b"), Urgency.LATER, ("!team", "$p")),
    ]
    tasks = [asyncio.create_task(c) for c in later]
    await asyncio.sleep(0.01)
    server.gate.set()
    await asyncio.gather(first, *tasks)
    assert server.sent == ["page 1", "ack", "page 2", "intro", "edit b"]
    assert told == [1] and outbox.episodes == 1


async def test_a_new_episode_after_a_quiet_spell():
    server = Server()
    clock = Clock()
    outbox = Outbox(server.send, clock=clock)
    outbox.rate_limited(100)
    assert outbox.limited
    clock.now += QUIET_AFTER + 1
    assert not outbox.limited
    assert await outbox.submit("!dm", msg("hi"), Urgency.MEMBER) == "$e1"
    outbox.rate_limited(100)
    assert outbox.episodes == 2


async def test_a_failed_send_fails_only_its_caller():
    calls: list[str] = []

    async def send(room_id: str, content: dict[str, Any], txn_id: str | None = None) -> str | None:
        calls.append(content["body"])
        if content["body"] == "bad":
            raise RuntimeError("boom")
        return "$ok"

    outbox = Outbox(send)
    outbox.rate_limited(0)
    bad = asyncio.create_task(outbox.submit("!dm", msg("bad"), Urgency.MEMBER))
    good = asyncio.create_task(outbox.submit("!dm", msg("good"), Urgency.MEMBER))
    results = await asyncio.gather(bad, good, return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] == "$ok"


async def test_once_limited_only_members_answers_go_unpaced():
    server = Server()
    outbox = Outbox(server.send, low_gap=0.3)
    outbox.rate_limited(0)
    loop = asyncio.get_running_loop()
    first = await outbox.submit("!team", msg("page 1"), Urgency.PAGE)
    sent_first = loop.time()
    second = asyncio.create_task(outbox.submit("!team", msg("page 2"), Urgency.PAGE))
    await asyncio.sleep(0.05)
    ack = await outbox.submit("!dm", msg("ack"), Urgency.MEMBER)  # not held by the pacing
    assert loop.time() - sent_first < 0.25 and server.sent == ["page 1", "ack"]
    await second
    assert loop.time() - sent_first >= 0.3 and server.sent[-1] == "page 2"
    assert (first, ack) == ("$e1", "$e2")
