"""A Hypothesis state machine over the real SupportLine and encrypted store (fake messenger,
rooms and clock; 25 runs × 50 steps = 1,250 steps, measured):
whatever members and supporters do, in any order, at any time,
at most one supporter ever has a request, no page names a member, capacity is respected."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.catalogue import Catalogue
from bot.config import Config, MatrixConfig, RosterConfig, StoreConfig, SupporterConfig
from bot.errors import CommandError
from bot.line import SupportLine
from bot.logs import Redactor
from bot.roster import Roster
from bot.shifts import parse_shift
from bot.team import TeamRoom
from bot.text import Message
from store import Store
from store.secret import parse
from tests.support.fakes import FakeRooms

MEMBERS = [f"@member{i}:hs" for i in range(5)]
SUPPORTERS = [("@sam:hs", 1, 1), ("@ari:hs", 1, 2), ("@kim:hs", 2, 1)]  # id, tier, max
TEAM = "!team:hs"
ALWAYS = (parse_shift("daily 00:00-24:00"),)


class CheckingMessenger:
    """Records messages and checks each team message at the moment it is sent."""

    def __init__(self, machine: LineMachine) -> None:
        self.machine = machine
        self.count = 0

    async def send(self, room_id: str, message: Message, once: str | None = None) -> str | None:
        self.count += 1
        if room_id == TEAM:
            self.machine.check_team_message(message)
        return f"$m{self.count}"

    async def edit(self, room_id: str, event_id: str, message: Message) -> str | None:
        return await self.send(room_id, message)


class LineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = tempfile.TemporaryDirectory()
        self.store = Store(Path(self.dir.name), parse("34" * 32, "test"))
        self.now = 1_800_000_000.0
        roster_config = RosterConfig(
            supporters=tuple(
                SupporterConfig(user_id=u, name=u[1:4], shifts=ALWAYS, tier=t, max_sessions=m)
                for u, t, m in SUPPORTERS
            )
        )
        config = Config(
            MatrixConfig("https://hs", "@bot:hs"), StoreConfig("x"), roster=roster_config
        )
        self.rooms = FakeRooms()
        messenger = CheckingMessenger(self)
        roster = Roster(roster_config)
        self.line = SupportLine(
            self.store,
            lambda: config,
            lambda: roster,
            messenger,
            self.rooms,
            TeamRoom(TEAM, messenger, Catalogue(), lambda: roster),
            Redactor(b"k" * 32),
            clock=lambda: self.now,
            new_id=lambda taken: f"R{len(taken):03d}",  # deterministic: Hypothesis replays runs
        )
        self.owner: dict[str, str] = {}  # request id → the one supporter who ever got it

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def check_team_message(self, message: Message) -> None:
        for member in MEMBERS:
            assert member not in message.body and member not in message.html
            assert f"!dm-{member}" not in message.body
        if "New request" not in message.body and "Still waiting" not in message.body:
            return  # not a page (e.g. the confirmation to the supporter who accepted)
        sessions = self.store.open_sessions()
        for user_id in message.mentions:
            limit = next(m for u, _, m in SUPPORTERS if u == user_id)
            assert sessions.get(user_id, 0) < limit, "paged a supporter who is full"

    @rule(member=st.sampled_from(MEMBERS))
    def talk(self, member: str) -> None:
        self.run(self.line.talk(member, f"!dm-{member}", "en"))

    @rule(member=st.sampled_from(MEMBERS))
    def cancel(self, member: str) -> None:
        self.run(self.line.cancel(member, f"!dm-{member}", "en"))

    @precondition(lambda self: self.store.request_ids())
    @rule(data=st.data(), supporter=st.sampled_from([s[0] for s in SUPPORTERS] + ["@eve:hs"]))
    def accept(self, data: st.DataObject, supporter: str) -> None:
        request_id = data.draw(st.sampled_from(sorted(self.store.request_ids())))
        try:
            self.run(self.line.accept(request_id, supporter))
        except CommandError:
            return
        assert request_id not in self.owner, "a request was accepted twice"
        self.owner[request_id] = supporter

    @precondition(lambda self: self.store.request_ids())
    @rule(data=st.data())
    def done(self, data: st.DataObject) -> None:
        request_id = data.draw(st.sampled_from(sorted(self.store.request_ids())))
        request = self.store.request(request_id)
        with contextlib.suppress(CommandError):
            self.run(self.line.done(request_id, request.supporter or "@sam:hs", organizer=False))

    @rule(seconds=st.sampled_from([1, 60, 299, 300, 900, 1800, 3600, 90_000]))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds
        self.run(self.line.process_due())

    @rule()
    def everyone_joins(self) -> None:
        self.rooms.joined_all = True
        self.run(self.line.on_sync())

    @invariant()
    def at_most_one_active_request_per_member_and_one_supporter_each(self) -> None:
        active = [r for r in map(self.store.request, self.store.request_ids()) if r and r.active]
        members = [r.member for r in active]
        assert len(members) == len(set(members))
        for r in active:
            if r.state == "accepted":
                assert r.supporter == self.owner[r.id]

    @invariant()
    def closed_requests_keep_no_identity(self) -> None:
        for r in map(self.store.request, self.store.request_ids()):
            if r and not r.active:
                assert r.member == "" and r.member_room == "" and r.handoff_room is None

    def teardown(self) -> None:
        self.store.close()
        self.dir.cleanup()
        self.loop.close()


LineMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=50, deadline=None, derandomize=True
)
TestSupportLine = LineMachine.TestCase
