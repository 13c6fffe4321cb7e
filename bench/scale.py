"""A community of thousands on a local Synapse; prints numbers, asserts nothing.

    .venv/bin/python -m bench.scale [--members 1000,5000] [--keep DIR]

For each size (after a baseline of 10), the crowd grows to that many members, each with an
encrypted DM with the bot and a few messages of history (bench.scale_setup), and 10,000 closed
requests and 35 days of counts are put in the store (bench.scale_store). Then, with the bot
stopped and every fifth member writing meanwhile, it measures:

- the restart's sync three ways, to tell the homeserver, nio and the bot apart: the bot
  account's `/sync` (same filter, full state, from before the offline traffic) over plain HTTP,
  the same sync through a plain nio client (no crypto), and `warmline run` (process start to
  ready, and the first sync inside it, and RSS once ready);
- that restart twice in the same run: from the room state the bot keeps with its sync position
  (#16), and, after as much traffic again, with that state marked missing (as a store from
  before #16 has it), i.e. one full-state sync as every start did before;
- the store's size on disk;
- `!help` in a fresh DM (the first answer, then p50/p95), the `!talk` acknowledgement, `!status`
  against `!help` in the team room, and the retention purge of the 10,000 requests.

`--keep DIR` keeps Synapse, the crowd and the bot's store in DIR, so a later run with a larger
size only adds members (5,000 take about 20 minutes to set up on a loaded 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from nio import AsyncClient, Event, SyncResponse

from bench.common import pct
from bench.core import rss_mib
from bench.scale_setup import Crowd, Http, grow, offline_traffic
from bench.scale_store import open_store, seed, timed_purge
from bot.dev.botprocess import BotProcess, new_store_key, write_config
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse
from bot.matrix.sync import SYNC_FILTER

READY_IN = re.compile(r"first sync done in ([0-9.]+) s; ([^)]*)\)")


def line(name: str, text: str) -> None:
    print(f"  {name:44} {text}", flush=True)


def ms(values: list[float]) -> str:
    med, p95 = statistics.median(values), pct(values, 95)
    return f"p50 {med:7.1f} ms  p95 {p95:7.1f} ms (n={len(values)})"


class Bench:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.state_path = work / "state.json"
        self.crowd_path = work / "crowd.json"
        self.server = LocalSynapse(work / "synapse")
        self.members: list[Member] = []
        self.bot: BotProcess | None = None
        self.crowd = Crowd.load(self.crowd_path)
        self.state: dict[str, Any] = {}
        self.config = work / "bot" / "config.yaml"
        self.sam: Member | None = None  # a supporter on call, an organizer too
        self.team = ""
        self.profile = False
        self.spy: asyncio.subprocess.Process | None = None
        self.restarts_only = False  # --restarts-only: the two restarts, nothing else

    def start_server(self) -> None:
        if self.state_path.exists():  # a kept run: the same Synapse, accounts and store
            self.state = json.loads(self.state_path.read_text())
            self.server.port = self.state["port"]
            self.server._secret = self.state["secret"]
            self.server._admin_token = self.state.get("lift_token", "")
            self.server.start()
            return
        self.server.start()
        password = "bench-bot-password"
        self.state = {
            "port": self.server.port,
            "secret": self.server._secret,
            "bot_id": self.server.register("warmline", password),
            "bot_pw": password,
            "store_key": new_store_key(),
        }
        self.state_path.write_text(json.dumps(self.state))

    async def member(self, name: str) -> Member:
        password = "bench-" + name
        user_id = self.server.register(f"{name}{int(time.time() * 1000) % 10**8}", password)
        # Lifted: load generators (the probe sends 30 commands in a row, Sam 21 in the team
        # room); the bot is what runs under Synapse's limits.
        self.server.lift(user_id)
        if self.state.get("lift_token") != self.server._admin_token:  # for a kept run
            self.state["lift_token"] = self.server._admin_token
            self.state_path.write_text(json.dumps(self.state))
        m = Member(self.server.url, user_id, password, self.work / "members" / user_id)
        await m.start()
        self.members.append(m)
        return m

    async def line_with_team(self) -> tuple[Member, str]:
        """A supporter always on call who is an organizer too, and their team room."""
        sam = await self.member("sam")
        bot_id = self.state["bot_id"]
        team = await sam.create_room("supporters", invite=[bot_id])
        on_call = {
            "name": "Sam",
            "user_id": sam.user_id,
            "shifts": ["daily 00:00-24:00"],
            "max_sessions": 1000,
        }
        roster = {"supporters": [on_call], "organizers": [sam.user_id]}
        write_config(
            self.work / "bot",
            self.server.url,
            bot_id,
            {
                "rooms": {"supporters": team},
                "roster": roster,
                "flood": {"limit": 100_000},
            },
        )
        return sam, team

    def new_bot(self) -> BotProcess:
        s = self.state
        return BotProcess(self.config, s["bot_pw"], s["store_key"], self.work / "bot.log")

    async def stop_bot(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None


async def decompose(http: Http, bench: Bench, every: int) -> tuple[float, float, int]:
    """(ms for the raw /sync, ms for nio's sync) of the bot account from before `every`-th
    members wrote, full state, the bot's filter for it (every member); and how many wrote."""
    token = bench.crowd.bot_token
    eager = copy.deepcopy(SYNC_FILTER)
    eager["room"]["state"]["lazy_load_members"] = False  # as bot.matrix.sync asks full state
    flt = json.dumps(eager)
    before = await http.call("GET", f"/_matrix/client/v3/sync?timeout=0&filter={flt}", token)
    wrote = await offline_traffic(http, bench.crowd, every)
    path = f"/_matrix/client/v3/sync?timeout=0&full_state=true&since={before['next_batch']}"
    t = time.perf_counter()
    await http.call("GET", path + f"&filter={flt}", token)
    raw = (time.perf_counter() - t) * 1000
    nio = AsyncClient(bench.server.url, bench.state["bot_id"])
    nio.restore_login(bench.state["bot_id"], "PUPPET", token)
    t = time.perf_counter()
    resp = await nio.sync(timeout=0, since=before["next_batch"], full_state=True, sync_filter=eager)
    parsed = (time.perf_counter() - t) * 1000
    assert isinstance(resp, SyncResponse), resp
    await nio.close()
    return raw, parsed, wrote


async def profile(bench: Bench, size: int) -> asyncio.subprocess.Process | None:
    """py-spy on the bot from its start until it stops (with --profile): the bot's own CPU
    time by function, as collapsed stacks (idle waits are not sampled)."""
    if not bench.profile or bench.bot is None or bench.bot.proc is None:
        return None
    out = bench.work / f"profile-{size}.txt"
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("py-spy")),
        "record",
        "--pid",
        str(bench.bot.proc.pid),
        "--rate",
        "100",
        "--format",
        "raw",
        "--output",
        str(out),
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def restart(bench: Bench, size: int, how: str, spying: bool = False) -> float:
    """Starts the bot; prints and returns the seconds from process start to ready."""
    bench.bot = bench.new_bot()
    t = time.perf_counter()
    await bench.bot.start(wait_ready=False)
    if spying:
        bench.spy = await profile(bench, size)
    await bench.bot.wait_ready(timeout=600)
    ready = time.perf_counter() - t
    first = next((m for ln in bench.bot.lines if (m := READY_IN.search(ln))), None)
    first_sync = float(first.group(1)) if first else float("nan")
    kind = first.group(2) if first else "?"
    line(f"restart, {how}: start to ready", f"{ready * 1000:7.0f} ms")
    line(f"  of which the first sync ({kind})", f"{first_sync * 1000:7.0f} ms")
    assert bench.bot.proc is not None
    line("  RSS once ready", f"{rss_mib(bench.bot.proc.pid):7.1f} MiB")
    return ready


