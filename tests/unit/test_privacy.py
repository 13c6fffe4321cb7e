"""Private things stay private, through the real router, line, members and check-ins (a
recording messenger, rooms in memory, the real encrypted store): anything about one member is
said only in their private DM; natural requests count only in a conversation with the bot."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from bot.blocks import Blocks
from bot.care import build_care
from bot.catalogue import Catalogue
from bot.checkins import Checkins
from bot.config import Config, MatrixConfig, RosterConfig, StoreConfig, SupporterConfig
from bot.errors import Role
from bot.line import SupportLine
from bot.logs import Redactor
from bot.members import Members
from bot.phrases import talk_language
from bot.quick_exit import QuickExit
from bot.relay import RelaySessions
from bot.reload import Reloader
from bot.roster import Roster
from bot.router import Router
from bot.schedules import make_scheduler
from bot.services import Services
from bot.shifts import parse_shift
from bot.staffing import Staffing
from bot.team import TeamRoom
from bot.text import RLM
from commands import ALL
from store import Incoming, Store
from store.records import Checkin
from store.secret import parse
from tests.support.fakes import FakeEraser, FakeRooms, FixedTrust, RecordingMessenger, text_event
from tests.support.relayfake import RecordingRelayOut

ALEX, BOB, SAM, ORG, BOT = "@alex:hs", "@bob:hs", "@sam:hs", "@org:hs", "@bot:hs"
DM, LOUNGE, TEAM = "!dm:hs", "!lounge:hs", "!team:hs"
NEUTRAL = "I've answered you privately."


class World:
    """A whole bot minus Matrix: alex's private DM is !dm:hs; !lounge:hs has 40 members."""

    def __init__(self, tmp: Path) -> None:
        self.store = Store(tmp / "data", parse("5a" * 32, "test"))
        self.messenger = RecordingMessenger()
        self.rooms = FakeRooms({DM: ALEX})
        roster_config = RosterConfig(
            supporters=(SupporterConfig(SAM, "Sam", shifts=(parse_shift("daily 00:00-24:00"),)),),
            organizers=(ORG,),
        )
        roster = Roster(roster_config)
        config = Config(MatrixConfig("https://hs", BOT), StoreConfig("x"), roster=roster_config)
        texts = Catalogue()
        team = TeamRoom(TEAM, self.messenger, texts, lambda: roster)
        redactor = Redactor(b"k" * 32)
        self.line = SupportLine(
            self.store,
            lambda: config,
            lambda: roster,
            self.messenger,
            self.rooms,
            team,
            redactor,
            texts=texts,
        )
        self.scheduler = make_scheduler()
        self.checkins = Checkins(
            self.store, texts, self.messenger, self.rooms, "UTC", self.scheduler
        )
        members = Members(self.store, self.line, texts, self.checkins)
        staffing = Staffing(self.store, lambda: roster, lambda: "UTC", team)
        care = build_care(
            self.store,
            lambda: config,
            lambda: roster,
            team,
            self.rooms,
            self.messenger,
            texts,
            staffing,
            self.line.pageable,
        )
        services = Services(
            line=self.line,
            members=members,
            checkins=self.checkins,
            staffing=staffing,
            reloader=cast(Reloader, None),
            team=team,
            rooms=self.rooms,
            identities=cast(object, None),  # type: ignore[arg-type]
            consents=care.consents,
            handovers=care.handovers,
            observers=care.observers,
            workload=care.workload,
            wellbeing=care.wellbeing,
            quick_exit=QuickExit(
                members, FakeEraser(self.messenger), self.messenger, self.rooms, texts, redactor
            ),
            blocks=Blocks(
                self.store,
                lambda: config,
                team,
                self.messenger,
                texts,
                lambda: roster,
                self.line.withdraw_all,
            ),
            relay=RelaySessions(
                self.store,
                RecordingRelayOut(),
                self.messenger,
                texts,
                lambda: config,
                lambda: roster,
            ),
        )

        class Staff:
            def of(self, user_id: str) -> frozenset[Role]:
                extra: dict[str, Role] = {SAM: "supporter", ORG: "organizer"}
                return frozenset({"member", extra[user_id]} if user_id in extra else {"member"})

        self.router = Router(
            ALL,
            self.messenger,
            redactor,
            trust=FixedTrust(),
            roles=Staff(),
            services=services,
            natural=lambda body: ("talk", lang) if (lang := talk_language(body)) else None,
            on_reaction=self.line.reaction_command,
            texts=texts,
            member_language=members.language_of,
            rooms=self.rooms,
            team_room=lambda: TEAM,
            own_id=BOT,
        )

    async def says(
        self, body: str, room: str = DM, sender: str = ALEX, members: int = 2, **kw: object
    ) -> None:
        event = text_event(body, sender=sender, room=room, members=members, device="PHONE", **kw)  # type: ignore[arg-type]
        await self.router.handle(event)

    def said_in(self, room: str) -> list[str]:
        return [m.body for r, m in self.messenger.sent if r == room]

    def requests(self) -> list[str]:
        return sorted(self.store.request_ids())


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


