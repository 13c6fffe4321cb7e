from __future__ import annotations

import asyncio
from pathlib import Path

from bot.dispatch import Dispatcher
from bot.logs import Redactor
from store import Incoming, Store
from store.secret import parse
from tests.support.fakes import text_event

KEY = parse("ef" * 32, "test")


async def test_one_slow_member_does_not_hold_up_another(tmp_path: Path):
    store = Store(tmp_path, KEY)
    release = asyncio.Event()
    done: list[str] = []

    async def handle(ev: Incoming) -> None:
        if ev.sender == "@slow:hs":
            await release.wait()
        done.append(ev.event_id)

    events = [
        text_event("!a", "@slow:hs", event_id="$slow"),
        text_event("!b", "@fast:hs", event_id="$fast"),
    ]
    store.commit_batch("s1", events)
    d = Dispatcher(handle, store, Redactor(b"k" * 32))
    for ev in events:
        d.submit(ev)
    while "$fast" not in done:
        await asyncio.sleep(0)
    assert [e.event_id for e in store.pending()] == ["$slow"], "only handled events are marked"
    release.set()
    await d.drain(timeout=5)
    assert done == ["$fast", "$slow"] and store.pending() == []
    store.close()


async def test_one_members_events_keep_their_order(tmp_path: Path):
    store = Store(tmp_path, KEY)
    order: list[str] = []

    async def handle(ev: Incoming) -> None:
        await asyncio.sleep(0.01 if ev.event_id == "$1" else 0)
        order.append(ev.event_id)

    d = Dispatcher(handle, store, Redactor(b"k" * 32))
    for i in range(1, 4):
        d.submit(text_event("!x", event_id=f"${i}"))
    await d.drain(timeout=5)
    assert order == ["$1", "$2", "$3"]
    store.close()


async def test_interrupted_handler_stays_pending(tmp_path: Path):
    store = Store(tmp_path, KEY)
    ev = text_event("!x", event_id="$stuck")
    store.commit_batch("s1", [ev])

    async def handle(_: Incoming) -> None:
        await asyncio.Event().wait()

    d = Dispatcher(handle, store, Redactor(b"k" * 32))
    d.submit(ev)
    await asyncio.sleep(0)
    await d.drain(timeout=0.01)
    assert store.pending() == [ev]
    store.close()


async def test_a_crashing_handler_still_marks_processed(tmp_path: Path):
    store = Store(tmp_path, KEY)
    ev = text_event("!x", event_id="$bad")
    store.commit_batch("s1", [ev])

    async def handle(_: Incoming) -> None:
        raise RuntimeError("bug")

    d = Dispatcher(handle, store, Redactor(b"k" * 32))
    d.submit(ev)
    await d.drain(timeout=5)
    assert store.pending() == []
    store.close()


async def test_a_later_message_waits_for_the_earlier_ones_still_queued(tmp_path: Path):
    """Issue #11: when the first handler finished, the lock was dropped while the second
    still waited for it, so a fourth message got a fresh lock and ran alongside the second."""
    store = Store(tmp_path, KEY)
    gates = {f"${i}": asyncio.Event() for i in range(1, 5)}
    running: set[str] = set()
    overlaps: list[set[str]] = []
    order: list[str] = []

    async def handle(ev: Incoming) -> None:
        running.add(ev.event_id)
        if len(running) > 1:
            overlaps.append(set(running))
        await gates[ev.event_id].wait()
        running.discard(ev.event_id)
        order.append(ev.event_id)

    d = Dispatcher(handle, store, Redactor(b"k" * 32))
    for i in range(1, 4):
        d.submit(text_event("!x", event_id=f"${i}"))
    await asyncio.sleep(0)
    gates["$1"].set()
    while "$1" not in order:
        await asyncio.sleep(0)
    d.submit(text_event("!x", event_id="$4"))
    for _ in range(10):
        await asyncio.sleep(0)
    for gate in gates.values():
        gate.set()
    await d.drain(timeout=5)
    assert overlaps == [] and order == ["$1", "$2", "$3", "$4"]
    store.close()


async def test_a_replayed_event_keeps_its_place_ahead_of_the_first_syncs(tmp_path: Path):
    """bench.chaos: after a kill, the member's `!talk` (still in the inbox) was handled after
    their `!cancel` that the first sync brought, and opened a second request. The replayed
    events are submitted before the sync starts, held until the first sync is done."""
    store = Store(tmp_path, KEY)
    order: list[str] = []

    async def handle(ev: Incoming) -> None:
        order.append(ev.event_id)

    d = Dispatcher(handle, store, Redactor(b"k" * 32))
    first_sync_done = asyncio.Event()
    d.submit(text_event("!talk", event_id="$talk"), after=first_sync_done)  # from the inbox
    await asyncio.sleep(0)
    d.submit(text_event("!cancel", event_id="$cancel"))  # the first sync brings it
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == []  # the member's older message goes first, once rooms are known
    first_sync_done.set()
    await d.drain(timeout=5)
    assert order == ["$talk", "$cancel"]
    store.close()


async def test_an_event_the_homeserver_failed_is_handled_again_once_it_answers(tmp_path: Path):
    """bench.chaos: a member's !talk, handled while Synapse restarted, failed on the key
    query (connection refused) and was marked handled: the member never heard back."""
    import aiohttp

    from bot.matrix.reach import unreachable

    store = Store(tmp_path, KEY)
    tries: list[str] = []

    async def handle(ev: Incoming) -> None:
        tries.append(ev.event_id)
        if len(tries) < 3:
            raise aiohttp.ClientConnectorError(None, OSError(111, "refused"))  # type: ignore[arg-type]

    event = text_event("!talk", event_id="$talk")
    store.commit_batch("s1", [event])
    d = Dispatcher(handle, store, Redactor(b"k" * 32), unreachable=unreachable)
    d.retry_pause = 0.0
    d.submit(event)
    await d.drain(timeout=5)
    assert tries == ["$talk"] * 3 and store.pending() == []
    store.close()


async def test_an_event_the_homeserver_never_answered_waits_for_the_next_start(
    tmp_path: Path, caplog
):
    import aiohttp

    from bot.matrix.reach import unreachable

    store = Store(tmp_path, KEY)

    async def handle(ev: Incoming) -> None:
        raise aiohttp.ServerDisconnectedError()

    event = text_event("!talk", event_id="$talk")
    store.commit_batch("s1", [event])
    d = Dispatcher(handle, store, Redactor(b"k" * 32), unreachable=unreachable)
    d.retry_pause, d.patience = 0.01, 0.0
    d.submit(event)
    await d.drain(timeout=5)
    assert [e.event_id for e in store.pending()] == ["$talk"]  # not lost: the next start
    assert "waits for the next start" in caplog.text
    store.close()
