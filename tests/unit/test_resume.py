"""After a restart, one accepted request whose private room cannot be made does not stop the
others, nor the process: it is logged by id, goes back to open and is paged again, and the
team is told (issue #10, section 1; issue #11)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import handoff
from bot.catalogue import Catalogue
from bot.config import Config, MatrixConfig, RosterConfig, StoreConfig, SupporterConfig
from bot.line import SupportLine
from bot.logs import Redactor
from bot.ports import RoomError
from bot.roster import Roster
from bot.shifts import parse_shift
from bot.team import TeamRoom
from store import Store
from store.records import Request
from store.secret import parse
from tests.support.fakes import FakeRooms, RecordingMessenger

TEAM = "!team:hs"
SAM = "@sam:hs"
T = handoff.Timing(ack_timeout=300, give_up_after=1800, session_timeout=86400)


class BrokenForOne(FakeRooms):
    async def create_handoff(
        self, member: str, supporter: str, observers: tuple[str, ...] = (), marker: str = ""
    ) -> str:
        if member == "@broken:hs":
            raise RoomError("the homeserver refused the invite")
        return await super().create_handoff(member, supporter, observers, marker)


def accepted(request_id: str, member: str) -> Request:
    opened = handoff.open_request(request_id, member, f"!dm-{member}", "en", 1000.0, T, False)
    return handoff.accept(opened, SAM, 1100.0, T)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "data", parse("a1" * 32, "test"))
    yield s
    s.close()


async def test_one_failing_request_is_reported_and_the_others_resume(
    store: Store, caplog: pytest.LogCaptureFixture
):
    roster_config = RosterConfig(
        supporters=(SupporterConfig(SAM, "Sam", shifts=(parse_shift("daily 00:00-24:00"),)),)
    )
    roster = Roster(roster_config)
    config = Config(MatrixConfig("https://hs", "@bot:hs"), StoreConfig("x"), roster=roster_config)
    messenger = RecordingMessenger()
    rooms = BrokenForOne()
    line = SupportLine(
        store,
        lambda: config,
        lambda: roster,
        messenger,
        rooms,
        TeamRoom(TEAM, messenger, Catalogue(), lambda: roster),
        Redactor(b"k" * 32),
    )
    line.handoffs.pause = 0.0
    for request_id, member in (("AAAA", "@alex:hs"), ("BBBB", "@broken:hs"), ("CCCC", "@cy:hs")):
        assert store.add_request(accepted(request_id, member))

    with caplog.at_level(logging.ERROR):
        await line.resume()

    rooms_now = {r.id: r.handoff_room for r in store.accepted_requests()}
    assert rooms_now["AAAA"] is not None and rooms_now["CCCC"] is not None
    broken = store.request("BBBB")
    assert broken is not None and broken.state == "open"  # paged again, for another to take
    assert any("BBBB" in r.getMessage() for r in caplog.records)
    assert any("BBBB" in body and "could not set up" in body for body in messenger.bodies)
    assert any("New request BBBB" in body for body in messenger.bodies)
