"""Benchmark of "I need to talk" bursts on a local Synapse; prints numbers, asserts nothing.

    .venv/bin/python -m bench.talk [--bursts 10 100] [--limits lifted|default] [--spread S]

floor: one-way latency of an encrypted message between two clients (no warmline);
then for each burst size N, N distinct members send `!talk` at the same instant:
member-ack latency (send → acknowledgement seen), and the time from the burst until every
page is visible to a supporter in the team room; before each warmline burst the same members
send the same burst to a trivial nio echo client, and again while that client also posts one
combined message per burst to a team room (as warmline pages): the floor for a line that
pages, beside the floor for one that does not. Each size runs `--repeat` rounds (each
member's request is cancelled in between) and the samples are pooled. Targets (issue #16):
ack p50 and p95 <= 1.0x the echo client's; every request visible in a page within 1.2x the echo
client's p95. Turnaround* (the homeserver's timestamps of request and reply) is printed too.

`--limits default` leaves the bot's account under Synapse's default rate limits (the people
are always lifted: they are load generators), and `--spread 24 --bursts 12` sends the burst's
requests evenly over 24 s: the case of issue #12 (target there: ack p95 <= 10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import RoomMessage, RoomMessageText

from bench.common import Answer, answered, burst_of, echo_back, pct, report, shut_down
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


class PagingEcho:
    """The trivial echo client that, while `on`, also posts one message to a team room per
    burst of requests (warmline posts one or two combined pages per burst): the floor for a
    line that pages its supporters, measured beside the plain echo client."""

    def __init__(self, echo: Member, team: str) -> None:
        self.echo, self.team = echo, team
        self.on = False
        self.idle = asyncio.Event()
        self.idle.set()
        self._paging: asyncio.Future[None] | None = None

    async def page(self) -> None:
        self.idle.clear()
        try:
            await self.echo.client.room_send(
                self.team,
                "m.room.message",
                {"msgtype": "m.notice", "body": "New requests"},
                ignore_unverified_devices=True,
            )
        finally:
            self.idle.set()

    def callback(self) -> Callable[[Any, Any], Awaitable[None]]:
        reply = echo_back(self.echo, skip="ping")

        async def answer(room: Any, event: Any) -> None:
            if self.on and room.room_id != self.team and event.sender != self.echo.user_id:
                self.on = False  # one page for the burst, beside the replies (no wait)
                self._paging = asyncio.ensure_future(self.page())
            await reply(room, event)

        return answer


@dataclass
class Burst:
    acks: list[Answer]  # per member
    pages_ms: float  # until every request was visible in a page
    accepted_ms: float  # until the homeserver had accepted every request (no page before)
    stored_ms: float  # until the homeserver had stored the last page
    page_messages: int


async def burst(
    crowd: list[Member], rooms: list[str], bot_id: str, sam: Member, team: str, spread: float
) -> Burst:
    """N members send !talk at once (or spread over `spread` s)."""
    go = asyncio.Event()
    team_start = sam.mark()
    sent: list[float] = []

    async def one(member: Member, room: str, offset: float) -> Answer:
        await go.wait()
        await asyncio.sleep(offset)
        return await answered(
            member, room, "!talk", bot_id, 600, lambda: sent.append(time.perf_counter())
        )

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
        if r == team and isinstance(e, RoomMessage) and "New request" in e.body and not edit(e):
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
    return Burst(acks, pages_ms, (max(sent) - t0) * 1000, max(stamped) - wall0, len(stamped))


def edit(event: RoomMessage) -> bool:
    """An m.replace (a page edited after a !cancel of the round before) is no new page."""
    relates = event.source.get("content", {}).get("m.relates_to", {})
    return isinstance(relates, dict) and relates.get("rel_type") == "m.replace"


async def main(bursts: list[int], rounds: int, limits: str, spread: float, repeat: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="warmline-talk-bench-"))
    server, bot_id, bot_pw = synapse_with_bot(work, lifted=limits == "lifted")
    print(f"the bot's rate limits: {limits}; each burst spread over {spread:.0f} s")
    members: list[Member] = []
    bot: BotProcess | None = None
    try:
        sam = await new_member(server, work, "sam")
        echo = await new_member(server, work, "echo")
        members += [sam, echo]
        floor = report("floor: one-way encrypted message", await one_way_floor(sam, echo, rounds))
        sam.accept_invites()
        echo_team = await echo.create_room("echo-team", [sam.user_id])
        await sam.wait_for(lambda r, _e: r == echo_team, timeout=30)  # sam is in
        pager = PagingEcho(echo, echo_team)
        echo.client.add_event_callback(pager.callback(), RoomMessageText)
        await pager.page()  # the echo's team room key is shared before any burst
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
            await bursts_of(
                n, repeat, limits, (crowd, rooms, echo_rooms), bot_id, pager, sam, team, spread
            )
            print(f"{'':48} (one-way floor {floor:.1f} ms)")
    finally:
        await shut_down(members, bot, server)


async def bursts_of(
    n: int,
    repeat: int,
    limits: str,
    people: tuple[list[Member], list[str], list[str]],
    bot_id: str,
    pager: PagingEcho,
    sam: Member,
    team: str,
    spread: float,
) -> None:
    """`repeat` rounds, each a burst to the echo client, one to the echo client that also
    pages, and then one of !talk to warmline (each member's request is cancelled before the
    next round); the samples of all rounds are pooled: one burst is N samples of one moment
    of the machine."""
    crowd, rooms, echo_rooms = people
    echo = pager.echo
    echoed: list[Answer] = []
    paged: list[Answer] = []
    rounds: list[Burst] = []
    for i in range(repeat):
        echoed += await burst_of(crowd, echo_rooms, echo.user_id)
        pager.on = True
        paged += await burst_of(crowd, echo_rooms, echo.user_id)
        pager.on = False
        await pager.idle.wait()
        if limits == "default" and i == 0:  # joining the rooms spent the bot's burst (joins count)
            await asyncio.sleep(REFILL)  # as on a line that was quiet before the rush
        rounds.append(await burst(crowd, rooms, bot_id, sam, team, spread))
        if i < repeat - 1:
            for m, r in zip(crowd, rooms, strict=True):
                await m.ask(r, "!cancel", bot_id, timeout=120)
            if limits == "default":
                await asyncio.sleep(REFILL)
    acks = [a for b in rounds for a in b.acks]
    pages = [b.pages_ms for b in rounds]
    label = f"burst of {n} ({repeat} rounds)"
    echo_seen, echo_turn = [a.seen for a in echoed], [a.turnaround for a in echoed]
    report(f"{label}: floor, trivial echo client", echo_seen)
    report(f"{label}: echo client, turnaround*", echo_turn)
    report(f"{label}: echo client, delivery**", [a.delivery for a in echoed])
    ack_seen = [a.seen for a in acks]
    med = report(f"{label}: member ack via warmline", ack_seen)
    report(f"{label}: ack via warmline, turnaround*", [a.turnaround for a in acks])
    report(f"{label}: ack via warmline, delivery**", [a.delivery for a in acks])
    echo_p50, echo_p95 = statistics.median(echo_seen), pct(echo_seen, 95)
    print(
        f"{'':48} ack / echo client: p50 {med / echo_p50:.2f}, "
        f"p95 {pct(ack_seen, 95) / echo_p95:.2f} (targets <= 1.0)"
    )
    turn_p50 = statistics.median([a.turnaround for a in acks]) / statistics.median(echo_turn)
    turn_p95 = pct([a.turnaround for a in acks], 95) / pct(echo_turn, 95)
    print(f"{'':48} turnaround* / echo client: p50 {turn_p50:.2f}, p95 {turn_p95:.2f}")
    paged_seen = [a.seen for a in paged]
    report(f"{label}: floor, echo client that also pages", paged_seen)
    print(
        f"{'':48} ack / echo client that also pages: p50 "
        f"{med / statistics.median(paged_seen):.2f}, p95 "
        f"{pct(ack_seen, 95) / pct(paged_seen, 95):.2f} (the floor for a line that pages)"
    )
    print(
        f"{f'{label}: homeserver accepted all requests':48} "
        f"{statistics.median(b.accepted_ms for b in rounds):7.1f} ms after the burst, median "
        "(no page can be seen earlier)"
    )
    print(
        f"{'':48} the last page was stored by the homeserver "
        f"{statistics.median(b.stored_ms for b in rounds):7.1f} ms after the burst, median "
        f"({sum(b.page_messages for b in rounds)} page messages in all)"
    )
    print(
        f"{f'{label}: every request visible in a page':48} "
        f"{statistics.median(pages):7.1f} ms after the burst, median of the rounds, "
        f"{statistics.median(pages) / echo_p95:.2f} x the echo client's p95 (target <= 1.2)"
    )
    print(
        "  * reply origin_server_ts - request origin_server_ts (Synapse's clock): without the\n"
        "    time the benchmark's members need to decrypt in one shared process\n"
        " ** reply origin_server_ts until the member saw it (the same clock): the homeserver\n"
        "    storing the reply and waking the member's sync (and the member decrypting it)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bursts", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--limits", choices=["lifted", "default"], default="lifted")
    parser.add_argument("--spread", type=float, default=0.0, help="seconds a burst spreads over")
    parser.add_argument("--repeat", type=int, default=5, help="bursts of each size, pooled")
    args = parser.parse_args()
    asyncio.run(main(args.bursts, args.rounds, args.limits, args.spread, args.repeat))
