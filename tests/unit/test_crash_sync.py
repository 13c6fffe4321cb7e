"""A store write failure after a batch was committed (issue #11): the position the loop goes
on from is the committed one, and what was already taken out of the kept events is handled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.logs import Redactor
from bot.matrix.undecryptable import STILL_LOCKED, Undecryptable
from bot.text import Message
from store import Store, StoreWriteError
from store.records import KeptEvent
from store.secret import parse
from tests.support.fakes import text_event
from tests.support.syncpath import CLEAN, FuzzBot, marker


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as running:
        yield running


@pytest.fixture
def bot(tmp_path: Path, runner: asyncio.Runner) -> Iterator[FuzzBot]:
    fuzz = FuzzBot(tmp_path)
    runner.run(fuzz.start())
    yield fuzz
    runner.run(fuzz.close())


def batch(*events: Any) -> dict[str, Any]:
    return {"rooms": {"join": {CLEAN: {"timeline": {"events": list(events)}}}}}


def test_a_failure_after_the_commit_does_not_hold_the_position_back(
    bot: FuzzBot, runner: asyncio.Runner
):
    failures = [StoreWriteError("disk full")]

    def retry() -> list[Any]:
        if failures:
            raise failures.pop()
        return []

    late: list[Exception] = []

    def after_commit() -> None:
        if late:
            raise late.pop()

    bot.undecryptable.retry = retry  # type: ignore[method-assign]
    runner.run(bot.run_batch(batch(marker("first"))))
    assert bot.delivered("$markfirst")
    # the same once more, from a step after the commit that is not guarded today
    late.append(StoreWriteError("disk full"))
    bot.loop._tuning = type(bot.loop._tuning)(retry_pause=0.01, after_commit=after_commit)
    runner.run(bot.run_batch(batch(marker("second"))))
    runner.run(bot.run_batch(batch(marker("third"))))
    assert bot.delivered("$marksecond") and bot.delivered("$markthird")


async def test_kept_events_decrypted_before_a_write_failure_are_handed_on(tmp_path: Path):
    store = Store(tmp_path, parse("34" * 32, "test"))
    sent: list[Message] = []

    async def send(room_id: str, message: Message) -> None:
        sent.append(message)

    def decrypt(event: KeptEvent) -> Any:
        return text_event("!help", event_id=event.event_id) if event.session_id else STILL_LOCKED

    keeper = Undecryptable(store, decrypt, send, Redactor(b"k" * 32), 3600, lambda: 1000.0)
    for n in (1, 2):
        store.keep_undecryptable(KeptEvent(f"$k{n}", "!dm:hs", "@alex:hs", "S", "{}", 999 + n))
    real = store.decrypted_late
    calls: list[str] = []

    def flaky(event_id: str, readable: list[Any]) -> list[Any]:
        calls.append(event_id)
        if len(calls) == 2:
            raise StoreWriteError("disk full")
        return real(event_id, readable)

    store.decrypted_late = flaky  # type: ignore[method-assign]
    first = keeper.retry()
    assert [e.event_id for e in first] == ["$k1"]  # taken from the kept ones: handed on
    assert [e.event_id for e in keeper.retry()] == ["$k2"]  # the rest at the next sync
    await keeper.close()
    store.close()


def test_a_full_disk_stops_new_work_with_one_line_and_a_word_then_loses_nothing(
    bot: FuzzBot, runner: asyncio.Runner, caplog: pytest.LogCaptureFixture
):
    """Issue #11: a store that raises the disk-full error (what SQLite's SQLITE_FULL becomes:
    StoreWriteError) on every write of a batch."""
    real_commit = bot.store.commit_batch
    tries: list[str] = []
    told: list[str] = []

    def commit(next_batch: str, events: list[Any], rooms: Any = None) -> list[Any]:
        if full:
            tries.append(next_batch)
            raise StoreWriteError("cannot write the store (database or disk is full)")
        return real_commit(next_batch, events, rooms)

    async def tell() -> None:
        told.append("organizers")

    full = True
    bot.store.commit_batch = commit  # type: ignore[method-assign]
    bot.loop._store_health._store_down = tell

    async def scenario() -> None:
        nonlocal full
        next_batch = f"b{bot.count + 1}"
        run = asyncio.create_task(bot.run_batch(batch(marker("waits"))))
        async with asyncio.timeout(20):
            while len(tries) < 4:  # tried again and again, with backoff
                await asyncio.sleep(0.01)
        assert not bot.delivered("$markwaits") and bot.store.sync_token() != next_batch
        full = False
        await run

    with caplog.at_level(logging.WARNING):
        runner.run(scenario())
    assert bot.delivered("$markwaits")  # nothing lost: handled once writing works
    health = [r.getMessage() for r in caplog.records if r.name == "warmline.health"]
    assert health[0] == (
        "store: cannot write the store (database or disk is full); retrying with backoff"
    )
    assert len(health) == 2 and health[1].startswith("store: working again after ")
    assert told == ["organizers"]
