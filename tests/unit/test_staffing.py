"""The team's controls with a fake clock: `!oncall` overrides and who may set them, `!shift`,
`!sessions`, `!status` (figures only), and the permission table of every command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import handoff
from bot.catalogue import Catalogue
from bot.config import RosterConfig, SupporterConfig
from bot.errors import CommandError
from bot.roster import Roster
from bot.shifts import parse_shift
from bot.staffing import OnCallArgs, Staffing, parse_oncall
from bot.team import TeamRoom
from bot.text import Piece, render
from commands import ALL
from store import Store
from store.secret import parse
from tests.support.fakes import RecordingMessenger

NOW = datetime(2026, 11, 24, 19, 0, tzinfo=UTC).timestamp()  # Tuesday 20:00 in Berlin
SAM, KIM, ORG = "@sam:hs", "@kim:hs", "@org:hs"
ROSTER = Roster(
    RosterConfig(
        timezone="Europe/Berlin",
        supporters=(
            SupporterConfig(SAM, "Sam", shifts=(parse_shift("mon-fri 18:00-23:00"),)),
            SupporterConfig(KIM, "Kim", shifts=(parse_shift("sat 10:00-14:00"),), tier=2),
        ),
        organizers=(ORG,),
    )
)


class World:
    def __init__(self, tmp: Path) -> None:
        self.now = NOW
        self.store = Store(tmp / "data", parse("ef" * 32, "test"))
        team = TeamRoom("!team:hs", RecordingMessenger(), Catalogue(), lambda: ROSTER)
        self.staff = Staffing(
            self.store, lambda: ROSTER, lambda: "Europe/Berlin", team, clock=lambda: self.now
        )

    def text(self, reply: Piece) -> str:
        return render(reply.template, "ltr", **reply.values).body

    def pageable(self) -> list[str]:
        now = datetime.fromtimestamp(self.now, UTC)
        overrides = self.store.overrides(self.now)
        return [s.name for t in (1, 2) for s in ROSTER.pageable(t, now, {}, overrides)]


@pytest.fixture
def world(tmp_path: Path):
    w = World(tmp_path)
    yield w
    w.store.close()


@pytest.mark.parametrize(
    ("args", "parsed"),
    [
        ("", OnCallArgs(None, None, None)),
        ("off", OnCallArgs(None, False, None)),
        ("off 2h", OnCallArgs(None, False, 7200.0)),
        ("Sam on 30m", OnCallArgs("Sam", True, 1800.0)),
        ("on @sam:hs", OnCallArgs("@sam:hs", True, None)),
        ("auto", OnCallArgs(None, None, None, automatic=True)),
    ],
)
def test_oncall_arguments(args, parsed):
    assert parse_oncall(args) == parsed


@pytest.mark.parametrize("args", ["2h", "on off", "off 0m", "auto on"])
def test_oncall_nonsense_is_a_syntax_error(args):
    assert parse_oncall(args) is None


def test_off_lasts_until_the_shift_ends_then_the_shifts_rule_again(world: World):
    assert world.pageable() == ["Sam"]
    reply = world.staff.oncall(SAM, False, OnCallArgs(None, False, None))
    assert world.text(reply) == (
        "Sam is off call until Tue 23:00 Europe/Berlin (manual; then the shifts apply again)."
    )
    assert world.pageable() == []
    world.now = datetime(2026, 11, 25, 17, 0, tzinfo=UTC).timestamp()  # Wed 18:00 Berlin
    assert world.pageable() == ["Sam"]


def test_on_with_a_duration_pages_outside_the_shifts(world: World):
    world.staff.oncall(KIM, False, OnCallArgs(None, True, 7200.0))
    assert world.pageable() == ["Sam", "Kim"]
    world.now += 7201  # 22:00 Berlin: Sam's shift still runs, Kim's override is over
    assert world.pageable() == ["Sam"]


def test_auto_returns_to_the_shifts(world: World):
    world.staff.oncall(SAM, False, OnCallArgs(None, False, None))
    world.staff.oncall(SAM, False, OnCallArgs(None, None, None, automatic=True))
    assert world.pageable() == ["Sam"]


def test_supporters_change_only_themselves_and_organizers_anyone(world: World):
    with pytest.raises(CommandError, match="oncall_only_self"):
        world.staff.oncall(KIM, False, OnCallArgs("Sam", False, None))
    world.staff.oncall(ORG, True, OnCallArgs("sam", False, None))  # by localpart
    assert world.pageable() == []
    with pytest.raises(CommandError, match="oncall_name_one"):
        world.staff.oncall(ORG, True, OnCallArgs(None, False, None))
    with pytest.raises(CommandError, match="oncall_who") as refused:
        world.staff.oncall(ORG, True, OnCallArgs("Eve", False, None))
    assert refused.value.values == {"name": "Eve"}
    with pytest.raises(CommandError, match="oncall_too_long"):
        world.staff.oncall(SAM, False, OnCallArgs(None, False, 8 * 86400.0))


def test_shift_names_who_is_on_and_the_next_start(world: World):
    assert world.text(world.staff.shift()) == (
        "On call now:\n- Sam (tier 1)\nNext shift: Kim at Sat 10:00 Europe/Berlin."
    )
    world.staff.oncall(SAM, False, OnCallArgs(None, False, None))
    assert world.text(world.staff.shift()).startswith("Nobody is on call now.\nNext shift: Sam")


def accept_one(world: World, member: str, request_id: str, wait: float) -> None:
    timing = handoff.Timing(300, 1800, 86400)
    r = handoff.open_request(request_id, member, "!dm", "ar", world.now, timing, False)
    world.store.add_request(r)
    world.store.update_request(r, handoff.accept(r, SAM, world.now + wait, timing))


def test_sessions_lists_only_your_own_unless_all(world: World):
    accept_one(world, "@alex:hs", "K7F2", 60)
    mine = world.text(world.staff.sessions(SAM, everyone=False))
    assert "K7F2" in mine and "ar" in mine and "Sam" in mine
    assert world.text(world.staff.sessions(KIM, everyone=False)) == "You have no open sessions."
    assert "K7F2" in world.text(world.staff.sessions(ORG, everyone=True))


def test_status_is_figures_only(world: World):
    accept_one(world, "@alex:hs", "K7F2", 180)
    r = handoff.open_request(
        "P3Q4", "@blake:hs", "!dm2", "en", world.now, handoff.Timing(1, 2, 3), True
    )
    world.store.add_request(r)
    body = world.text(world.staff.status())
    assert "Open requests: 1 (1 told nobody is free)" in body
    assert "On call now: 1 in tier 1, 0 in tier 2" in body
    assert "Open sessions: 1" in body
    assert (
        "Today: 2 requests · 1 accepted · 0 escalations · 1 gave up · median time to accept 3 min"
        in body
    )
    for secret in ("@alex", "@blake", "!dm", "K7F2", "P3Q4"):
        assert secret not in body


ROLES = {
    "member": frozenset({"member"}),
    "supporter": frozenset({"member", "supporter"}),
    "organizer": frozenset({"member", "organizer"}),
}
# Who may run each command: the permission table organizers rely on.
PERMISSIONS = {
    "help": {"member", "supporter", "organizer"},
    "talk": {"member", "supporter", "organizer"},
    "cancel": {"member", "supporter", "organizer"},
    "resources": {"member", "supporter", "organizer"},
    "lang": {"member", "supporter", "organizer"},
    "checkin": {"member", "supporter", "organizer"},
    "tz": {"member", "supporter", "organizer"},
    "forget": {"member", "supporter", "organizer"},
    "exit": {"member", "supporter", "organizer"},
    "accept": {"supporter"},  # organizers who take requests are on the roster too
    "done": {"supporter", "organizer"},
    "queue": {"supporter", "organizer"},
    "trust": {"organizer"},
    "oncall": {"supporter", "organizer"},
    "shift": {"supporter", "organizer"},
    "sessions": {"supporter", "organizer"},
    "status": {"organizer"},
    "reload": {"organizer"},
    "yes": {"member", "supporter", "organizer"},  # a member answering who may join them
    "no": {"member", "supporter", "organizer"},
    "alone": {"member", "supporter", "organizer"},
    "end": {"member", "supporter", "organizer"},  # a member ending their own session
    "handover": {"supporter", "organizer"},
    "observe": {"supporter", "organizer"},
    "flag": {"supporter"},
    "break": {"supporter"},
    "debrief": {"supporter"},
    "debriefs": {"supporter"},
    "block": {"supporter", "organizer"},  # the request's supporter, or any organizer
    "unblock": {"supporter", "organizer"},
    "blocks": {"supporter", "organizer"},  # reasons shown to organizers only
}


def test_permission_table():
    table = {
        spec.name: {who for who, roles in ROLES.items() if spec.allowed & roles} for spec in ALL
    }
    assert table == PERMISSIONS


def test_counts_in_the_team_room_take_the_right_plural_form(world: World):
    r = handoff.open_request(
        "P3Q4", "@blake:hs", "!dm2", "en", world.now, handoff.Timing(1, 2, 3), False
    )
    world.store.add_request(r)
    assert "Today: 1 request · 0 accepted · 0 escalations · 0 gave up" in world.text(
        world.staff.status()
    )
    reply = world.text(world.staff.oncall(SAM, False, OnCallArgs(None, True, 3600.0)))
    assert reply.endswith("There is 1 open request: `!queue` lists it.")
