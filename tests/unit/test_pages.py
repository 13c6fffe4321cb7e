"""Pages under load: a lone request is paged at once; requests arriving while a page is in
flight share the next page; reminders that fall due together share one message; a combined
page is edited to show each request's state, and ✅ on it takes the oldest open request."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.catalogue import Catalogue
from bot.config import (
    Config,
    EscalationConfig,
    MatrixConfig,
    RosterConfig,
    StoreConfig,
    SupporterConfig,
)
from bot.line import SupportLine
from bot.logs import Redactor
from bot.pages import Coalescer
from bot.roster import Roster
from bot.shifts import parse_shift
from bot.team import TeamRoom
from bot.text import Message
from store import Incoming, Store
from store.secret import parse
from tests.support.fakes import FakeRooms, until

TEAM = "!team:hs"
SAM = "@sam:hs"


async def test_coalescer_sends_a_lone_item_at_once_and_batches_the_rest():
    sent: list[list[int]] = []
    gate = asyncio.Event()

    async def send(items: list[int]) -> None:
        sent.append(items)
        if len(sent) == 1:
            await gate.wait()  # the first send is slow: others arrive meanwhile

    coalescer = Coalescer(send)
    first = asyncio.create_task(coalescer.submit(0))
    await until(lambda: sent == [[0]])  # sent at once, not held back waiting for company
    assert coalescer.busy
    rest = [asyncio.create_task(coalescer.submit(i)) for i in range(1, 6)]
    await until(lambda: coalescer.waiting == 5)
    gate.set()
    await asyncio.gather(first, *rest)
    assert sent == [[0], [1, 2, 3, 4, 5]]
    assert not coalescer.busy


async def test_a_cancelled_submitter_does_not_strand_the_others():
    gate = asyncio.Event()
    sent: list[list[int]] = []

    async def send(items: list[int]) -> None:
        await gate.wait()
        sent.append(items)

    coalescer = Coalescer(send)
    first = asyncio.create_task(coalescer.submit(1))
    await until(lambda: coalescer.busy and coalescer.waiting == 0)  # its send has begun
    second = asyncio.create_task(coalescer.submit(2))
    await until(lambda: coalescer.waiting == 1)
    first.cancel()  # e.g. its handler was cancelled; its page is still sent
    gate.set()
    await second
    assert sent == [[1], [2]]


async def test_a_failed_send_reaches_every_submitter_of_its_batch():
    async def send(items: list[int]) -> None:
        raise ConnectionError("homeserver down")

    coalescer = Coalescer(send)
    results = await asyncio.gather(coalescer.submit(1), coalescer.submit(2), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)


class SlowMessenger:
    """Team messages are held until `release` is set, as a busy homeserver would."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Message]] = []
        self.edits: list[tuple[str, Message]] = []
        self.release = asyncio.Event()
        self.release.set()

    async def send(self, room_id: str, message: Message, once: str | None = None) -> str | None:
        self.sent.append((room_id, message))
        if room_id == TEAM:
            await self.release.wait()
        return f"$m{len(self.sent)}"

    async def edit(self, room_id: str, event_id: str, message: Message) -> str | None:
        self.edits.append((event_id, message))
        return f"$e{len(self.edits)}"

    def team(self) -> list[Message]:
        return [m for r, m in self.sent if r == TEAM]


class World:
    def __init__(self, tmp: Path) -> None:
        self.now = 1_800_000_000.0
        self.store = Store(tmp / "data", parse("a1" * 32, "test"))
        roster_config = RosterConfig(
            supporters=(
                SupporterConfig(
                    SAM, "Sam", shifts=(parse_shift("daily 00:00-24:00"),), max_sessions=9
                ),
            )
        )
        config = Config(
            MatrixConfig("https://hs", "@bot:hs"),
            StoreConfig("x"),
            roster=roster_config,
            escalation=EscalationConfig(ack_timeout=300, give_up_after=3600),
        )
        roster = Roster(roster_config)
        self.messenger = SlowMessenger()
        self.line = SupportLine(
            self.store,
            lambda: config,
            lambda: roster,
            self.messenger,
            FakeRooms(),
            TeamRoom(TEAM, self.messenger, Catalogue(), lambda: roster),
            Redactor(b"k" * 32),
            clock=lambda: self.now,
            new_id=lambda taken: f"R{len(taken):03d}",
        )

    async def burst(self, n: int) -> None:
        """One request alone, then n more while its page is still on its way."""
        self.messenger.release.clear()
        first = asyncio.create_task(self.line.talk("@m0:hs", "!dm0", "en"))
        await until(lambda: bool(self.messenger.team()))  # the first page is on its way
        others = [
            asyncio.create_task(self.line.talk(f"@m{i}:hs", f"!dm{i}", "en"))
            for i in range(1, n + 1)
        ]
        # each stores its request and hands it to the pages in one step
        await until(lambda: len(self.store.open_requests()) == n + 1)
        self.messenger.release.set()
        await asyncio.gather(first, *others)


