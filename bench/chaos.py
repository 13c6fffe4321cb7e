"""Crash and fault campaign (issue #11): kill -9 at random moments, a homeserver that goes away.

    .venv/bin/python -m bench.chaos [--cycles 100] [--seed N] [--kill-rate 0.8] [--hs-every 10]

A local Synapse and the real `warmline run`; scripted members ask for a peer and a supporter
accepts (by command and by reaction, in turn), both join the private room, the supporter
ends the session. Every cycle one more member asks and at once cancels (the supporter may
take it first: both outcomes are right, each must be told); every --escalate-every-th
cycle the supporter waits for the escalation before accepting; every --edit-every-th cycle
the organizers edit the config (a new crisis resource) and a member asks for `!resources`.
All along, a community post is due every minute and a member's personal check-in every
three minutes. In each cycle (with probability --kill-rate) the bot is killed with SIGKILL
at a random moment and started again, or, every --hs-every-th time, Synapse is stopped
under the running bot for a few seconds and started again. After each cycle the promises
are checked from what the clients saw; at the end, the posts and check-ins, the store and
the bot's log. Prints cycles, kills, homeserver restarts, each invariant's violations, and
the wall time per cycle.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import random
import re
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from nio import RoomMemberEvent, RoomMessage

from bot.dev.botprocess import BotProcess, new_store_key, on_call_line, synapse_with_bot
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse
from store import Store
from store.secret import parse

PAGE_IDS = re.compile(r"\b[A-HJ-NP-Z2-9]{4}\b")  # bot.handoff.ID_ALPHABET, four long
INTRO = "end-to-end encrypted room is for you and"
ACK_TIMEOUT = 6.0  # escalation.ack_timeout: short, so that escalations happen in the run
POST = "chaos: the community's minute"  # the schedule's message, due every minute
CHECKIN = "Checking in: how are you today?"  # bot.catalogue's checkin_prompt (en)
CHECKIN_EVERY = 180.0  # seconds between the check-in member's check-ins
LATE = 150.0  # a post or check-in this late (s) counts as missed (retries come a minute apart)
KNOWN_GAPS: frozenset[str] = frozenset()  # invariants counted but not yet kept
REACTION_WAIT = 20.0  # seconds before a supporter whose ✅ went unanswered types `!accept`
WAIT = 120.0  # seconds any one step may take (a restart of the bot, or of Synapse, included)
INVARIANTS = (
    "acknowledged",  # the member heard back after asking
    "cancel answered",  # the member who cancelled heard back (withdrawn, or already taken)
    "withdrawn: no room",  # a withdrawn request got no private room
    "escalated",  # a request nobody accepted in ack_timeout was escalated to the team
    "escalated once",  # no escalation of a request repeated within half of ack_timeout
    "config edit taken",  # an edited config's new resource was answered to `!resources`
    "✅ answered",  # a reaction on a page took the request (else `!accept` is typed)
    "paged once",  # exactly one first page for the request
    "one room",  # exactly one private room for the accepted request
    "one introduction",  # exactly one introduction in it
    "bot left",  # the bot left the room (handoff.bot_stays: false)
    "session closed",  # the supporter's !done was answered
    "community post once",  # at the end: each minute's post there once (missed or doubled)
    "check-in once",  # at the end: each check-in sent once (missed or doubled)
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
    posts: int = 0  # community posts due and checked
    checkins: int = 0  # check-ins due and checked
    steps: Counter[str] = field(default_factory=Counter)  # seconds from the cycle's start
    flows: Counter[str] = field(default_factory=Counter)  # how often each flow was driven

    def report(self) -> str:
        lines = [
            f"cycles: {self.cycles}",
            f"kills (SIGKILL): {self.kills}",
            f"homeserver restarts: {self.hs_restarts}",
            f"community posts due: {self.posts}, check-ins due: {self.checkins}",
            "flows: " + ", ".join(f"{k} {v}" for k, v in sorted(self.flows.items())),
            f"wall time: {self.seconds:.0f} s ({self.seconds / max(self.cycles, 1):.1f} s/cycle)",
            "mean seconds from a cycle's start: "
            + ", ".join(f"{k} {t / max(self.cycles, 1):.1f}" for k, t in self.steps.items()),
            "violations:",
            *(f"  {name}: {self.violations[name]}" for name in INVARIANTS),
        ]
        return "\n".join(lines)


class Chaos:
    def __init__(
        self,
        work: Path,
        rng: random.Random,
        kill_rate: float,
        hs_every: int,
        escalate_every: int = 10,
        edit_every: int = 5,
    ) -> None:
        self.work = work
        self.rng = rng
        self.kill_rate = kill_rate
        self.hs_every = hs_every
        self.escalate_every = escalate_every
        self.edit_every = edit_every
        self.tally = Tally()
        self.tag = ""  # begins each line printed (several campaigns at once)
        self.canceller: tuple[Member, str]
        self.checker: tuple[Member, str]
        self.reader: tuple[Member, str]  # asks for !resources after config edits
        self.lounge = ""
        self.config = Path()
        self.settings: dict[str, Any] = {}
        self.began = 0.0  # when the posts and check-ins began to count (epoch s)
        self.checkins_due: list[float] = []  # epoch s of each check-in set
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
        self.lounge = await self.sam.create_room("lounge", invite=[self.bot_id])
        self.settings = {
            "flood": {"limit": 100_000},
            "escalation": {"ack_timeout": f"{ACK_TIMEOUT:.0f}s"},
            "schedules": [
                {"room": self.lounge, "cron": "* * * * *", "timezone": "UTC", "message": POST}
            ],
            "resources": [resource(0)],
        }
        self.team, self.config = await on_call_line(
            self.work / "bot",
            self.server.url,
            self.bot_id,
            self.sam,
            self.settings,
            name="Sam",
            max_sessions=1000,
        )
        self.bot = BotProcess(self.config, password, self.store_key, self.work / "bot.log")
        await self.bot.start()
        for i in range(how_many):
            self.members.append(await self.dm_member(f"m{i}"))
        self.canceller = await self.dm_member("c")
        self.checker = await self.dm_member("k")
        self.reader = await self.dm_member("r")

    async def dm_member(self, name: str) -> tuple[Member, str]:
        m = await self.member(name)
        dm = await m.create_dm(self.bot_id)
        await m.ask(dm, "!help", self.bot_id, timeout=60)  # the Megolm session, shared
        return m, dm

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
        violations_before = sum(self.tally.violations.values())
        s_start, since = self.sam.mark(), time.time() * 1000 - 100
        starts = [m.mark() for m, _ in self.members]
        c_start = self.canceller[0].mark()
        killer = None
        if self.rng.random() < self.kill_rate:
            killer = asyncio.create_task(self.kill_soon(within=4.0))
        seen: dict[str, Any] = {
            "acks": 0,
            "ids": set(),  # requests the supporter took
            "refused": set(),  # requests the supporter was told were withdrawn
            "rooms": {},
            "left": 0,
            "closed": 0,
            "closed_ids": set(),
            "cancel": None,  # "withdrawn" or "taken": what the member who cancelled heard
            "escalated": 0,
            "edit": None,  # whether this cycle's config edit was answered
            "answers": [],  # the tasks waiting for the answers to ✅
        }
        settled = asyncio.Event()  # every member has what they asked for
        escalating = self.escalate_every > 0 and n % self.escalate_every == 1

        async def members() -> None:
            try:
                await asyncio.gather(
                    *(
                        self.ask(m, dm, start, seen)
                        for (m, dm), start in zip(self.members, starts, strict=True)
                    ),
                    *([] if escalating else [self.ask_and_cancel(c_start, seen)]),
                    self.edit_config(n, seen),
                )
            finally:
                settled.set()

        t0 = time.monotonic()
        try:
            async with asyncio.timeout(WAIT):
                await asyncio.gather(
                    members(), self.accept_all(s_start, seen, n, settled, escalating)
                )
                self.tally.steps["introduced, bot left"] += time.monotonic() - t0
                await self.close_all(seen)
                self.tally.steps["closed"] += time.monotonic() - t0
        except TimeoutError:
            pass
        except Exception as exc:  # the scripted people's own failure: the check says the rest
            print(f"{self.tag}cycle {n}: a scripted step failed: {exc!r}", flush=True)
            self.tally.flows["scripted steps failed"] += 1
        if killer is not None:
            await killer
        with contextlib.suppress(TimeoutError):  # what the ✅ were answered (taken, withdrawn)
            async with asyncio.timeout(WAIT):
                await asyncio.gather(*seen["answers"], return_exceptions=True)
        self.check(n, starts, c_start, s_start, since, seen)
        if escalating and seen["escalated"] < len(self.members):
            self.broke(n, "escalated", len(self.members) - seen["escalated"], seen)
        self.tally.cycles += 1
        if sum(self.tally.violations.values()) > violations_before:
            await self.reset(seen)  # a broken cycle must not break the next ones

    async def reset(self, seen: dict[str, Any]) -> None:
        """After a broken cycle (already counted): the sessions it took are closed and every
        member withdraws what may still be open, so the next cycle starts clean."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(WAIT):
                await self.close_all(seen)
                for m, dm in [*self.members, self.canceller]:
                    start = m.mark()
                    await say(partial(m.send, dm, "!cancel"))
                    await m.reply_from(self.bot_id, dm, start, timeout=WAIT)

    async def ask(
        self, m: Member, dm: str, start: int, seen: dict[str, Any], counted: bool = True
    ) -> None:
        bot = self.bot_id
        if counted:  # else: asked already (ask_and_cancel)
            await say(partial(m.send, dm, "!talk"))
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

    async def ask_and_cancel(self, start: int, seen: dict[str, Any]) -> None:
        """Asks and cancels at once; the supporter may have taken it first (then the member
        is told so, and the session goes on like any other)."""
        m, dm = self.canceller
        seen["cancel"] = "asked"
        await say(partial(m.send, dm, "!talk"))
        await m.reply_from(self.bot_id, dm, start, timeout=WAIT)
        seen["acks"] += 1
        answered = m.mark()
        await say(partial(m.send, dm, "!cancel"))
        reply = await m.wait_for(
            lambda r, e: (
                r == dm
                and from_bot(e, self.bot_id)
                and ("withdrawn" in e.body or "already accepted" in e.body)
            ),
            WAIT,
            answered,
        )
        if "withdrawn" in reply.body:
            seen["cancel"] = "withdrawn"
            self.tally.flows["cancel: withdrawn"] += 1
            return
        seen["cancel"] = "taken"
        self.tally.flows["cancel: taken first"] += 1
        await self.ask(m, dm, start, seen, counted=False)

    async def edit_config(self, n: int, seen: dict[str, Any]) -> None:
        """Every --edit-every-th cycle: the organizers save a config with a new crisis
        resource; the first member's `!resources` must show it (the reloader, or the
        restart, took it)."""
        if not self.edit_every or n % self.edit_every != 2:
            return
        seen["edit"] = False
        text = yaml.safe_dump(
            {**yaml.safe_load(self.config.read_text()), "resources": [resource(n)]},
            sort_keys=False,
        )
        fresh = self.config.with_suffix(".new")
        fresh.write_text(text)
        fresh.replace(self.config)  # as editors save: a new file renamed over the old
        m, dm = self.reader
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            start = m.mark()
            await say(partial(m.send, dm, "!resources"))
            reply = await m.wait_for(
                lambda r, e: r == dm and from_bot(e, self.bot_id) and "Chaos Line" in e.body,
                WAIT,
                start,
            )
            if resource(n)["name"] in reply.body:
                seen["edit"] = True
                self.tally.flows["config edits"] += 1
                return
            await asyncio.sleep(0.5)  # the reloader polls once a second: asked again

    async def accept_all(
        self,
        s_start: int,
        seen: dict[str, Any],
        n: int,
        settled: asyncio.Event,
        escalating: bool,
    ) -> None:
        """Accepts each request as its page comes, until every member has what they asked
        for: ✅ on the page, or `!accept ID` (on an escalating cycle, only once the team
        was reminded of it)."""
        taken: set[str] = seen["ids"]  # filled as they are taken
        seen_upto = s_start
        while not settled.is_set():
            try:
                page = await self.sam.wait_for(
                    lambda r, e: (
                        r == self.team
                        and from_bot(e, self.bot_id)
                        and bool(set(PAGE_IDS.findall(e.body)) - taken - seen["refused"])
                        and "New request" in e.body
                    ),
                    1.0,
                    seen_upto,
                )
            except TimeoutError:
                continue
            seen_upto = next(i for i, (_, e) in enumerate(self.sam.events) if e is page) + 1
            fresh = sorted(set(PAGE_IDS.findall(page.body)) - taken - seen["refused"])
            for request_id in fresh:
                if escalating:
                    await self.sam.wait_for(
                        lambda r, e, rid=request_id: (
                            r == self.team
                            and from_bot(e, self.bot_id)
                            and "Still waiting" in e.body
                            and rid in e.body
                        ),
                        WAIT,
                        s_start,
                    )
                    seen["escalated"] += 1
                    self.tally.flows["accepted after escalation"] += 1
                start = self.sam.mark()
                if (n + len(taken)) % 2 and "New requests" not in page.body:
                    await say(partial(self.sam.react, self.team, page.event_id, "✅"))
                    self.tally.flows["✅"] += 1
                    task = asyncio.create_task(self.unless_taken(request_id, start, seen))
                    self.retries.add(task)
                    task.add_done_callback(self.retries.discard)
                    seen["answers"].append(task)
                    taken.add(request_id)  # unless_taken sees it through
                    continue
                await say(partial(self.sam.send, self.team, f"!accept {request_id}"))
                self.tally.flows["!accept"] += 1
                answer = await self.sam.wait_for(
                    lambda r, e, rid=request_id: (
                        r == self.team and from_bot(e, self.bot_id) and about(e.body, rid)
                    ),
                    WAIT,
                    start,
                )
                if "withdrawn" in answer.body:
                    seen["refused"].add(request_id)
                else:
                    taken.add(request_id)

    async def unless_taken(self, request_id: str, start: int, seen: dict[str, Any]) -> None:
        """A ✅ the bot never answered: the supporter types `!accept ID` instead, as a person
        would (counted: a reaction on a page sent just before a kill, before the bot
        recorded it, was lost). Answered "withdrawn": not a session to close."""
        try:
            answer = await self.sam.wait_for(
                lambda r, e: (
                    r == self.team and from_bot(e, self.bot_id) and about(e.body, request_id)
                ),
                REACTION_WAIT,
                start,
            )
        except TimeoutError:
            self.tally.violations["✅ answered"] += 1
            print(f"✅ on the page of {request_id} went unanswered; !accept instead", flush=True)
            start = self.sam.mark()
            await say(partial(self.sam.send, self.team, f"!accept {request_id}"))
            answer = await self.sam.wait_for(
                lambda r, e: (
                    r == self.team and from_bot(e, self.bot_id) and about(e.body, request_id)
                ),
                WAIT,
                start,
            )
        if "withdrawn" in answer.body:
            seen["ids"].discard(request_id)
            seen["refused"].add(request_id)

    async def close_all(self, seen: dict[str, Any]) -> None:
        for request_id in sorted(seen["ids"] - seen["closed_ids"]):
            start = self.sam.mark()
            await say(partial(self.sam.send, self.team, f"!done {request_id}"))
            answer = await self.sam.wait_for(
                lambda r, e, rid=request_id: (
                    r == self.team
                    and from_bot(e, self.bot_id)
                    and (f"Session {rid} is closed" in e.body or f"no open session {rid}" in e.body)
                ),
                WAIT,
                start,
            )
            if request_id in seen["refused"]:  # withdrawn: no session (told since the ✅)
                continue
            seen["closed"] += int("is closed" in answer.body)
            self.tally.flows["!done"] += 1
            seen["closed_ids"].add(request_id)

    def check(
        self,
        n: int,
        starts: list[int],
        c_start: int,
        s_start: int,
        since: float,
        seen: dict[str, Any],
    ) -> None:
        """Counts what broke in cycle `n`, from the events sent since `since` (ms; a late
        decryption may add an older event to a client's list) and prints each break."""
        bot = self.bot_id
        people = list(zip(self.members, starts, strict=True))
        if seen["cancel"] == "taken":  # the supporter took it first: a session like the rest
            people.append((self.canceller, c_start))
        many = len(people)
        broken: Counter[str] = Counter()
        broken["acknowledged"] = len(self.members) + (seen["cancel"] is not None) - seen["acks"]

        def new(e: Any) -> bool:
            return from_bot(e, bot) and e.server_timestamp >= since

        firsts: Counter[str] = Counter()
        for r, e in self.sam.events[s_start:]:
            if r == self.team and new(e) and "New request" in e.body:
                firsts.update(set(PAGE_IDS.findall(e.body)))
        broken["paged once"] = sum(1 for i in seen["ids"] if firsts[i] != 1)
        broken["paged once"] += many - len(seen["ids"])  # a request never seen paged
        broken["paged once"] += sum(1 for i in seen["refused"] if firsts[i] > 1)
        for (m, dm), start in people:
            rooms = {r for r, e in m.events[start:] if r != dm and new(e)}
            broken["one room"] += len(rooms) != 1
            room = seen["rooms"].get(m.user_id)
            intros = [e for r, e in m.events[start:] if r == room and new(e) and INTRO in e.body]
            broken["one introduction"] += len({e.event_id for e in intros}) != 1
        broken["bot left"] = many - seen["left"]
        broken["session closed"] = many - seen["closed"]
        escalations: dict[str, list[float]] = {}
        for r, e in self.sam.events[s_start:]:
            if r == self.team and new(e) and "Still waiting" in e.body:
                for rid in set(PAGE_IDS.findall(e.body)):
                    escalations.setdefault(rid, []).append(e.server_timestamp / 1000)
        broken["escalated once"] = sum(
            1
            for times in escalations.values()
            if any(b - a < ACK_TIMEOUT / 2 for a, b in itertools.pairwise(sorted(times)))
        )
        m, dm = self.canceller
        if seen["cancel"] == "asked":
            broken["cancel answered"] = 1
        elif seen["cancel"] == "withdrawn":
            rooms = {r for r, e in m.events[c_start:] if r != dm and new(e)}
            broken["withdrawn: no room"] = len(rooms)
        if seen["edit"] is False:
            broken["config edit taken"] = 1
        for name, count in broken.items():
            self.broke(n, name, count, seen)

    def broke(self, n: int, name: str, count: int, seen: dict[str, Any]) -> None:
        if count:
            print(
                f"{self.tag}cycle {n}: {name} broken {count}x (ids {sorted(seen['ids'])})",
                flush=True,
            )
            self.tally.violations[name] += count

    async def checkins_loop(self, stop: asyncio.Event) -> None:
        """Every CHECKIN_EVERY seconds the check-in member sets a daily check-in two minutes
        ahead (the bot may be killed, or Synapse away, at any moment of it)."""
        m, dm = self.checker
        while not stop.is_set():
            due = (time.time() // 60) * 60 + 120
            start = m.mark()
            try:
                await m.send(dm, f"!checkin daily {time.strftime('%H:%M', time.gmtime(due))} UTC")
                await m.wait_for(
                    lambda r, e: r == dm and from_bot(e, self.bot_id) and "check in with" in e.body,
                    WAIT,
                    start,
                )
                if time.time() < due - 5:  # set in time for it (else it is tomorrow's)
                    self.checkins_due.append(due)
            except Exception as exc:  # e.g. sent while Synapse was away: tried next time
                print(f"a check-in could not be set: {type(exc).__name__}", flush=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, due + 60 - time.time()))

    def check_timed(self, end: float) -> None:
        """Each minute's community post and each check-in set, once: those due at least LATE
        before `end`."""
        bot = self.bot_id
        posts = sorted(
            e.server_timestamp / 1000
            for r, e in self.sam.events
            if r == self.lounge and from_bot(e, bot) and POST in e.body
        )
        first, last = (self.began // 60 + 2) * 60, ((end - LATE) // 60) * 60
        slots = [first + 60 * i for i in range(int((last - first) // 60) + 1)]
        missed, doubled = matched(slots, [t for t in posts if t >= first], last + 60)
        self.tally.posts = len(slots)
        m, dm = self.checker
        prompts = sorted(
            e.server_timestamp / 1000
            for r, e in m.events
            if r == dm and from_bot(e, bot) and CHECKIN in e.body
        )
        due = [d for d in self.checkins_due if d <= end - LATE]
        until = max(due, default=0.0) + CHECKIN_EVERY - 30
        c_missed, c_doubled = matched(due, prompts, until)
        self.tally.checkins = len(due)
        for name, count, what in (
            ("community post once", missed, "missed"),
            ("community post once", doubled, "doubled"),
            ("check-in once", c_missed, "missed"),
            ("check-in once", c_doubled, "doubled"),
        ):
            if count:
                print(f"{name}: {count} {what}", flush=True)
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
        extra = [getattr(self, a) for a in ("canceller", "checker", "reader") if hasattr(self, a)]
        for m, _ in [*self.members, *extra]:
            await m.close()
        await self.sam.close()
        await self.bot.stop()
        self.server.stop()


async def say(step: Callable[[], Awaitable[object]]) -> None:
    """A scripted person's send (or reaction): while Synapse is away it fails, and the person
    tries again, as Element does (a lost answer to a send that did arrive can double it)."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            await step()
            return
        except (aiohttp.ClientError, OSError, AttributeError) as exc:  # no event id: an error
            if time.monotonic() > deadline:
                raise TimeoutError from exc
        await asyncio.sleep(0.5)


def resource(n: int) -> dict[str, object]:
    """The crisis resource of the config edited in cycle `n` (0: the first config)."""
    return {
        "name": f"Chaos Line {n}",
        "contact": "+1-555-0100",
        "topics": ["crisis"],
        "languages": ["en"],
    }


def about(body: str, request_id: str) -> bool:
    """A team-room answer about `request_id` ("…request ABCD…", "Request ABCD was…")."""
    return f"request {request_id.lower()}" in body.lower().replace("*", "")


def matched(due: list[float], sent: list[float], until: float) -> tuple[int, int]:
    """(missed, doubled): each time in `due` takes the first message sent in [due, due +
    LATE) not taken by an earlier one; a message before `until` that none took is a double."""
    taken: set[int] = set()
    missed = 0
    for d in sorted(due):
        match = next((i for i, t in enumerate(sent) if i not in taken and d <= t < d + LATE), None)
        if match is None:
            missed += 1
        else:
            taken.add(match)
    doubled = sum(1 for i, t in enumerate(sent) if i not in taken and t < until)
    return missed, doubled


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
    escalate_every: int = 10,
    edit_every: int = 5,
    enough: asyncio.Event | None = None,
    tag: str = "",
) -> Tally:
    """One campaign: its own Synapse, bot and people. `enough`: set to stop after the cycle
    under way (else SIGTERM and SIGINT set it); `tag` begins each line it prints."""
    work = work or Path(tempfile.mkdtemp(prefix="warmline-chaos-"))
    chaos = Chaos(work, random.Random(seed), kill_rate, hs_every, escalate_every, edit_every)
    chaos.tag = tag
    began = time.monotonic()
    timed_stop, timed = asyncio.Event(), None
    try:
        await chaos.setup(members)
        began, chaos.began = time.monotonic(), time.time()
        timed = asyncio.create_task(chaos.checkins_loop(timed_stop))
        if enough is None:
            enough = asyncio.Event()  # SIGTERM or SIGINT: finish this cycle, then report
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, enough.set)
        for n in range(cycles):
            if enough.is_set():
                print(f"{tag}stopped early, after {n} of {cycles} cycles", flush=True)
                break
            await chaos.cycle(n)
            if (n + 1) % 10 == 0:
                print(
                    f"{tag}... {n + 1} cycles, {chaos.tally.kills} kills, "
                    f"{sum(chaos.tally.violations.values())} violations",
                    flush=True,
                )
        chaos.tally.seconds = time.monotonic() - began
        timed_stop.set()
        await timed
        chaos.check_timed(time.time())
        await chaos.check_store()
    finally:
        timed_stop.set()
        if timed is not None and not timed.done():
            timed.cancel()
        await chaos.close()
    return chaos.tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--kill-rate", type=float, default=0.8)
    parser.add_argument("--hs-every", type=int, default=10, help="0: never restart Synapse")
    parser.add_argument("--escalate-every", type=int, default=10, help="0: never")
    parser.add_argument("--edit-every", type=int, default=5, help="0: never edit the config")
    parser.add_argument(
        "--parallel",
        type=int,
        default=1,
        help="campaigns at once, each with its own Synapse and bot, sharing the cycles",
    )
    args = parser.parse_args()
    logging.getLogger("nio").setLevel(logging.CRITICAL)  # the clients' own retries and noise
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    print(f"seed: {seed}" + (f" (+0..{args.parallel - 1})" if args.parallel > 1 else ""))

    async def run() -> Tally:
        enough = asyncio.Event()  # SIGTERM or SIGINT: each finishes its cycle, then reports
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, enough.set)
        shares = [
            args.cycles // args.parallel + (i < args.cycles % args.parallel)
            for i in range(args.parallel)
        ]
        tallies = await asyncio.gather(
            *(
                campaign(
                    share,
                    seed + i,
                    args.kill_rate,
                    args.hs_every,
                    escalate_every=args.escalate_every,
                    edit_every=args.edit_every,
                    enough=enough,
                    tag=f"[{i}] " if args.parallel > 1 else "",
                )
                for i, share in enumerate(shares)
            )
        )
        return merged(tallies)

    tally = asyncio.run(run())
    if args.parallel > 1:
        print(f"{args.parallel} campaigns at once; wall time per cycle: of all of them")
    print(tally.report())


def merged(tallies: list[Tally]) -> Tally:
    """Campaigns run at once, as one: counts added, the wall time the longest."""
    total = Tally()
    for t in tallies:
        total.cycles += t.cycles
        total.kills += t.kills
        total.hs_restarts += t.hs_restarts
        total.violations.update(t.violations)
        total.steps.update(t.steps)
        total.flows.update(t.flows)
        total.posts += t.posts
        total.checkins += t.checkins
        total.seconds = max(total.seconds, t.seconds)
    return total


if __name__ == "__main__":
    main()
