"""A whole line in memory for the care for supporters (issue #14): the real store, the real
support line and care parts, every command through the real router; fakes only at the ports
(a recording messenger, rooms in memory, a fixed trust verdict) and a clock the test moves.

The roster: Sam (tier 1), Noor (tier 1, leads), Kim (tier 2), Alex (a trainee), all on call
all day in Europe/Berlin; Org organizes. Robin is the member."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.blocks import Blocks
from bot.care import Care, build_care
from bot.catalogue import Catalogue
from bot.checkins import Checkins
from bot.config import (
    Config,
    ConsentConfig,
    LeadShift,
    LimitsConfig,
    Loaded,
    MatrixConfig,
    RosterConfig,
    StoreConfig,
    SupporterConfig,
)
from bot.line import SupportLine
from bot.logs import Redactor
from bot.members import Members
from bot.quick_exit import QuickExit
from bot.relay import RelaySessions, with_relay
from bot.relay_pass import RelayPass
from bot.reload import Reloader
from bot.roster import Roster
from bot.router import Router
from bot.schedules import make_scheduler
from bot.services import Services
from bot.shifts import Shift, parse_shift
from bot.staffing import Staffing
from bot.team import TeamRoom
from commands import ALL
from store import Incoming, Store
from store.records import Request
from store.secret import parse
from tests.support.fakes import FakeEraser, FakeRooms, FixedTrust, RecordingMessenger
from tests.support.relayfake import RecordingRelayOut

KEY = parse("c3" * 32, "test")
TEAM, DM = "!team:hs", "!dm:hs"
SAM, NOOR, KIM, ALEX, ORG, ROBIN = (
    "@sam:hs",
    "@noor:hs",
    "@kim:hs",
    "@alex:hs",
    "@org:hs",
    "@robin:hs",
)
ALWAYS = parse_shift("daily 00:00-24:00")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC).timestamp()  # a Wednesday
IDS = ("K7F2", "P3Q4", "M5N6", "H8J9")


def roster_config(
    limits: LimitsConfig | None = None, sam_shifts: tuple[Shift, ...] = (ALWAYS,), **extra: Any
) -> RosterConfig:
    """`extra`: more of Sam's settings (their own limits, say)."""
    return RosterConfig(
        timezone="Europe/Berlin",
        supporters=(
            SupporterConfig(SAM, "Sam", pronouns="they/them", shifts=sam_shifts, **extra),
            SupporterConfig(NOOR, "Noor", shifts=(LeadShift(ALWAYS, lead=True),)),
            SupporterConfig(KIM, "Kim", shifts=(ALWAYS,), tier=2),
            SupporterConfig(ALEX, "Alex", shifts=(ALWAYS,), role="trainee"),
        ),
        organizers=(ORG,),
        limits=limits or LimitsConfig(),
    )


class NoIdentities:
    async def approve(self, user_id: str) -> str | None:
        return None

    async def unsigned_devices(self, user_ids: list[str]) -> dict[str, list[str]]:
        return {}


