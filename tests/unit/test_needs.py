"""The table of what each command needs (commands/*.py, `needs=`), walked whole: every command
in commands.ALL, from every kind of room, event and device, through the real router. A secure
command runs only from an encrypted event in an encrypted room sent by a trusted device; the
answer is read only where its `answer_in` allows, with one neutral line where it was asked."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from bot.command import MEMBER_DATA, TEAM_BUSINESS, CommandSpec, Context, Needs
from bot.errors import Role
from bot.logs import Redactor
from bot.ports import Verdict
from bot.router import Router
from bot.text import Piece
from commands import ALL
from tests.support.fakes import FakeRooms, FixedTrust, RecordingMessenger, text_event

TEAM = "!team:hs"
NEUTRAL = "I've answered you privately."
PEOPLE: dict[Role, str] = {"member": "@alex:hs", "supporter": "@sam:hs", "organizer": "@org:hs"}
# The table as organizers rely on it: what each command needs, and where it answers.
EXPECTED = {
    "help": Needs(),
    "resources": Needs(),  # the same for everyone, answered where asked
    "talk": MEMBER_DATA,
    "cancel": MEMBER_DATA,
    "forget": MEMBER_DATA,
    "exit": MEMBER_DATA,  # withdraws, forgets and clears the DM, as !forget: a trusted session
    "checkin": MEMBER_DATA,
    "lang": MEMBER_DATA,
    "tz": MEMBER_DATA,
    "accept": TEAM_BUSINESS,
    "done": TEAM_BUSINESS,
    "queue": TEAM_BUSINESS,
    "trust": TEAM_BUSINESS,
    "oncall": TEAM_BUSINESS,
    "shift": TEAM_BUSINESS,
    "sessions": TEAM_BUSINESS,
    "status": TEAM_BUSINESS,
    "reload": TEAM_BUSINESS,
    "yes": MEMBER_DATA,  # lets someone into the member's conversation
    "no": Needs(answer_in="dm"),  # only keeps things as they are: from any session
    "alone": Needs(answer_in="dm"),  # only takes observers out: from any session
    "end": Needs(answer_in="dm"),  # only ends the member's own session: from any session
    "handover": TEAM_BUSINESS,
    "observe": TEAM_BUSINESS,
    "flag": TEAM_BUSINESS,
    "break": TEAM_BUSINESS,
    "debrief": TEAM_BUSINESS,
    "debriefs": TEAM_BUSINESS,
    "block": TEAM_BUSINESS,  # never says who: the team's business, from a trusted session
    "unblock": TEAM_BUSINESS,
    "blocks": TEAM_BUSINESS,
}
STAFF = {"done", "oncall", "reload", "trust", "queue", "shift", "sessions", "status", "accept"}
STAFF |= {"handover", "observe", "flag", "break", "debrief", "debriefs"}
STAFF |= {"block", "unblock", "blocks"}
MEMBER_STATE = {"cancel", "forget", "exit", "checkin", "talk", "lang", "tz", "yes"}


def test_the_table():
    assert {spec.name: spec.needs for spec in ALL} == EXPECTED
    for spec in ALL:
        if spec.name in STAFF | MEMBER_STATE:
            assert spec.needs.secure, spec.name
        if spec.name in MEMBER_STATE:
            assert spec.needs.answer_in == "dm", spec.name


@dataclasses.dataclass(frozen=True)
class Where:
    name: str
    room: str
    members: int
    encrypted: bool


def places(sender: str) -> list[Where]:
    return [
        Where("private dm", f"!dm-{sender}", 2, True),
        Where("two people, not a private dm", "!pair:hs", 2, True),
        Where("unencrypted dm", "!plain-dm:hs", 2, False),
        Where("shared room", "!lounge:hs", 40, True),
        Where("unencrypted shared room", "!public:hs", 40, False),
        Where("team room", TEAM, 5, True),
    ]


SEALED = (True, False)  # the event itself arrived encrypted, or in clear
DEVICES = (
    ("trusted", "PHONE", Verdict.TRUSTED),
    ("not cross-signed", "PHONE", Verdict.NOT_CROSS_SIGNED),
    ("master key changed", "PHONE", Verdict.MASTER_KEY_CHANGED),
    ("unknown session", None, Verdict.NOT_CROSS_SIGNED),  # what the policy says of None
)


def cases() -> list[tuple[CommandSpec, str, Where, bool, tuple[str, str | None, Verdict]]]:
    out = []
    for spec in ALL:
        role = next(r for r in ("member", "supporter", "organizer") if r in spec.allowed)
        sender = PEOPLE[role]  # type: ignore[index]
        for where, sealed, device in itertools.product(places(sender), SEALED, DEVICES):
            if sealed and not where.encrypted:
                continue  # nothing arrives encrypted in a room that is not
            out.append((spec, sender, where, sealed, device))
    return out


async def ran(ctx: Context) -> None:
    await ctx.answer(Piece("ran {name}", {"name": ctx.spec.name}))


@pytest.mark.parametrize(
    ("spec", "sender", "where", "sealed", "device"),
    cases(),
    ids=lambda v: getattr(v, "name", None) or (v[0] if isinstance(v, tuple) else str(v)),
)
async def test_every_command_from_everywhere(spec, sender, where, sealed, device):
    messenger = RecordingMessenger()
    rooms = FakeRooms({f"!dm-{sender}": sender})
    roles = {
        PEOPLE["supporter"]: frozenset({"member", "supporter"}),
        PEOPLE["organizer"]: frozenset({"member", "organizer"}),
    }

    class Roles:
        def of(self, user_id: str) -> frozenset[Role]:
            return roles.get(user_id, frozenset({"member"}))  # type: ignore[return-value]

    _, device_id, verdict = device
    stub = dataclasses.replace(spec, handler=ran)
    router = Router(
        (stub,),
        messenger,
        Redactor(b"k" * 32),
        FixedTrust(verdict),
        Roles(),
        rooms=rooms,
        team_room=lambda: TEAM,
    )
    event = text_event(
        f"!{spec.name}",
        sender=sender,
        room=where.room,
        encrypted=where.encrypted,
        members=where.members,
        event_encrypted=sealed,
        device=device_id,
    )
    await router.handle(event)

    if spec.needs.secure and not (where.encrypted and sealed and verdict is Verdict.TRUSTED):
        assert len(messenger.sent) == 1, messenger.bodies  # the plain refusal, nothing else
        room, refusal = messenger.sent[0]
        assert room == where.room and "ran" not in refusal.body
        return
    answered = [room for room, m in messenger.sent if m.body.startswith("ran ")]
    answer_in = spec.needs.answer_in
    if answer_in == "here" or (answer_in == "team" and where.room == TEAM):
        assert answered == [where.room] and len(messenger.sent) == 1
    else:
        assert answered == [f"!dm-{sender}"]
        said_where_asked = [m.body for room, m in messenger.sent if room == where.room]
        if where.room != f"!dm-{sender}":
            assert said_where_asked == [NEUTRAL]
        assert rooms.handoffs == []  # the DM it has was found, not a new one made
