"""Crash and fault campaign (issue #11): kill -9 at random moments, a homeserver that goes away.

    .venv/bin/python -m bench.chaos [--cycles 100] [--seed N] [--kill-rate 0.8] [--hs-every 10]

A local Synapse and the real `warmline run`; scripted members ask for a peer and a supporter
accepts (by command and by reaction, in turn), both join the private room, the supporter
ends the session. In each cycle (with probability --kill-rate) the bot is killed with SIGKILL
at a random moment and started again, or, every --hs-every-th time, Synapse is stopped
under the running bot for a few seconds and started again. After each cycle the promises
are checked from what the clients saw; at the end, from the store and the bot's log.
Prints cycles, kills, homeserver restarts, each invariant's violations, and the wall time
per cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import re
import signal
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import RoomMemberEvent, RoomMessage

from bot.dev.botprocess import BotProcess, new_store_key, on_call_line, synapse_with_bot
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse
from store import Store
from store.secret import parse

PAGE_IDS = re.compile(r"\b[A-HJ-NP-Z2-9]{4}\b")  # bot.handoff.ID_ALPHABET, four long
INTRO = "end-to-end encrypted room is for you and"
KNOWN_GAPS: frozenset[str] = frozenset()  # invariants counted but not yet kept
REACTION_WAIT = 20.0  # seconds before a supporter whose ✅ went unanswered types `!accept`
WAIT = 120.0  # seconds any one step may take (a restart of the bot, or of Synapse, included)
INVARIANTS = (
    "acknowledged",  # the member heard back after asking
    "✅ answered",  # a reaction on a page took the request (else `!accept` is typed)
    "paged once",  # exactly one first page for the request
    "one room",  # exactly one private room for the accepted request
    "one introduction",  # exactly one introduction in it
    "bot left",  # the bot left the room (handoff.bot_stays: false)
    "session closed",  # the supporter's !done was answered
    "store: nothing left over",  # at the end: no request active, no room still to leave
    "log: one line per outage",  # at the end: not one line per retry while Synapse was away
)


@dataclass
class Tally:
    cycles: int = 0
    kills: int = 0
    hs_restarts: int = 0
    violations: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    steps: Counter[str] = field(default_factory=Counter)  # seconds from the cycle's start

    def report(self) -> str:
        lines = [
            f"cycles: {self.cycles}",
            f"kills (SIGKILL): {self.kills}",
            f"homeserver restarts: {self.hs_restarts}",
            f"wall time: {self.seconds:.0f} s ({self.seconds / max(self.cycles, 1):.1f} s/cycle)",
            "mean seconds from a cycle's start: "
            + ", ".join(f"{k} {t / max(self.cycles, 1):.1f}" for k, t in self.steps.items()),
            "violations:",
            *(f"  {name}: {self.violations[name]}" for name in INVARIANTS),
        ]
        return "\n".join(lines)


class Chaos:
    def __init__(self, work: Path, rng: random.Random, kill_rate: float, hs_every: int) -> None:
        self.work = work
        self.rng = rng
        self.kill_rate = kill_rate
        self.hs_every = hs_every
        self.tally = Tally()
        self.server: LocalSynapse
        self.bot: BotProcess
        self.bot_id = ""
        self.team = ""
        self.sam: Member
        self.members: list[tuple[Member, str]] = []
        self.store_key = new_store_key()
        self.retries: set[asyncio.Task[None]] = set()

    async def setup(self, how_many: int) -> None:
        # Lifted for the bot and the scripted people: this campaign is about crashes, not rate
        # limits (tests/integration/test_rate_limits.py is); at Synapse's defaults each cycle's
        # handoff waits on rc_room_creation and rc_message and the run measures the waiting.
        self.server, self.bot_id, password = synapse_with_bot(self.work, lifted=True)
        self.sam = await self.member("sam")
        self.team, config = await on_call_line(
            self.work / "bot",
            self.server.url,
            self.bot_id,
            self.sam,
            {"flood": {"limit": 100_000}},
            name="Sam",
            max_sessions=1000,
        )
        self.bot = BotProcess(config, password, self.store_key, self.work / "bot.log")
        await self.bot.start()
        for i in range(how_many):
            m = await self.member(f"m{i}")
            dm = await m.create_dm(self.bot_id)
            await m.ask(dm, "!help", self.bot_id, timeout=60)  # the Megolm session, shared
            self.members.append((m, dm))

    async def member(self, name: str) -> Member:
        password = "chaos-" + name
        m = Member(
            self.server.url, self.server.register(name, password), password, self.work / name
        )
        self.server.lift(m.user_id)  # scripted people: see setup
        await m.start()
        m.accept_invites()
        return m

    async def kill_soon(self, within: float) -> None:
        """SIGKILL at a random moment, then a fresh start; every --hs-every-th time, Synapse
        goes away instead for a few seconds under the running bot, then comes back."""
        await asyncio.sleep(self.rng.uniform(0, within))
        began = time.monotonic()
        if self.hs_every and (self.tally.kills + self.tally.hs_restarts + 1) % self.hs_every == 0:
            await asyncio.to_thread(self.server.stop)
            await asyncio.sleep(self.rng.uniform(0, within))
            await asyncio.to_thread(self.server.start)
            self.tally.hs_restarts += 1
            self.tally.steps["homeserver away"] += time.monotonic() - began
            return
        await self.bot.stop(signal.SIGKILL)
        self.tally.kills += 1
        await self.bot.start(timeout=WAIT)
        self.tally.steps["restart"] += time.monotonic() - began

    async def cycle(self, n: int) -> None:
        """Every member asks at once; the supporter accepts each page (by reaction and by
        command, in turn), waits for every introduction and the bot's leaving, then closes
        each session. The bot may be killed at any moment of it."""
        s_start, since = self.sam.mark(), time.time() * 1000 - 100
        starts = [m.mark() for m, _ in self.members]
        killer = None
        if self.rng.random() < self.kill_rate:
            killer = asyncio.create_task(self.kill_soon(within=4.0))
        seen: dict[str, Any] = {
            "acks": 0,
            "ids": set(),
            "rooms": {},
            "left": 0,
            "closed": 0,
            "closed_ids": set(),
        }
        t0 = time.monotonic()
        try:
            async with asyncio.timeout(WAIT):
                await asyncio.gather(
                    *(
                        self.ask(m, dm, start, seen)
                        for (m, dm), start in zip(self.members, starts, strict=True)
                    ),
                    self.accept_all(s_start, seen, n),
                )
                self.tally.steps["introduced, bot left"] += time.monotonic() - t0
                await self.close_all(seen)
                self.tally.steps["closed"] += time.monotonic() - t0
        except TimeoutError:
            pass
        if killer is not None:
            await killer
        self.check(n, starts, s_start, since, seen)
        self.tally.cycles += 1
        if seen["ids"] - seen["closed_ids"]:  # a broken cycle must not break the next ones
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(REACTION_WAIT):
                    await self.close_all(seen)

    async def ask(self, m: Member, dm: str, start: int, seen: dict[str, Any]) -> None:
        bot = self.bot_id
        await m.send(dm, "!talk")
        await m.reply_from(bot, dm, start, timeout=WAIT)
        seen["acks"] += 1
        intro = await m.wait_for(
            lambda r, e: r != dm and from_bot(e, bot) and INTRO in e.body, WAIT, start
        )
        room = next(r for r, e in m.events[start:] if e is intro)
        seen["rooms"][m.user_id] = room
        await m.wait_for(
            lambda r, e: (
                r == room
                and isinstance(e, RoomMemberEvent)
                and e.state_key == bot
                and e.membership == "leave"
            ),
            WAIT,
            start,
        )
        seen["left"] += 1

    async def accept_all(self, s_start: int, seen: dict[str, Any], n: int) -> None:
        """Accepts each request as its page comes: ✅ on the page, or `!accept ID`."""
        taken: set[str] = seen["ids"]  # filled as they are taken
        seen_upto = s_start
        while len(taken) < len(self.members):
            page = await self.sam.wait_for(
                lambda r, e: (
                    r == self.team
                    and from_bot(e, self.bot_id)
                    and bool(set(PAGE_IDS.findall(e.body)) - taken)
                    and "New request" in e.body
                ),
                WAIT,
                seen_upto,
            )
            seen_upto = next(i for i, (_, e) in enumerate(self.sam.events) if e is page) + 1
            for request_id in sorted(set(PAGE_IDS.findall(page.body)) - taken):
                if (n + len(taken)) % 2 and "New requests" not in page.body:
                    start = self.sam.mark()
                    await self.sam.react(self.team, page.event_id, "✅")
                    self.retries.add(asyncio.create_task(self.unless_taken(request_id, start)))
                else:
                    await self.sam.send(self.team, f"!accept {request_id}")
                taken.add(request_id)

    async def unless_taken(self, request_id: str, start: int) -> None:
        """A ✅ the bot never answered: the supporter types `!accept ID` instead, as a person
        would (counted: a reaction on a page sent just before a kill, before the bot
        recorded it, is lost)."""
        try:
            await self.sam.wait_for(
                lambda r, e: (
                    r == self.team
                    and from_bot(e, self.bot_id)
                    and f"request {request_id}" in e.body
                ),
                REACTION_WAIT,
                start,
            )
        except TimeoutError:
            self.tally.violations["✅ answered"] += 1
            print(f"✅ on the page of {request_id} went unanswered; !accept instead", flush=True)
            await self.sam.send(self.team, f"!accept {request_id}")

    async def close_all(self, seen: dict[str, Any]) -> None:
        for request_id in sorted(seen["ids"] - seen["closed_ids"]):
            start = self.sam.mark()
            await self.sam.send(self.team, f"!done {request_id}")
            await self.sam.wait_for(
                lambda r, e, closed=f"Session {request_id} is closed": (
                    r == self.team and from_bot(e, self.bot_id) and closed in e.body
                ),
                WAIT,
                start,
            )
            seen["closed"] += 1
            seen["closed_ids"].add(request_id)

    def check(
        self, n: int, starts: list[int], s_start: int, since: float, seen: dict[str, Any]
    ) -> None:
        """Counts what broke in cycle `n`, from the events sent since `since` (ms; a late
        decryption may add an older event to a client's list) and prints each break."""
        bot, many = self.bot_id, len(self.members)
        broken: Counter[str] = Counter()
        broken["acknowledged"] = many - seen["acks"]

        def new(e: Any) -> bool:
            return from_bot(e, bot) and e.server_timestamp >= since

        firsts: Counter[str] = Counter()
        for r, e in self.sam.events[s_start:]:
            if r == self.team and new(e) and "New request" in e.body:
                firsts.update(set(PAGE_IDS.findall(e.body)))
        broken["paged once"] = sum(1 for i in seen["ids"] if firsts[i] != 1)
        broken["paged once"] += many - len(seen["ids"])  # a request never seen paged
        for (m, dm), start in zip(self.members, starts, strict=True):
            rooms = {r for r, e in m.events[start:] if r != dm and new(e)}
            broken["one room"] += len(rooms) != 1
            room = seen["rooms"].get(m.user_id)
            intros = [e for r, e in m.events[start:] if r == room and new(e) and INTRO in e.body]
            broken["one introduction"] += len({e.event_id for e in intros}) != 1
        broken["bot left"] = many - seen["left"]
        broken["session closed"] = many - seen["closed"]
        for name, count in broken.items():
            if count:
                print(f"cycle {n}: {name} broken {count}x (ids {sorted(seen['ids'])})", flush=True)
                self.tally.violations[name] += count

    async def check_store(self) -> None:
        await self.bot.stop()
        store = Store(self.work / "bot" / "data", parse(self.store_key, "chaos"))
        try:
            active = [r for r in store.all_requests() if r.active]
            if active or store.rooms_to_leave():
                self.tally.violations["store: nothing left over"] += 1
        finally:
            store.close()
        log = (self.work / "bot.log").read_text(encoding="utf-8", errors="replace")
        outages = [
            line for line in log.splitlines() if "homeserver: " in line and "retrying" in line
        ]
        if len(outages) > self.tally.hs_restarts:
            self.tally.violations["log: one line per outage"] += 1

    async def close(self) -> None:
        for m, _ in self.members:
            await m.close()
        await self.sam.close()
        await self.bot.stop()
        self.server.stop()


def from_bot(event: Any, bot: str) -> bool:
    """A message of the bot's, not an edit of one."""
    return (
        isinstance(event, RoomMessage)
        and event.sender == bot
        and not event.source.get("content", {}).get("m.new_content")
    )


async def campaign(
    cycles: int,
    seed: int,
    kill_rate: float = 0.8,
    hs_every: int = 10,
    members: int = 3,
    work: Path | None = None,
) -> Tally:
    work = work or Path(tempfile.mkdtemp(prefix="warmline-chaos-"))
    chaos = Chaos(work, random.Random(seed), kill_rate, hs_every)
    began = time.monotonic()
    try:
        await chaos.setup(members)
        began = time.monotonic()
        enough = asyncio.Event()  # SIGTERM or SIGINT: finish this cycle, then report
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, enough.set)
        for n in range(cycles):
            if enough.is_set():
                print(f"stopped early, after {n} of {cycles} cycles", flush=True)
                break
            await chaos.cycle(n)
            if (n + 1) % 10 == 0:
                print(
                    f"... {n + 1} cycles, {chaos.tally.kills} kills, "
                    f"{sum(chaos.tally.violations.values())} violations",
                    flush=True,
                )
        chaos.tally.seconds = time.monotonic() - began
        await chaos.check_store()
    finally:
        await chaos.close()
    return chaos.tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--kill-rate", type=float, default=0.8)
    parser.add_argument("--hs-every", type=int, default=10, help="0: never restart Synapse")
    args = parser.parse_args()
    logging.getLogger("nio").setLevel(logging.CRITICAL)  # the clients' own retries and noise
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"seed: {seed}", flush=True)
    tally = asyncio.run(campaign(args.cycles, seed, args.kill_rate, args.hs_every))
    print(tally.report())


if __name__ == "__main__":
    main()