class CareWorld:
    def __init__(self, tmp: Path, roster: RosterConfig | None = None, language: str = "en") -> None:
        self.language = language  # the bot's default language: the team's, and the rooms'
        self.now = NOW
        self.path = tmp / "data"
        self.config_file = tmp / "config.yaml"  # never read: the config is built here
        self.config_file.write_text("")
        self.config = Config(
            MatrixConfig("https://hs", "@bot:hs"),
            StoreConfig("x"),
            roster=roster or roster_config(),
            consent=ConsentConfig(timeout=600),
            language=language,
        )
        # the homeserver's rooms outlive a restart of the bot; Robin's DM is theirs
        self.rooms = FakeRooms(dms={DM: ROBIN})
        self.trust = FixedTrust()
        self.store = Store(self.path, KEY)
        self.build()

    def build(self) -> None:
        """Everything a `warmline run` builds, over the store as it is."""
        self.roster = Roster(self.config.roster)
        self.messenger = RecordingMessenger()
        self.eraser = FakeEraser(self.messenger)
        texts = Catalogue(default=self.language)
        team = TeamRoom(TEAM, self.messenger, texts, lambda: self.roster)
        clock = lambda: self.now  # noqa: E731
        staffing = Staffing(self.store, lambda: self.roster, lambda: "Europe/Berlin", team, clock)
        self.care: Care = build_care(
            self.store,
            lambda: self.config,
            lambda: self.roster,
            team,
            self.rooms,
            self.messenger,
            texts,
            staffing,
            lambda tier: self.line.pageable(tier),
            clock,
        )
        self.blocks = Blocks(
            self.store,
            lambda: self.config,
            team,
            self.messenger,
            texts,
            lambda: self.roster,
            lambda member: self.line.withdraw_all(member),
            clock,
        )
        # the homeserver (and the transactions it has seen) outlives a restart of the bot
        self.relay_out: RecordingRelayOut = getattr(self, "relay_out", RecordingRelayOut())
        self.relay = RelaySessions(
            self.store,
            self.relay_out,
            self.messenger,
            texts,
            lambda: self.config,
            lambda: self.roster,
        )
        self.line = SupportLine(
            self.store,
            lambda: self.config,
            lambda: self.roster,
            self.messenger,
            self.rooms,
            team,
            Redactor(b"k" * 32),
            clock=clock,
            new_id=lambda taken: next(i for i in IDS if i not in taken),
            texts=texts,
            hooks=with_relay(self.blocks.hooks(self.care.line_hooks), self.relay),
        )
        self.relay.end_session = self.line.withdraw_all
        checkins = Checkins(
            self.store, texts, self.messenger, self.rooms, "UTC", make_scheduler(), clock
        )
        members = Members(self.store, self.line, texts, checkins)
        loaded = Loaded(self.config, self.config_file)
        reloader = Reloader(lambda: loaded, _nothing, _nothing)
        services = Services(
            self.line,
            members,
            checkins,
            staffing,
            reloader,
            team,
            self.rooms,
            NoIdentities(),
            self.care.consents,
            self.care.handovers,
            self.care.observers,
            self.care.workload,
            self.care.wellbeing,
            QuickExit(members, self.eraser, self.messenger, self.rooms, texts, Redactor(b"k" * 32)),
            self.blocks,
            self.relay,
        )
        self.router = Router(
            ALL,
            self.messenger,
            Redactor(b"k" * 32),
            self.trust,
            roles=self.roster,
            services=services,
            on_reaction=lambda e: (
                self.care.consents.answer_command(e)
                or self.care.handovers.reaction_command(e)
                or self.line.reaction_command(e)
            ),
            answers=self.care.consents.answer_command,
            texts=texts,
            member_language=members.language_of,
            rooms=self.rooms,
            team_room=lambda: TEAM,
            own_id="@bot:hs",
        )
        self.relaying = RelayPass(
            self.store,
            self.relay,
            self.relay_out,
            self.messenger,
            self.trust,
            claimed=lambda e: (
                (
                    self.care.consents.answer_command(e)
                    or self.care.handovers.reaction_command(e)
                    or self.line.reaction_command(e)
                )
                is not None
            ),
        )
        self.handle = self.relaying.wrap(self.router.handle)
        self._events = 0

    async def restart(self) -> None:
        """A crash and a new start: the store reopened, every part built anew, then resumed
        as `warmline run` does."""
        self.store.close()
        self.store = Store(self.path, KEY)
        self.build()
        await self.line.resume()
        await self.care.consents.resume()

    def close(self) -> None:
        self.store.close()

    # -- driving it ------------------------------------------------------------------------
    async def say(
        self,
        sender: str,
        body: str,
        room: str = TEAM,
        kind: str = "text",
        relates_to: str | None = None,
        reply_to: str | None = None,
        event_id: str | None = None,
        encrypted: bool = True,
    ) -> list[str]:
        """`sender` writes `body` in `room`; returns what the bot answered there."""
        self._events += 1
        members = 2 if room.startswith(("!dm", "!relay")) else 5
        event = Incoming(
            event_id or f"$ev{self._events}",
            room,
            sender,
            "DEV",
            kind,
            body,
            relates_to,
            0,
            True,
            members,
            encrypted,
            reply_to,
        )
        before = len(self.messenger.sent)
        await self.handle(event)
        return [m.body for r, m in self.messenger.sent[before:] if r == room]

    async def session(self, supporter: str = SAM) -> Request:
        """Robin asks for a peer and `supporter` accepts: an open session, introduced and left
        by the bot (as after both have joined)."""
        await self.line.talk(ROBIN, DM, "en")
        request = self.request()
        await self.say(supporter, f"!accept {request.id}")
        self.rooms.joined_all = True
        await self.line.on_sync()
        return self.request(request.id)

    def request(self, request_id: str = "K7F2") -> Request:
        found = self.store.request(request_id)
        assert found is not None
        return found

    def to(self, room: str) -> list[str]:
        return [m.body for r, m in self.messenger.sent if r == room]

    def last(self, room: str) -> str:
        return self.to(room)[-1]

    def question_event(self) -> str:
        question = self.store.question_of(ROBIN)
        assert question is not None and question.question_event is not None
        return question.question_event

    def without_lead(self) -> None:
        supporters = tuple(
            replace(s, shifts=(ALWAYS,)) if s.user_id == NOOR else s
            for s in self.config.roster.supporters
        )
        self.config = replace(
            self.config, roster=replace(self.config.roster, supporters=supporters)
        )
        self.roster = Roster(self.config.roster)


async def _nothing(*args: object) -> None:
    return None
