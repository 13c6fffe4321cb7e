"""Nothing is kept longer than needed, and nothing is acted on too late:
- a request nobody could take is closed privacy.retention after its last activity (the member
  told when, in their answers; the page edited; the member's identity erased);
- a message that reaches the bot more than stale_after after it was sent is not acted on; a
  member whose late message was a command in their DM is told, with the crisis resources
  when it asked for a peer."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalogue import Catalogue
from bot.config import (
    Config,
    EscalationConfig,
    MatrixConfig,
    PrivacyConfig,
    ResourceConfig,
    RosterConfig,
    StoreConfig,
    SupporterConfig,
)
from bot.dispatch import Dispatcher
from bot.flood import FloodGuard
from bot.line import SupportLine
from bot.logs import Redactor
from bot.retention import purge
from bot.roster import Roster
from bot.shifts import parse_shift
from bot.stale import LateEvents
from bot.team import TeamRoom
from store import Incoming, Store
from store.records import Request
from store.secret import parse
from tests.support.fakes import FakeRooms, RecordingMessenger

TEAM = "!team:hs"
DAY = 86400.0
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).timestamp()


class World:
    def __init__(self, tmp: Path, on_call: bool) -> None:
        self.now = NOW
        self.store = Store(tmp / "data", parse("b2" * 32, "test"))
        shifts = (parse_shift("daily 00:00-24:00"),) if on_call else ()
        roster_config = RosterConfig(supporters=(SupporterConfig("@sam:hs", "Sam", shifts=shifts),))
        self.config = Config(
            MatrixConfig("https://hs", "@bot:hs"),
            StoreConfig("x"),
            roster=roster_config,
            escalation=EscalationConfig(ack_timeout=300, give_up_after=1800),
            privacy=PrivacyConfig(retention=DAY),
            resources=(ResourceConfig("Rainbow Line", "+1-555-0100", topics=("crisis",)),),
        )
        roster = Roster(roster_config)
        self.messenger = RecordingMessenger()
        self.line = SupportLine(
            self.store,
            lambda: self.config,
            lambda: roster,
            self.messenger,
            FakeRooms(),
            TeamRoom(TEAM, self.messenger, Catalogue(), lambda: roster),
            Redactor(b"k" * 32),
            clock=lambda: self.now,
            new_id=lambda taken: "K7F2",
        )

    def to_member(self) -> list[str]:
        return [m.body for r, m in self.messenger.sent if r == "!dm:hs"]

    def request(self, request_id: str = "K7F2") -> Request:
        found = self.store.request(request_id)
        assert found is not None
        return found


@pytest.fixture
def world(tmp_path: Path):
    w = World(tmp_path, on_call=False)
    yield w
    w.store.close()


async def test_nobody_on_call_the_member_hears_how_long_and_it_lapses_then(world: World):
    await world.line.talk("@alex:hs", "!dm:hs", "en")
    (told,) = world.to_member()
    assert "no peer supporter is on call" in told
    assert "If nobody has picked it up by 2026-12-01 09:00 UTC, I'll close it" in told
    world.now += DAY - 1
    await world.line.process_due()
    assert world.request().state == "open"
    world.now += 1
    await world.line.process_due()
    closed = world.request()
    assert closed.state == "lapsed" and closed.closed_at == world.now
    assert (closed.member, closed.member_room, closed.next_deadline) == ("", "", None)
    assert world.store.active_request_of("@alex:hs") is None
    page_edit = world.messenger.edits[-1][2].body
    assert "K7F2 · closed: nobody could take it in time" in page_edit
    assert len(world.to_member()) == 1  # told in advance; nothing sent at the lapse itself
    assert purge(world.store, world.config, now=world.now + DAY + 1).requests == 1


async def test_asking_again_keeps_it_longer_and_says_until_when(world: World):
    await world.line.talk("@alex:hs", "!dm:hs", "en")
    world.now += 12 * 3600
    await world.line.talk("@alex:hs", "!dm:hs", "en")
    again = world.to_member()[-1]
    assert "still open" in again and "by 2026-12-01 21:00 UTC" in again
    world.now += DAY - 1
    await world.line.process_due()
    assert world.request().state == "open"


async def test_after_escalation_gives_up_the_member_is_told_until_when(tmp_path: Path):
    w = World(tmp_path, on_call=True)
    await w.line.talk("@alex:hs", "!dm:hs", "ar")
    for _ in range(6):  # five escalations, then the give-up
        w.now = w.request().next_deadline or w.now
        await w.line.process_due()
    told = w.to_member()[-1]
    assert "2026-12-01 09:30" in told and "سأغلقه" in told  # in the member's language
    w.now += DAY
    await w.line.process_due()
    assert w.request().state == "lapsed"
    w.store.close()


def test_requests_stored_without_a_lapse_deadline_get_one(world: World):
    legacy = Request("OLD1", "@a:hs", "!a:hs", "en", NOW - 10 * DAY, gave_up=True)
    world.store.add_request(legacy)  # a version before lapses kept it open for ever
    purge(world.store, world.config, now=NOW)
    assert world.request("OLD1").next_deadline == NOW + DAY


# -- late events ------------------------------------------------------------------------------


def event(body: str, sent: float, members: int = 2, event_id: str = "$e1") -> Incoming:
    when = int(sent * 1000)
    return Incoming(
        event_id, "!dm:hs", "@alex:hs", "DEV", "text", body, None, when, True, members, True, None
    )


def dispatcher(world: World, handled: list[str], flood: FloodGuard | None = None) -> Dispatcher:
    async def handle(ev: Incoming) -> None:
        handled.append(ev.event_id)

    late = LateEvents(lambda: DAY, world.line.too_late, lambda user: "en", flood, lambda: world.now)
    return Dispatcher(handle, world.store, Redactor(b"k" * 32), late)


async def run(d: Dispatcher, world: World, *events: Incoming) -> None:
    world.store.commit_batch("s1", list(events))
    for ev in events:
        d.submit(ev)
    await d.drain(timeout=5)


async def test_a_talk_request_from_last_week_is_not_acted_on_and_the_member_is_told(
    world: World, caplog: pytest.LogCaptureFixture
):
    handled: list[str] = []
    d = dispatcher(world, handled)
    with caplog.at_level(logging.INFO, logger="bot.stale"):
        await run(d, world, event("I need to talk", NOW - 7 * DAY))
        await asyncio.sleep(1.1)  # the count is logged once per burst
    assert handled == [] and world.store.active_request_of("@alex:hs") is None
    assert world.store.pending() == []  # handled: never replayed
    (told,) = world.to_member()
    assert "Your message from 2026-11-23 09:00 UTC has only reached me now" in told
    assert "Rainbow Line" in told  # the crisis resources, whatever else
    assert "not acted on 1 event(s)" in caplog.text and "@alex" not in caplog.text


async def test_fresh_events_run_and_late_ones_in_shared_rooms_or_chatter_get_no_answer(
    world: World,
):
    handled: list[str] = []
    d = dispatcher(world, handled)
    await run(
        d,
        world,
        event("!talk", NOW - DAY + 60, event_id="$fresh"),
        event("!talk", NOW - 2 * DAY, members=40, event_id="$shared"),
        event("thanks, that helped", NOW - 2 * DAY, event_id="$chatter"),
        event("!checkin daily 20:00", NOW - 2 * DAY, event_id="$command"),
    )
    assert handled == ["$fresh"]
    (told,) = world.to_member()
    assert "haven't acted on it" in told


async def test_late_answers_are_flood_guarded(world: World):
    handled: list[str] = []
    d = dispatcher(world, handled, FloodGuard(limit=3, window=60, clock=lambda: world.now))
    await run(d, world, *(event("!talk", NOW - 2 * DAY, event_id=f"$e{i}") for i in range(50)))
    assert len(world.to_member()) == 3
