from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalogue import Catalogue
from bot.logs import Redactor
from bot.matrix.undecryptable import (
    KEPT_PER_SENDER,
    STILL_LOCKED,
    WITHHELD_REMEMBERED,
    Undecryptable,
)
from bot.members import undecryptable_notice
from bot.text import Message
from store import Store
from store.records import KeptEvent
from store.secret import parse
from tests.support.fakes import text_event

KEY = parse("12" * 32, "test")


def kept(
    event_id: str, session: str = "S1", sender: str = "@alex:hs", at: float = 1000
) -> KeptEvent:
    return KeptEvent(event_id, "!dm:hs", sender, session, '{"ciphertext": "..."}', at)


class World:
    def __init__(self, tmp: Path, grace: float, language: str = "en") -> None:
        self.store = Store(tmp, KEY)
        self.keys: set[str] = set()  # session ids whose key has arrived
        self.sent: list[tuple[str, Message]] = []
        self.now = 1000.0
        self.keeper = Undecryptable(
            self.store,
            self.try_decrypt,
            self.send,
            lambda sender, why: undecryptable_notice(Catalogue(), language, why),
            Redactor(b"k" * 32),
            grace,
            lambda: self.now,
        )

    def try_decrypt(self, event: KeptEvent):
        if event.session_id not in self.keys:
            return STILL_LOCKED
        return text_event("!help", sender=event.sender, event_id=event.event_id)

    async def send(self, room_id: str, message: Message) -> None:
        self.sent.append((room_id, message))


@pytest.fixture
def world(tmp_path: Path):
    w = World(tmp_path, grace=0)
    yield w
    w.store.close()


async def test_one_notice_per_sender_and_session(world: World):
    world.keeper.keep(kept("$1"))
    world.keeper.keep(kept("$2"))
    world.keeper.keep(kept("$1"))  # the same event again (a replayed batch)
    await world.keeper.settle()
    assert len(world.sent) == 1
    room, message = world.sent[0]
    assert room == "!dm:hs" and "couldn't read a message" in message.body
    world.keeper.keep(kept("$3", session="S2"))
    world.keeper.keep(kept("$4", sender="@sam:hs"))
    await world.keeper.settle()
    assert len(world.sent) == 3


async def test_withheld_reason_is_explained(world: World):
    world.keeper.withheld("S1", "m.unverified")
    world.keeper.keep(kept("$1"))
    await world.keeper.settle()
    assert "does not trust my device" in world.sent[0][1].body


async def test_the_notice_is_in_the_senders_language(tmp_path: Path):
    world = World(tmp_path, grace=0, language="ar")
    try:
        world.keeper.withheld("S1", "m.unverified")
        world.keeper.keep(kept("$1"))
        await world.keeper.settle()
        body = world.sent[0][1].body
        assert "لم أتمكن من قراءة رسالة" in body and "جلستك لا تثق بجهازي" in body
        assert "couldn't" not in body
    finally:
        world.store.close()


async def test_key_arriving_within_the_grace_means_no_notice(tmp_path: Path):
    w = World(tmp_path, grace=3600)
    w.keeper.keep(kept("$1"))
    assert w.keeper.retry() == []  # still locked
    w.keys.add("S1")
    readable = w.keeper.retry()
    assert [e.event_id for e in readable] == ["$1"]
    assert [e.event_id for e in w.store.pending()] == ["$1"], "decrypted late → the inbox"
    assert w.store.kept_undecryptable() == []
    w.now += 3600
    await w.keeper.close()
    assert w.sent == []
    w.store.close()


async def test_kept_events_survive_a_restart_and_are_told_after_it(tmp_path: Path):
    w = World(tmp_path, grace=3600)
    w.keeper.keep(kept("$1"))
    await w.keeper.close()
    w.store.close()

    w2 = World(tmp_path, grace=3600)
    w2.now = 1000 + 3600  # the grace ran out while the bot was down
    w2.keeper.resume()
    await w2.keeper.settle()
    assert len(w2.sent) == 1
    w2.store.close()


async def test_handled_events_are_never_kept(world: World):
    world.store.commit_batch("s1", [text_event("!x", event_id="$done")])
    world.store.mark_processed("$done")
    world.keeper.keep(kept("$done"))
    await world.keeper.settle()
    assert world.sent == [] and world.store.kept_undecryptable() == []


async def test_one_sender_keeps_at_most_their_newest_events(tmp_path: Path):
    w = World(tmp_path, grace=3600)
    for i in range(KEPT_PER_SENDER + 30):
        w.keeper.keep(kept(f"$flood{i}", sender="@flood:hs", at=1000 + i))
    w.keeper.keep(kept("$alex", sender="@alex:hs"))
    kept_ids = [e.event_id for e in w.store.kept_undecryptable() if e.sender == "@flood:hs"]
    assert kept_ids == [f"$flood{i}" for i in range(30, KEPT_PER_SENDER + 30)]
    assert "$alex" in {e.event_id for e in w.store.kept_undecryptable()}
    await w.keeper.close()
    w.store.close()


async def test_the_store_keeps_at_most_a_bounded_number(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("bot.matrix.undecryptable.KEPT_AT_MOST", 50)
    w = World(tmp_path, grace=3600)
    for i in range(200):  # many senders, two events each
        w.keeper.keep(kept(f"$e{i}", sender=f"@s{i // 2}:hs", at=1000 + i))
    assert w.store.undecryptable_count() == 50
    await w.keeper.close()
    w.store.close()


def test_withheld_notices_are_bounded(world: World):
    for i in range(5000):
        world.keeper.withheld(f"S{i}", "m.unverified")
    assert len(world.keeper._withheld) == WITHHELD_REMEMBERED
    assert "S4999" in world.keeper._withheld