async def ask(m: Member, room: str, text: str, peer: str) -> float:
    t = time.perf_counter()
    await m.ask(room, text, peer, timeout=120)
    return (time.perf_counter() - t) * 1000


async def echo_round_trips(bench: Bench, prober: Member, dm: str, rounds: int) -> list[float]:
    """The round trip of the floor at this size: the bot stopped, a trivial client on the
    bot's account (the admin's puppet token, no crypto: it answers with a plain notice) in the
    same rooms, syncing with the bot's filter. What grows with the rooms for it too is the
    homeserver's (issue #16: tell the bot's, nio's and the homeserver's share apart)."""
    await bench.stop_bot()
    bot_id = bench.state["bot_id"]
    echo = AsyncClient(bench.server.url, bot_id)
    echo.restore_login(bot_id, "PUPPET", bench.crowd.bot_token)
    # A position without an initial sync of every room: a filter that names no room.
    start = await echo.sync(timeout=0, sync_filter={"room": {"rooms": []}})
    assert isinstance(start, SyncResponse), start

    async def answer(room: Any, event: Any) -> None:
        if room.room_id == dm and event.sender == prober.user_id:
            await echo.room_send(dm, "m.room.message", {"msgtype": "m.notice", "body": "pong"})

    echo.add_event_callback(answer, Event)
    syncing = asyncio.create_task(
        echo.sync_forever(timeout=30_000, since=start.next_batch, sync_filter=SYNC_FILTER)
    )
    try:
        await ask(prober, dm, "ping", bot_id)
        return [await ask(prober, dm, "ping", bot_id) for _ in range(rounds)]
    finally:
        syncing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await syncing
        await echo.close()
        bench.bot = bench.new_bot()
        await bench.bot.start(timeout=600)


