"""`warmline doctor` gives a verdict in bounded time whatever state the homeserver is in:
nothing listening, a web server that is not Matrix, one that never answers, one that answers
discovery and then stops answering."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import admin
from bot.config import load_config
from bot.dev.botprocess import write_config
from tests.support.fake_homeserver import USER_ID, FakeHomeserver, web_server


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Short limits (the real ones: 25 s overall, 8 s a request), and the logging the doctor
    sets up for itself put back afterwards."""
    monkeypatch.setattr(admin, "DOCTOR_SECONDS", 1.5)
    monkeypatch.setattr(admin, "DOCTOR_REQUEST_SECONDS", 0.5)
    monkeypatch.setenv("WARMLINE_STORE_KEY", "ab" * 32)
    monkeypatch.setenv("WARMLINE_PASSWORD", "a password")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def doctor(tmp_path: Path, homeserver: str) -> list[tuple[bool, str]]:
    return await admin.doctor(await load_config(write_config(tmp_path, homeserver, USER_ID)))


def failures(results: list[tuple[bool, str]]) -> list[str]:
    return [text for ok, text in results if not ok]


async def test_nothing_listening(tmp_path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    (found,) = failures(await doctor(tmp_path, url))
    assert found.startswith(f"{url}/.well-known/matrix/client: Cannot connect")


async def test_a_web_server_that_is_not_matrix(tmp_path: Path):
    async with web_server({}) as site:
        (found,) = failures(await doctor(tmp_path, site))
    assert f"{site} does not serve the Matrix client API" in found


async def test_a_server_that_never_answers(tmp_path: Path):
    async with web_server({}, hang=True) as site:
        (found,) = failures(await doctor(tmp_path, site))
    assert found == f"{site}/.well-known/matrix/client: no answer within 0.5 s"


async def test_a_homeserver_that_stops_answering_after_discovery(tmp_path: Path):
    server = FakeHomeserver(hang_at="/login")
    await server.start()
    try:
        results = await doctor(tmp_path, server.url)
    finally:
        await server.stop()
    assert (True, f"the homeserver answers at {server.url} (as configured; no .well-known)") in (
        results
    )
    (found,) = failures(results)
    assert found.startswith("no verdict within 1.5 s: the homeserver answers too slowly")