@pytest.fixture
def world(tmp_path: Path):
    w = World(tmp_path)
    yield w
    w.store.close()


async def test_a_burst_is_paged_in_two_messages_and_every_request_is_on_a_page(world: World):
    await world.burst(4)
    pages = world.messenger.team()
    assert len(pages) == 2
    assert "New request R000" in pages[0].body
    combined = pages[1]
    assert combined.body.startswith("🔔 New requests")
    assert all(f"R00{i}" in combined.body for i in range(1, 5))
    assert combined.mentions == (SAM,)
    paged_as = {r.id: r.page_event for r in world.store.open_requests()}
    assert paged_as["R000"] is not None and paged_as["R000"] != paged_as["R001"]
    assert len({paged_as[f"R00{i}"] for i in range(1, 5)}) == 1  # one combined page
    for member in (f"@m{i}:hs" for i in range(5)):
        assert member not in combined.body and member not in combined.html


async def test_a_reaction_on_a_combined_page_takes_the_oldest_open_and_the_edit_shows_all(
    world: World,
):
    await world.burst(3)
    page_event = world.store.request("R001").page_event
    assert page_event is not None
    await world.line.cancel("@m1:hs", "!dm1", "en")  # R001 withdrawn
    edit = world.messenger.edits[-1][1].body
    assert "R001 · withdrawn by the member" in edit and "R002 · language: en" in edit

    reaction = Incoming(
        "$r", TEAM, SAM, "DEV", "reaction", "✅", page_event, 0, True, 3, True, None
    )
    assert world.line.reaction_command(reaction) == ("accept", "R002")
    await world.line.accept("R002", SAM)
    edit = world.messenger.edits[-1][1].body
    assert "R002 · taken by Sam" in edit and "R003 · language: en" in edit
    assert world.line.reaction_command(reaction) == ("accept", "R003")


async def test_reminders_due_together_go_out_as_one_message(world: World):
    await world.burst(3)
    before = len(world.messenger.team())
    world.now += 301
    world.messenger.release.clear()  # a busy homeserver: the first reminder is slow
    due = asyncio.create_task(world.line.process_due())
    # each escalation is stored, then handed to the pages in the same step
    await until(lambda: all(r.escalations == 1 for r in world.store.open_requests()))
    world.messenger.release.set()
    await due
    reminders = world.messenger.team()[before:]
    assert len(reminders) == 1  # all four fell due in one pass: one message
    assert reminders[0].body.startswith("⏫ Still waiting, nobody has accepted these yet")
    assert all(f"R00{i}" in reminders[0].body for i in range(4))
    assert reminders[0].mentions == (SAM,)


async def test_reminders_queued_behind_an_outage_go_out_once(world: World):
    """bench.chaos: Synapse away for 13 s with ack_timeout 6 s; the reminders queued meanwhile
    all went out when it came back, two of the same request within a second."""
    await world.burst(0)
    before = len(world.messenger.team())
    world.messenger.release.clear()  # the homeserver is away: the first reminder waits
    world.now += 301
    first = asyncio.create_task(world.line.process_due())
    await until(lambda: world.store.open_requests()[0].escalations == 1)
    world.now += 300  # the next deadline comes while the first reminder still waits
    second = asyncio.create_task(world.line.process_due())
    await until(lambda: world.store.open_requests()[0].escalations == 2)
    world.now += 60  # back a minute later: both were queued
    world.messenger.release.set()
    await asyncio.gather(first, second)
    assert len(world.messenger.team()[before:]) == 1
    world.now += 300  # the next one, a whole ack_timeout later, goes out
    await world.line.process_due()
    assert len(world.messenger.team()[before:]) == 2
