"""SIGTERM and SIGINT end `warmline run` within 5 s in every phase, with a clear last line and
the store closed cleanly: the real process, against a fake homeserver that accepts requests and
never answers from a chosen point on (or against a port where nothing listens)."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import pytest

from bot import stopping
from bot.dev.botprocess import BotProcess, new_store_key, write_config
from bot.stopping import SERVING, Phase, until_stopped
from store import Store
from store.secret import parse
from tests.support.fake_homeserver import USER_ID, FakeHomeserver

STOP_WITHIN = 5.0  # seconds: the promise (README, Running the bot)


def bot_for(homeserver: str, tmp_path: Path, extra: dict[str, object] | None = None) -> BotProcess:
    config = write_config(tmp_path / "bot", homeserver, USER_ID, extra)
    return BotProcess(config, "a password", new_store_key(), tmp_path / "bot.log")


async def stop_and_check(bot: BotProcess, sig: int, phase: str) -> None:
    assert bot.proc is not None
    bot.proc.send_signal(sig)
    code = await bot.wait_exit(timeout=STOP_WITHIN)
    assert code == 0, bot.lines[-5:]
    last = bot.lines[-1]
    assert f"stopped while {phase}; the store is closed" in last, last
    assert any(f"{signal.Signals(sig).name} received" in line for line in bot.lines)
    # closed cleanly: the lock is free and every page still checks out
    Store(bot.config.parent / "data", parse(bot.env["WARMLINE_STORE_KEY"], "test")).close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_stop_while_nothing_listens_at_the_homeserver(tmp_path: Path):
    bot = bot_for(f"http://127.0.0.1:{closed_port()}", tmp_path)
    await bot.start(wait_ready=False)
    line = await bot.wait_for_line("cannot reach the homeserver", timeout=30)
    assert "127.0.0.1" in line and "Connect" in line  # what was tried, and what went wrong
    await stop_and_check(bot, signal.SIGTERM, "waiting for the homeserver")


@pytest.mark.parametrize(
    ("hang_at", "phase", "sig"),
    [
        ("/.well-known/matrix/client", "waiting for the homeserver", signal.SIGINT),
        ("/login", "logging in", signal.SIGTERM),
        ("/keys/query", "setting up cross-signing", signal.SIGINT),
        ("/join/", "starting", signal.SIGTERM),
    ],
)
async def test_stop_while_the_homeserver_holds_a_request(
    tmp_path: Path, hang_at: str, phase: str, sig: int
):
    server = FakeHomeserver(hang_at=hang_at)
    await server.start()
    bot = bot_for(server.url, tmp_path, {"rooms": {"supporters": "!team:fake.test"}})
    try:
        await bot.start(wait_ready=False)
        await _held(server, bot)
        await stop_and_check(bot, sig, phase)
    finally:
        await bot.stop(signal.SIGKILL)
        await server.stop()


async def test_stop_while_serving(tmp_path: Path):
    server = FakeHomeserver()  # answers the first sync; the next one is a long poll, idle
    await server.start()
    bot = bot_for(server.url, tmp_path)
    try:
        await bot.start(timeout=30)
        await stop_and_check(bot, signal.SIGTERM, "serving")
    finally:
        await bot.stop(signal.SIGKILL)
        await server.stop()


async def _held(server: FakeHomeserver, bot: BotProcess) -> None:
    waiter = asyncio.create_task(server.hanging.wait())
    assert bot.proc is not None
    exited = asyncio.create_task(bot.proc.wait())
    done, _ = await asyncio.wait({waiter, exited}, timeout=30, return_when="FIRST_COMPLETED")
    exited.cancel()
    assert waiter in done, bot.lines[-5:]


# -- the mechanism, in-process -------------------------------------------------------------


async def test_a_start_phase_is_cancelled_at_once():
    stop, phase, cancelled = asyncio.Event(), Phase("logging in"), asyncio.Event()

    async def logging_in() -> None:
        try:
            await asyncio.Event().wait()  # a homeserver that never answers
        finally:
            cancelled.set()

    stop.set()
    await asyncio.wait_for(until_stopped(logging_in(), stop, phase), 1)
    assert cancelled.is_set() and phase.interrupted == " while logging in"


async def test_serving_may_finish_what_it_holds_then_is_cancelled(monkeypatch):
    monkeypatch.setattr(stopping, "STOP_GRACE", 0.2)
    stop, finished = asyncio.Event(), []

    async def serving_politely() -> None:
        await stop.wait()
        await asyncio.sleep(0.05)  # the events in hand
        finished.append("drained")

    stop.set()
    await until_stopped(serving_politely(), stop, Phase(SERVING))
    assert finished == ["drained"]

    async def serving_stuck() -> None:
        try:
            await asyncio.Event().wait()
        finally:  # a clean-up that is stuck as well: cancelled a second time
            await asyncio.Event().wait()

    await asyncio.wait_for(until_stopped(serving_stuck(), stop, Phase(SERVING)), 2)


async def test_a_failure_is_not_swallowed():
    async def failing() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await until_stopped(failing(), asyncio.Event(), Phase())
