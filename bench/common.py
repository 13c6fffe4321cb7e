"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import NamedTuple

from bot.dev.botprocess import BotProcess
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(name: str, ms: list[float]) -> float:
    med = statistics.median(ms)
    print(f"{name:48} median {med:7.1f} ms   p95 {pct(ms, 95):7.1f} ms   (n={len(ms)})")
    return med


class Answer(NamedTuple):
    """One request and its answer, in ms."""

    seen: float  # from sending the request until the member saw the answer
    turnaround: float  # answer origin_server_ts - request origin_server_ts (Synapse's clock)
    # The answer's origin_server_ts until the member saw it (the same clock): the homeserver
    # storing it and waking the member's sync, and the member decrypting it.
    delivery: float


async def burst_of(crowd: list[Member], rooms: list[str], peer: str) -> list[Answer]:
    """Every member sends at the same instant."""

    async def one(m: Member, r: str) -> Answer:
        await go.wait()
        return await answered(m, r, "!help", peer, 60)

    go = asyncio.Event()
    tasks = [asyncio.create_task(one(m, r)) for m, r in zip(crowd, rooms, strict=True)]
    await asyncio.sleep(0)
    go.set()
    return list(await asyncio.gather(*tasks))


async def answered(
    member: Member,
    room: str,
    text: str,
    peer: str,
    timeout: float,
    sent: Callable[[], None] = lambda: None,
) -> Answer:
    """`member` sends `text` and waits for `peer`'s answer. `sent` runs once the homeserver
    has accepted the request."""
    t = time.perf_counter()
    start = member.mark()
    sent_id = await member.send(room, text)
    sent()
    reply = await member.reply_from(peer, room, start, timeout=timeout)
    seen = (time.perf_counter() - t) * 1000
    delivery = time.time() * 1000 - reply.server_timestamp
    request = await member.wait_for(lambda _r, e: e.event_id == sent_id, start=start)
    return Answer(seen, float(reply.server_timestamp - request.server_timestamp), delivery)


def echo_back(echo: Member, skip: str = "\x00"):  # type: ignore[no-untyped-def]
    """A callback that makes `echo` repeat every message (except ones starting with `skip`)."""

    async def reply(room, event) -> None:  # type: ignore[no-untyped-def]
        if event.sender != echo.user_id and not event.body.startswith(skip):
            await echo.client.room_send(
                room.room_id,
                "m.room.message",
                {"msgtype": "m.notice", "body": event.body},
                ignore_unverified_devices=True,
            )

    return reply


async def shut_down(members: list[Member], bot: BotProcess | None, server: LocalSynapse) -> None:
    for member in members:
        await member.close()
    if bot is not None:
        await bot.stop()
    server.stop()