# -- anything about one member: only in their private DM ------------------------------------


async def test_a_checkin_set_in_a_40_member_room_is_answered_in_the_dm(world: World):
    await world.says("!checkin daily 21:00 Asia/Beirut", room=LOUNGE, members=40)
    assert world.said_in(LOUNGE) == [NEUTRAL]
    (answer,) = world.said_in(DM)
    assert "21:00" in answer and "Asia/Beirut" in answer
    checkin = world.store.checkin_of(ALEX)
    assert checkin is not None and checkin.room == DM


@pytest.mark.parametrize(
    ("command", "in_dm"),
    [
        ("!cancel", "You have no open request."),
        ("!forget", "I kept nothing about you"),
        ("!lang ar", "سأكتب إليك بالعربية"),
        ("!tz Asia/Beirut", "Your time zone is now Asia/Beirut."),
        ("!checkin", "You have no check-in."),
        ("!checkin off", "Your check-in is off."),
        ("!talk", "I'm contacting a peer supporter"),
    ],
)
async def test_member_commands_in_a_shared_room_get_one_neutral_line(
    world: World, command: str, in_dm: str
):
    await world.says(command, room=LOUNGE, members=40)
    assert world.said_in(LOUNGE) == [NEUTRAL]
    assert any(in_dm in body for body in world.said_in(DM)), world.said_in(DM)


async def test_without_a_dm_one_is_made_and_the_shared_room_hears_nothing_more(world: World):
    await world.says("!tz Asia/Beirut", sender=BOB, room=LOUNGE, members=40)
    assert world.rooms.made == [f"!dm-{BOB}"]
    assert world.said_in(LOUNGE) == [NEUTRAL]
    assert world.said_in(f"!dm-{BOB}") == ["Your time zone is now Asia/Beirut."]


async def test_a_room_that_is_not_their_private_dm_is_treated_as_shared(world: World):
    """Two people in it, but not a private DM (say someone else made it): the answer goes to
    a DM the bot can vouch for."""
    await world.says("!checkin daily 21:00", room="!planted:hs", members=2)
    assert world.said_in("!planted:hs") == [NEUTRAL]
    assert "21:00" in world.said_in(DM)[0]


async def test_the_shared_room_is_answered_in_the_default_language(world: World):
    await world.says("!lang ar")
    world.messenger.sent.clear()
    await world.says("!cancel", room=LOUNGE, members=40)
    await world.says("!resources", room=LOUNGE, members=40)
    await world.says("!nope", room=LOUNGE, members=40)
    neutral, resources, unknown = world.said_in(LOUNGE)
    assert neutral == NEUTRAL and resources.startswith("Resources") and "!nope" in unknown
    assert [b.lstrip(RLM) for b in world.said_in(DM)] == ["ليس لديك طلب مفتوح."]  # theirs


async def test_help_among_others_does_not_say_who_is_staff(world: World):
    await world.says("!help", sender=ORG, room=LOUNGE, members=40)
    await world.says("!help", sender=ORG, room=TEAM, members=5)
    in_lounge, in_team = world.said_in(LOUNGE)[0], world.said_in(TEAM)[0]
    assert "!status" not in in_lounge and "!talk" in in_lounge
    assert "!status" in in_team


async def test_staff_answers_go_to_the_team_room_or_the_dm(world: World):
    world.rooms.dms["!sam-dm:hs"] = SAM
    await world.says("!queue", sender=SAM, room=TEAM, members=5)
    await world.says("!queue", sender=SAM, room="!sam-dm:hs")
    await world.says("!shift", sender=SAM, room=LOUNGE, members=40)
    assert world.said_in(TEAM) == ["No open requests."]
    assert world.said_in(LOUNGE) == [NEUTRAL]
    assert world.said_in("!sam-dm:hs")[0] == "No open requests."
    assert "Sam" in world.said_in("!sam-dm:hs")[1]  # who is on call: never in the lounge


async def test_no_private_room_means_a_clear_line_and_nothing_done(world: World):
    world.rooms.fail = True
    await world.says("!checkin daily 21:00", room=LOUNGE, members=40)
    (line,) = world.said_in(LOUNGE)
    assert "couldn't open a private conversation" in line and "21:00" not in line
    assert world.store.checkin_of(ALEX) is None


# -- check-ins go only to an encrypted DM the member has joined -----------------------------


async def test_checkin_from_an_unencrypted_dm_is_refused(world: World):
    await world.says("!checkin daily 21:00", room="!plain:hs", encrypted=False)
    assert "not encrypted" in world.said_in("!plain:hs")[0]
    assert world.store.checkin_of(ALEX) is None


