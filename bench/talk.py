"""Benchmark of "I need to talk" bursts on a local Synapse; prints numbers, asserts nothing.

    .venv/bin/python -m bench.talk [--bursts 10 100] [--limits lifted|default] [--spread S]

floor: one-way latency of an encrypted message between two clients (no warmline);
then for each burst size N, N distinct members send `!talk` at the same instant:
member-ack latency (send → acknowledgement seen), and the time from the burst until every
page is visible to a supporter in the team room. Targets (issue #3): ack p50 <= 1.5 x (2 x
floor), p95 <= 3 x (2 x floor) at 100; every page visible within 2 s of the burst.

`--limits default` leaves the bot's account under Synapse's default rate limits (the people
are always lifted: they are load generators), and `--spread 24 --bursts 12` sends the burst's
requests evenly over 24 s: the case of issue #12 (target there: ack p95 <= 10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from pathlib import Path

from nio import RoomMessage, RoomMessageText

from bench.common import burst_of, echo_back, pct, report, shut_down
from bot.dev.botprocess import BotProcess, new_store_key, on_call_line, synapse_with_bot
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse


async def new_member(server: LocalSynapse, work: Path, name: str) -> Member:
    password = "bench-" + name
    member = Member(server.url, server.register(name, password), password, work / name)
    server.lift(member.user_id)  # load generators: the bot is what runs under the limits
    await member.start()
    return member


async def one_way_floor(a: Member, b: Member, rounds: int) -> list[float]:
    b.accept_invites()
    room = await a.create_dm(b.user_id)
    times = []
    for i in range(rounds + 3):
        start = b.mark()
        t = time.perf_counter()
        await a.send(room, f"ping {i}")
        await b.wait_for(lambda r, e: r == room and isinstance(e, RoomMessage), start=start)
        if i >= 3:  # the first messages carry the key share
            times.append((time.perf_counter() - t) * 1000)
    return times


REFILL = 60.0  # seconds: Synapse's rc_message bucket of 10 refills at 0.2/s
PAGE_ID = re.compile(r"\b[A-HJ-NP-Z2-9]{4}\b")  # bot.handoff.ID_ALPHABET, four long


async def burst(
    crowd: list[Member], rooms: list[str], bot_id: str, sam: Member, team: str, spread: float
) -> tuple[list[float], float, float]:
    """(ack latencies, ms until every request was visible in a page, ms until the homeserver
    had accepted every member's message: no page can be seen before that)."""
    go = asyncio.Event()
    team_start = sam.mark()
    sent: list[float] = []

    async def one(member: Member, room: str, offset: float) -> float:
        await go.wait()
        await asyncio.sleep(offset)
        t = time.perf_counter()
        start = member.mark()
        await member.send(room, "!talk")
        sent.append(time.perf_counter())
        await member.reply_from(bot_id, room, start, timeout=600)
        return (time.perf_counter() - t) * 1000

    step = spread / max(len(crowd) - 1, 1)
    tasks = [
        asyncio.create_task(one(m, r, i * step))
        for i, (m, r) in enumerate(zip(crowd, rooms, strict=True))
    ]
    await asyncio.sleep(0)
    t0 = time.perf_counter()
    go.set()
    wall0 = time.time() * 1000
    paged: set[str] = set()
    stamped: list[int] = []  # the homeserver's timestamps of the pages

    def all_pages(r: str, e: object) -> bool:
        # a page may list several requests (pages sent while one is in flight are combined)
        if r == team and isinstance(e, RoomMessage) and "New request" in e.body:
            paged.update(PAGE_ID.findall(e.body))
            stamped.append(e.server_timestamp)
        return len(paged) >= len(crowd)

    try:
        await sam.wait_for(all_pages, timeout=600, start=team_start)
    except TimeoutError:
        from_bot = [e for r, e in sam.events[team_start:] if r == team and e.sender == bot_id]
        kinds = {type(e).__name__ for e in from_bot}
        raise SystemExit(
            f"only {len(paged)} of {len(crowd)} requests paged after 600 s; the team room got "
            f"{len(from_bot)} events from the bot ({', '.join(sorted(kinds))})"
        ) from None
    pages_ms = (time.perf_counter() - t0) * 1000
    acks = list(await asyncio.gather(*tasks))
    print(
        f"{'':48} the last page was stored by the homeserver {max(stamped) - wall0:7.1f} ms "
        f"after the burst ({len(stamped)} page message(s))"
    )
    return acks, pages_ms, (max(sent) - t0) * 1000


async def main(bursts: list[int], rounds: int, limits: str, spread: float) -> None:
    work = Path(tempfile.mkdtemp(prefix="warmline-talk-bench-"))
    server, bot_id, bot_pw = synapse_with_bot(work, lifted=limits == "lifted")
    print(f"the bot's rate limits: {limits}; each burst spread over {spread:.0f} s")
    members: list[Member] = []
    bot: BotProcess | None = None
    try:
        sam = await new_member(server, work, "sam")
        echo = await new_member(server, work, "echo")
        members += [sam, echo]
        echo.client.add_event_callback(echo_back(echo, skip="ping"), RoomMessageText)
        floor = report("floor: one-way encrypted message", await one_way_floor(sam, echo, rounds))
        team, config = await on_call_line(
            work / "bot",
            server.url,
            bot_id,
            sam,
            {"flood": {"limit": 100_000}},
            name="Sam",
            max_sessions=1000,
        )
        bot = BotProcess(config, bot_pw, new_store_key(), work / "bot.log")
        await bot.start()
        for n in bursts:
            crowd = [await new_member(server, work, f"b{n}m{i}") for i in range(n)]
            members += crowd
            rooms = [await m.create_dm(bot_id) for m in crowd]
            if limits == "lifted":  # under default limits it would spend the bot's burst
                for m, r in zip(crowd, rooms, strict=True):
                    await m.ask(r, "!help", bot_id, timeout=60)  # warm each Megolm session
            echo_rooms = [await m.create_dm(echo.user_id) for m in crowd]
            for m, r in zip(crowd, echo_rooms, strict=True):
                await m.ask(r, "warm-up", echo.user_id, timeout=60)
            echo_seen, _ = await burst_of(crowd, echo_rooms, echo.user_id)
            burst_floor = report(f"burst of {n}: floor, trivial echo client", echo_seen)
            if limits == "default":  # joining the rooms spent the bot's burst (joins count)
                await asyncio.sleep(REFILL)  # as on a line that was quiet before the rush
            acks, pages_ms, accepted_ms = await burst(crowd, rooms, bot_id, sam, team, spread)
            med = report(f"burst of {n}: member ack via warmline", acks)
            print(
                f"{'':48} ack p50 / (2 x one-way floor) = {med / (2 * floor):.2f} (target <= 1.5)"
            )
            echo_p95 = pct(echo_seen, 95)
            print(
                f"{'':48} ack / echo client: p50 {med / burst_floor:.2f}, "
                f"p95 {pct(acks, 95) / echo_p95:.2f} (targets <= 1.0)"
            )
            print(
                f"{f'burst of {n}: homeserver accepted all requests':48} {accepted_ms:7.1f} ms "
                "after the burst (no page can be seen earlier)"
            )
            print(
                f"{f'burst of {n}: every request visible in a page':48} {pages_ms:7.1f} ms "
                f"after the burst, {pages_ms / echo_p95:.2f} x the echo client's p95 "
                "(target <= 1.2)"
            )
    finally:
        await shut_down(members, bot, server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bursts", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--limits", choices=["lifted", "default"], default="lifted")
    parser.add_argument("--spread", type=float, default=0.0, help="seconds a burst spreads over")
    args = parser.parse_args()
    asyncio.run(main(args.bursts, args.rounds, args.limits, args.spread))
