"""Benchmark of the anonymous relay on a local Synapse; prints numbers, asserts nothing.

    .venv/bin/python -m bench.relay [--sessions 20] [--rounds 10]

floor: N pairs of plain E2EE clients (no warmline), each sending one message at the same
instant, one-way latency; a relayed message takes two such hops (to the bot, then from it),
so the floor is twice that, measured in the same run under the same concurrency.
Then N members each in a relayed session with the supporter (N relays at once): every member
sends at the same instant (member → supporter: until the supporter's client shows the copy),
then the supporter answers in every relay room at once (supporter → member).
Targets (issue #13): p50 <= 1.3 x floor, p95 <= 2 x floor.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from pathlib import Path

from nio import RoomMessage

from bench.common import pct, report, shut_down
from bench.talk import new_member
from bot.dev.botprocess import BotProcess, new_store_key, on_call_line, synapse_with_bot
from bot.dev.member import Member


async def at_once(pairs: list[tuple[Member, str, Member, str]], token: str) -> list[float]:
    """Each sender writes in its room at the same instant; ms until its reader sees the
    message (or its copy) in the reader's room."""
    go = asyncio.Event()

    async def one(i: int, sender: Member, room: str, reader: Member, there: str) -> float:
        text = f"{token} {i}"
        start = reader.mark()
        await go.wait()
        t = time.perf_counter()
        await sender.send(room, text)
        await reader.wait_for(
            lambda r, e: r == there and isinstance(e, RoomMessage) and e.body.endswith(text),
            timeout=120,
            start=start,
        )
        return (time.perf_counter() - t) * 1000

    tasks = [asyncio.create_task(one(i, *p)) for i, p in enumerate(pairs)]
    await asyncio.sleep(0)
    go.set()
    return list(await asyncio.gather(*tasks))


async def plain_pairs(server, work: Path, n: int) -> tuple[list[Member], list]:  # type: ignore[no-untyped-def]
    clients, pairs = [], []
    for i in range(n):
        a = await new_member(server, work, f"fa{i}")
        b = await new_member(server, work, f"fb{i}")
        b.accept_invites()
        room = await a.create_dm(b.user_id)
        clients += [a, b]
        pairs.append((a, room, b, room))
    return clients, pairs


async def relayed_sessions(
    server,
    work: Path,
    n: int,
    bot_id: str,
    sam: Member,
    team: str,  # type: ignore[no-untyped-def]
) -> tuple[list[Member], list, list]:
    """N members, each in a relayed session with Sam: (members, member→Sam, Sam→member)."""
    crowd = [await new_member(server, work, f"m{i}") for i in range(n)]
    dms = [await m.create_dm(bot_id) for m in crowd]
    ids: list[str] = []
    for member, dm in zip(crowd, dms, strict=True):
        start = sam.mark()
        await member.send(dm, "!talk")
        page = await sam.wait_for(
            lambda r, e: r == team and isinstance(e, RoomMessage) and "New request" in e.body,
            start=start,
        )
        match = re.search(r"New request ([A-HJ-NP-Z2-9]{4})", page.body)
        assert match, page.body
        ids.append(match.group(1))
        start_member = member.mark()
        await sam.send(team, f"!accept {match.group(1)}")
        await member.wait_for(
            lambda r, e, dm=dm: (
                r == dm and isinstance(e, RoomMessage) and "right in this" in e.body
            ),
            start=start_member,
            timeout=60,
        )
    rooms: dict[str, str] = {}
    for request_id in ids:
        intro = await sam.wait_for(
            lambda r, e, i=request_id: (
                r != team and isinstance(e, RoomMessage) and f"member {i}" in e.body
            ),
            timeout=60,
        )
        rooms[request_id] = next(r for r, e in sam.events if e is intro)
    to_sam = [(m, dm, sam, rooms[i]) for m, dm, i in zip(crowd, dms, ids, strict=True)]
    to_member = [(sam, rooms[i], m, dm) for m, dm, i in zip(crowd, dms, ids, strict=True)]
    return crowd, to_sam, to_member


def ratio(name: str, ms: list[float], floor: list[float]) -> None:
    report(name, ms)
    p50 = pct(ms, 50) / pct(floor, 50)
    p95 = pct(ms, 95) / pct(floor, 95)
    print(f"{'':48} p50 / floor = {p50:.2f} (target <= 1.3)   p95 / floor = {p95:.2f} (<= 2)")


async def main(sessions: int, rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="warmline-relay-bench-"))
    server, bot_id, bot_pw = synapse_with_bot(work)
    members: list[Member] = []
    bot: BotProcess | None = None
    try:
        sam = await new_member(server, work, "sam")
        sam.accept_invites()
        members.append(sam)
        clients, pairs = await plain_pairs(server, work, sessions)
        members += clients
        await at_once(pairs, "warm")  # the first message of a Megolm session shares its key
        one_way: list[float] = []
        for r in range(rounds):
            one_way += await at_once(pairs, f"floor{r}")
        floor = [2 * ms for ms in one_way]
        report(f"floor: one-way plain E2EE, {sessions} at once", one_way)
        report("floor: two such hops (the relay's floor)", floor)

        team, config = await on_call_line(
            work / "bot",
            server.url,
            bot_id,
            sam,
            {"flood": {"limit": 100_000}, "handoff": {"mode": "relay"}},
            name="Sam",
            max_sessions=1000,
        )
        bot = BotProcess(config, bot_pw, new_store_key(), work / "bot.log")
        await bot.start()
        crowd, to_sam, to_member = await relayed_sessions(server, work, sessions, bot_id, sam, team)
        members += crowd
        await at_once(to_sam, "warm")
        await at_once(to_member, "warm")
        up: list[float] = []
        down: list[float] = []
        for r in range(rounds):
            up += await at_once(to_sam, f"up{r}")
            down += await at_once(to_member, f"down{r}")
        ratio(f"member -> supporter, {sessions} relays at once", up, floor)
        ratio(f"supporter -> member, {sessions} relays at once", down, floor)
    finally:
        await shut_down(members, bot, server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.sessions, args.rounds))