async def test_a_checkin_kept_for_a_room_that_is_no_dm_goes_to_the_dm(world: World):
    """A check-in stored before this fix with an unencrypted room as its target: it is sent
    to the member's private DM, and the store forgets the old room."""
    world.store.set_checkin(Checkin(ALEX, "daily", "21:00", "!plain:hs"))
    await world.checkins._fire(ALEX, 0, time.time())  # due now
    assert world.said_in("!plain:hs") == []
    assert "Checking in" in world.said_in(DM)[0]
    checkin = world.store.checkin_of(ALEX)
    assert checkin is not None and checkin.room == DM


async def test_a_checkin_turned_off_meanwhile_is_not_brought_back(world: World):
    world.store.set_checkin(Checkin(ALEX, "daily", "21:00", "!plain:hs"))
    checkin = world.store.checkin_of(ALEX)
    assert checkin is not None
    world.store.drop_checkin(ALEX)  # !checkin off while the room was being found
    room = await world.checkins._private_room(checkin)
    assert room == DM and world.store.checkin_of(ALEX) is None


# -- natural requests: only in a conversation with the bot ----------------------------------


async def test_natural_request_in_the_dm_opens_one(world: World):
    await world.says("hey… I really need to talk to someone tonight")
    assert len(world.requests()) == 1
    assert "contacting a peer supporter" in world.said_in(DM)[0]


@pytest.mark.parametrize(
    ("room", "members", "sender"),
    [(LOUNGE, 40, ALEX), (LOUNGE, 3, ALEX), (TEAM, 5, SAM), (TEAM, 2, SAM)],
)
async def test_natural_phrases_in_shared_rooms_and_the_team_room_are_chatter(
    world: World, room: str, members: int, sender: str
):
    for body in ("I need to talk", "I need support for Python 3.13", "I need a peer review"):
        await world.says(body, room=room, members=members, sender=sender)
    assert world.requests() == [] and world.messenger.sent == []


async def test_in_a_shared_room_the_explicit_talk_still_works(world: World):
    await world.says("!talk", room=LOUNGE, members=40)
    assert len(world.requests()) == 1 and world.said_in(LOUNGE) == [NEUTRAL]


@pytest.mark.parametrize("body", ["I need support for Python 3.13", "I need a peer review"])
async def test_loose_phrases_that_are_no_request_do_not_open_one(world: World, body: str):
    await world.says(body)
    assert world.requests() == []
    assert world.said_in(DM) == ["Hi! I'm warmline, a bot. Send `!help` to see what I can do."]


async def test_a_reply_quoting_the_bots_help_is_no_request(world: World):
    quote = (
        "> <@bot:hs> **warmline** connects you privately with a trained peer supporter.\n"
        "> To reach a peer, write `I need to talk` or `!talk` in a direct message with me.\n"
        "\n"
        "thanks, good to know"
    )
    await world.says(quote, reply_to="$help")
    assert world.requests() == []
    await world.says("> <@bot:hs> You have no open request.\n\nI need to talk", reply_to="$x")
    assert len(world.requests()) == 1  # what they wrote below the quote counts


async def test_a_command_below_a_reply_quote_is_the_command(world: World):
    await world.says("> <@bot:hs> Your check-in is off.\n\n!checkin daily 21:00", reply_to="$x")
    assert world.store.checkin_of(ALEX) is not None


async def test_the_bots_own_messages_are_never_acted_on(world: World):
    await world.says("I need to talk", sender=BOT)
    await world.says("!forget", sender=BOT)
    assert world.requests() == [] and world.messenger.sent == []


# -- refused: from an unencrypted room, in clear, from an untrusted session -----------------


async def test_a_command_sent_in_clear_into_an_encrypted_room_is_refused(world: World):
    await world.says("!checkin daily 21:00", event_encrypted=False)
    assert "couldn't tell which of your sessions" in world.said_in(DM)[0]
    assert world.store.checkin_of(ALEX) is None


async def test_a_natural_request_in_clear_is_refused_too(world: World):
    await world.says("I need to talk", event_encrypted=False)
    assert world.requests() == []
    assert "couldn't tell which of your sessions" in world.said_in(DM)[0]


def test_incoming_carries_the_events_own_encryption():
    event = dataclasses.replace(text_event("x"), encrypted=False)
    assert isinstance(event, Incoming) and event.room_encrypted and not event.encrypted


async def test_a_late_reply_quoting_the_bots_help_is_no_late_request():
    from bot.stale import LateEvents

    told: list[str] = []

    async def tell(room: str, language: str, key: str, sent: str) -> None:
        told.append(key)

    late = LateEvents(lambda: 0.0, tell, lambda user_id: "en", clock=lambda: 1e9)
    quote = "> <@bot:hs> To reach a peer, write `I need to talk`\n\nthanks"
    await late.drop(text_event(quote, reply_to="$help"))
    await late.drop(text_event("I need to talk"))
    assert told == ["late_talk"]
