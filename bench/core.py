"""Benchmark of the core on a local Synapse; prints numbers, asserts nothing.

    .venv/bin/python -m bench.core [--rounds 50] [--burst 20] [--repeat 5]

1. floor: a member's encrypted message to a trivial nio echo client and back (no warmline);
2. `!help` round trip through the real `warmline run` process (member → bot → member, E2EE),
   alternating with the same round trip through matrix-reminder-bot 0.4.0 (bench.peer, the
   same stack: nio, vodozemac, apscheduler) on the same Synapse: warmline/peer ratios;
3. a burst: N members send `!help` at the same instant to the echo client, to warmline and
   to the peer, `--repeat` times in turn; p50/p95 of their replies, pooled;
4. `warmline run` start-up (process start to first sync done) and its RSS after start.

Targets (issue #16): `!help` p50 <= 1.0x the peer, burst p95 <= 0.5x the peer.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from nio import RoomMessageText

from bench.common import burst_of, echo_back, pct, report, shut_down
from bench.peer import ReminderBot
from bot.dev.botprocess import BotProcess, new_store_key, synapse_with_bot, write_config
from bot.dev.member import Member
from bot.logs import Redactor
from bot.matrix.keysharing import DeviceTrust


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


async def main(rounds: int, burst: int, repeat: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="warmline-bench-"))
    # Lifted: this bench measures the line's own speed, not the homeserver's limits.
    server, bot_id, bot_pw = synapse_with_bot(work, lifted=True)
    members: list[Member] = []
    bot: BotProcess | None = None
    peer_pw = "bench-reminder"
    peer_id = server.register("reminder", peer_pw)
    # Lifted as warmline's account is: the peer answers many !help in a row, and it does not
    # try a 429 again (max_limit_exceeded=0): its 11th answer within seconds was lost.
    server.lift(peer_id)
    peer = ReminderBot(work / "reminder", server.url, peer_id, peer_pw)

    async def member(name: str) -> Member:
        pw = "bench-" + name
        m = Member(server.url, server.register(name, pw), pw, work / name)
        # keys for every device: the peer's is not cross-signed (see bench.peer)
        m.trust = DeviceTrust(m.client, None, "all", Redactor(b"member"))
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

        # 2. !help through warmline and through the peer, alternating
        await peer.start()
        await peer.published(server.url, alex.client.access_token)
        room = await alex.create_dm(bot_id)
        peer_room = await alex.create_dm(peer_id, timeout=60)
        await round_trips(alex, room, bot_id, "!help", 3)
        await round_trips(alex, peer_room, peer_id, "!help", 3)
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(rounds):
            ours += await round_trips(alex, room, bot_id, "!help", 1)
            theirs += await round_trips(alex, peer_room, peer_id, "!help", 1)
        helped = report("!help round trip via warmline", ours)
        peer_helped = report("!help round trip via matrix-reminder-bot 0.4.0", theirs)
        print(f"{'ratio to floor':48} {helped / floor:.2f}x (target <= 1.3x)")
        print(f"{'warmline / peer, p50':48} {helped / peer_helped:.2f}x (target <= 1.0x)")

        # 3. the burst
        crowd = [await member(f"m{i}") for i in range(burst)]
        rooms = [await m.create_dm(bot_id) for m in crowd]
        for m, r in zip(crowd, rooms, strict=True):
            await m.ask(r, "!help", bot_id)  # warm each megolm session first

        echo_rooms = [await m.create_dm(echo.user_id) for m in crowd]
        for m, r in zip(crowd, echo_rooms, strict=True):
            await m.ask(r, "warm-up", echo.user_id)
        peer_rooms = [await m.create_dm(peer_id, timeout=60) for m in crowd]
        for m, r in zip(crowd, peer_rooms, strict=True):
            await m.ask(r, "!help", peer_id, timeout=60)
        # `repeat` rounds of the three bursts in turn, pooled: one burst is N samples of
        # one moment of the machine
        seen: dict[str, list[float]] = {echo.user_id: [], bot_id: [], peer_id: []}
        turnaround: dict[str, list[float]] = {echo.user_id: [], bot_id: [], peer_id: []}
        bursts = ((echo.user_id, echo_rooms), (bot_id, rooms), (peer_id, peer_rooms))
        for _ in range(repeat):
            for who, their_rooms in bursts:
                answers = await burst_of(crowd, their_rooms, who)
                seen[who] += [a.seen for a in answers]
                turnaround[who] += [a.turnaround for a in answers]
        p95: dict[str, tuple[float, float]] = {}
        for who, label in (
            (echo.user_id, "floor: echo client"),
            (bot_id, "warmline !help"),
            (peer_id, "matrix-reminder-bot !help"),
        ):
            report(f"burst of {burst} x{repeat}, {label}: seen", seen[who])
            report(f"burst of {burst} x{repeat}, {label}: turnaround*", turnaround[who])
            p95[who] = (pct(seen[who], 95), pct(turnaround[who], 95))
        print(
            f"{f'burst of {burst}: warmline / peer, p95':48} "
            f"{p95[bot_id][0] / p95[peer_id][0]:.2f}x seen, "
            f"{p95[bot_id][1] / p95[peer_id][1]:.2f}x turnaround* (target <= 0.5x)"
        )
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
        await peer.stop()
        await shut_down(members, bot, server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5, help="bursts of each kind, pooled")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.burst, args.repeat))
