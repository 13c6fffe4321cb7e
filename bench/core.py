"""Benchmark of the core on a local Synapse; prints numbers, asserts nothing.

    .venv/bin/python -m bench.core [--rounds 50] [--burst 20]

1. floor: a member's encrypted message to a trivial nio echo client and back (no warmline);
2. `!help` round trip through the real `warmline run` process (member → bot → member, E2EE);
3. a burst: N members send `!help` at the same instant; p50/p95 of their replies;
4. `warmline run` start-up (process start to first sync done) and its RSS after start.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from nio import RoomMessageText

from bench.common import burst_of, echo_back, report, shut_down
from bot.dev.botprocess import BotProcess, new_store_key, synapse_with_bot, write_config
from bot.dev.member import Member


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def round_trips(member: Member, room: str, peer: str, text: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        await member.ask(room, text, peer)
        times.append((time.perf_counter() - t) * 1000)
    return times


async def main(rounds: int, burst: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="warmline-bench-"))
    # Lifted: this bench measures the line's own speed, not the homeserver's limits.
    server, bot_id, bot_pw = synapse_with_bot(work, lifted=True)
    members: list[Member] = []
    bot: BotProcess | None = None

    async def member(name: str) -> Member:
        pw = "bench-" + name
        m = Member(server.url, server.register(name, pw), pw, work / name)
        server.lift(m.user_id)  # load generators: one sends many !help in a row
        await m.start()
        members.append(m)
        return m

    try:
        # 1. the floor
        alex, echo = await member("alex"), await member("echo")

        echo.client.add_event_callback(echo_back(echo), RoomMessageText)
        echo.accept_invites()
        echo_room = await alex.create_dm(echo.user_id)
        await round_trips(alex, echo_room, echo.user_id, "warm-up", 3)
        floor = report(
            "floor (echo client round trip)",
            await round_trips(alex, echo_room, echo.user_id, "ping", rounds),
        )

        # 4. start-up and RSS (measured first so it is a cold start of a fresh store)
        # one member sends many !help in a row here: not a flood to guard against
        config = write_config(work / "bot", server.url, bot_id, {"flood": {"limit": 100_000}})
        bot = BotProcess(config, bot_pw, new_store_key(), work / "bot.log")
        t = time.perf_counter()
        await bot.start()
        first_start = time.perf_counter() - t
        await bot.stop()
        bot = BotProcess(config, bot_pw, bot.env["WARMLINE_STORE_KEY"], work / "bot.log")
        t = time.perf_counter()
        await bot.start()
        restart = time.perf_counter() - t
        assert bot.proc is not None
        rss = rss_mib(bot.proc.pid)

        # 2. !help through warmline
        room = await alex.create_dm(bot_id)
        await round_trips(alex, room, bot_id, "!help", 3)
        helped = report(
            "!help round trip via warmline", await round_trips(alex, room, bot_id, "!help", rounds)
        )
        print(f"{'ratio to floor':48} {helped / floor:.2f}x (target <= 1.3x)")

        # 3. the burst
        crowd = [await member(f"m{i}") for i in range(burst)]
        rooms = [await m.create_dm(bot_id) for m in crowd]
        for m, r in zip(crowd, rooms, strict=True):
            await m.ask(r, "!help", bot_id)  # warm each megolm session first

        echo_rooms = [await m.create_dm(echo.user_id) for m in crowd]
        for m, r in zip(crowd, echo_rooms, strict=True):
            await m.ask(r, "warm-up", echo.user_id)
        for peer, peer_rooms, label in (
            (echo.user_id, echo_rooms, "floor: echo client"),
            (bot_id, rooms, "warmline !help"),
        ):
            seen, turnaround = await burst_of(crowd, peer_rooms, peer)
            report(f"burst of {burst}, {label}: seen", seen)
            report(f"burst of {burst}, {label}: turnaround*", turnaround)
        print(
            "  * reply origin_server_ts - request origin_server_ts (Synapse's clock): the "
            "peer's own share,\n    without the time the benchmark's clients need to "
            "decrypt in one shared process"
        )

        print(
            f"{'warmline run start-up':48} first start {first_start * 1000:.0f} ms "
            f"(login + key upload), restart {restart * 1000:.0f} ms (process start to "
            "first sync done)"
        )
        print(f"{'warmline run RSS after start':48} {rss:.1f} MiB")
    finally:
        await shut_down(members, bot, server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--burst", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.burst))