async def measure(http: Http, bench: Bench, size: int, rounds: int) -> None:
    print(f"== {size} members (the machine is shared with other test runs: compare ratios)")
    bot_id = bench.state["bot_id"]
    await bench.stop_bot()
    store, config = await open_store(bench.config, bench.state["store_key"])
    try:
        took = seed(store, 10_000, 35, time.time())
    finally:
        store.close()
    line("store seeded", f"10,000 closed requests + 35 days of counts in {took:.1f} s")
    if bench.restarts_only:
        await offline_traffic(http, bench.crowd, 5)
    else:
        raw, parsed, wrote = await decompose(http, bench, every=5)
        line("sync after downtime, homeserver (raw HTTP)", f"{raw:7.0f} ms ({wrote} wrote)")
        line("the same sync through nio (no crypto)", f"{parsed:7.0f} ms")
    kept = await restart(bench, size, "from the kept room state", spying=True)
    spy = bench.spy
    await bench.stop_bot()
    await offline_traffic(http, bench.crowd, 5)  # as much again, for the second restart
    store, config = await open_store(bench.config, bench.state["store_key"])
    try:  # the position as a store from before #16 has it: no room state for it
        store.commit_batch(store.sync_token() or "", [])
    finally:
        store.close()
    full = await restart(bench, size, "full state (as before #16)")
    line("  kept state / full state, start to ready", f"{kept / full:7.2f}x")
    if bench.restarts_only:
        return
    data = bench.config.parent / "data"
    size_mib = sum(f.stat().st_size for f in data.rglob("*") if f.is_file()) / 2**20
    line("store on disk", f"{size_mib:7.1f} MiB")

    # Lifted from here on: the round trips below are thirty commands in a row from one member
    # and Sam, and what they measure is the line's speed at this size; under Synapse's
    # defaults the 11th answer waits 5 s for rc_message (a fresh 10-member run measured
    # 4,989 ms a !help, while a kept crowd set up under older code had every limit lifted).
    bench.server.lift(bot_id)
    prober = await bench.member(f"probe{size}")
    dm = await prober.create_dm(bot_id)
    line("!help in a fresh DM: first answer", f"{await ask(prober, dm, '!help', bot_id):7.0f} ms")
    helps = [await ask(prober, dm, "!help", bot_id) for _ in range(rounds)]
    line("!help round trip", ms(helps))
    echoed = await echo_round_trips(bench, prober, dm, rounds)
    line("  the same, to an echo client as the bot's account", ms(echoed))
    line(
        "  !help / echo client, p50",
        f"{statistics.median(helps) / statistics.median(echoed):7.2f}x",
    )
    acks = []
    for _ in range(5):
        acks.append(await ask(prober, dm, "!talk", bot_id))
        await ask(prober, dm, "!cancel", bot_id)
    line("!talk acknowledgement", ms(acks))
    sam, team = bench.sam, bench.team
    assert sam is not None
    await ask(sam, team, "!status", bot_id)
    status = [await ask(sam, team, "!status", bot_id) for _ in range(10)]
    team_help = [await ask(sam, team, "!help", bot_id) for _ in range(10)]
    line("!status round trip (team room)", ms(status))
    line("!help round trip (team room)", ms(team_help))
    extra = statistics.median(status) - statistics.median(team_help)
    line("  !status - !help, p50", f"{extra:7.1f} ms")
    await bench.stop_bot()
    if spy is not None:
        await spy.wait()
        line("profile (py-spy, collapsed stacks)", str(bench.work / f"profile-{size}.txt"))
    store, config = await open_store(bench.config, bench.state["store_key"])
    try:
        seconds, folded = timed_purge(store, config, 24 * 3600)
    finally:
        store.close()
    line("retention purge", f"{seconds * 1000:7.0f} ms ({folded} requests folded)")
    bench.bot = bench.new_bot()
    await bench.bot.start(timeout=600)


async def main(
    sizes: list[int], rounds: int, keep: str | None, profile_bot: bool, restarts_only: bool
) -> None:
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="warmline-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(work)
    bench.profile = profile_bot
    bench.restarts_only = restarts_only
    bench.start_server()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
            http = Http(bench.server.url, session)
            bench.sam, bench.team = await bench.line_with_team()
            bench.bot = bench.new_bot()
            await bench.bot.start(timeout=600)
            for size in sizes:
                if size > len(bench.crowd.members):
                    await bench.stop_bot()  # the DMs arrive while the bot is away
                    took = await grow(
                        http,
                        bench.crowd,
                        bench.state["secret"],
                        bench.state["bot_id"],
                        size,
                        bench.crowd_path,
                    )
                    print(f"  (crowd of {size} set up in {took:.0f} s)")
                    bench.bot = bench.new_bot()
                    t = time.perf_counter()
                    await bench.bot.start(timeout=1200)
                    caught_up = time.perf_counter() - t
                    line("catching up on the new DMs: start to ready", f"{caught_up:7.1f} s")
                await measure(http, bench, size, rounds)
    finally:
        for m in bench.members:
            await m.close()
        await bench.stop_bot()
        bench.server.stop()
    print(f"(kept in {work})" if keep else "")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", default="1000,5000")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", help="a directory to keep (and reuse) the run in")
    parser.add_argument("--profile", action="store_true", help="py-spy on each restart")
    parser.add_argument("--no-baseline", action="store_true", help="skip the 10-member size")
    parser.add_argument(
        "--restarts-only", action="store_true", help="only the two restarts (kept/full state)"
    )
    args = parser.parse_args()
    sizes = [*([] if args.no_baseline else [10]), *(int(n) for n in args.members.split(","))]
    asyncio.run(main(sizes, args.rounds, args.keep, args.profile, args.restarts_only))
