"""Finding the client API from `matrix.homeserver`: a server name or a URL, `.well-known`
followed as Element does, and a clear verdict for every way it can go wrong. Plain-http servers
on loopback stand in for the web server of a domain and for the homeserver."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.config import parse
from bot.matrix.discovery import (
    NotMatrix,
    Unreachable,
    base_url,
    discover,
    wait_for_homeserver,
)
from tests.support.fake_homeserver import FakeHomeserver, web_server


@asynccontextmanager
async def homeserver() -> AsyncIterator[str]:
    server = FakeHomeserver()
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def well_known(url: str) -> dict[str, tuple[int, Any]]:
    return {"/.well-known/matrix/client": (200, {"m.homeserver": {"base_url": url + "/"}})}


def test_a_server_name_means_https_and_a_url_stays_as_it_is():
    assert base_url("example.org") == "https://example.org"
    assert base_url("example.org:8448") == "https://example.org:8448"
    assert base_url("http://127.0.0.1:8008/") == "http://127.0.0.1:8008"


def test_the_config_takes_a_server_name_or_a_url():
    text = 'matrix:\n  homeserver: {}\n  user_id: "@b:queer.example"\nstore:\n  path: ./d\n'
    assert parse(text.format("queer.example"), "c.yaml").matrix.homeserver == "queer.example"
    url = "https://matrix.queer.example"
    assert parse(text.format(url), "c.yaml").matrix.homeserver == url


async def test_well_known_on_a_plain_web_server_names_the_homeserver():
    async with homeserver() as hs, web_server(well_known(hs)) as site:
        found = await discover(site)
    assert found.url == hs  # without the trailing slash the document had
    assert found.via == f"named by {site}/.well-known/matrix/client"


async def test_without_well_known_the_url_itself_must_be_the_client_api():
    async with homeserver() as hs:
        found = await discover(hs)
    assert (found.url, found.via) == (hs, "as configured; no .well-known")


@pytest.mark.parametrize(
    "answers",
    [
        {},  # nothing: 404 everywhere
        {"/.well-known/matrix/client": (200, "<html>a website</html>")},
        {"/.well-known/matrix/client": (200, {"m.homeserver": "matrix.example"})},
        {"/_matrix/client/versions": (200, {"server": "not matrix"})},
    ],
)
async def test_a_server_that_is_not_matrix_is_named_with_what_it_answered(answers):
    async with web_server(answers) as site:
        with pytest.raises(NotMatrix) as info:
            await discover(site)
    text = str(info.value)
    assert f"{site} does not serve the Matrix client API" in text
    assert "matrix.homeserver should be your server name" in text


async def test_a_well_known_naming_something_that_is_not_a_url_is_refused():
    answers = {"/.well-known/matrix/client": (200, {"m.homeserver": {"base_url": "matrix"}})}
    async with web_server(answers) as site:
        with pytest.raises(NotMatrix, match="names 'matrix' as the homeserver"):
            await discover(site)


async def test_a_well_known_naming_a_homeserver_that_is_down_is_worth_waiting_for():
    down = f"http://127.0.0.1:{free_port()}"
    async with web_server(well_known(down)) as site:
        with pytest.raises(Unreachable) as info:
            await discover(site)
    assert down in str(info.value)


async def test_a_busy_homeserver_is_worth_waiting_for():
    async with web_server({"/_matrix/client/versions": (502, "Bad Gateway")}) as site:
        with pytest.raises(Unreachable, match="HTTP 502"):
            await discover(site)


async def test_a_server_that_never_answers_is_unreachable_after_the_time_limit():
    async with web_server({}, hang=True) as site:
        with pytest.raises(Unreachable, match="no answer within"):
            await discover(site, timeout=0.3)


async def test_waiting_says_what_was_tried_every_interval_and_when_it_answers(caplog):
    caplog.set_level(logging.WARNING, "bot.matrix.discovery")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    waiting = asyncio.create_task(wait_for_homeserver(url, True, report_every=0.2, pauses=(0.05,)))
    await asyncio.sleep(0.7)
    reports = [r.getMessage() for r in caplog.records if "cannot reach" in r.getMessage()]
    assert 2 <= len(reports) <= 5, reports
    assert all(url in text and "Connect" in text for text in reports)
    async with web_server({"/_matrix/client/versions": (200, {"versions": ["v1.11"]})}, port):
        found = await asyncio.wait_for(waiting, 5)
    assert found.url == url
    assert "the homeserver answers now" in caplog.records[-1].getMessage()


async def test_a_first_start_stops_at_a_server_that_is_not_matrix_a_restart_waits(caplog):
    async with web_server({}) as site:
        with pytest.raises(NotMatrix):
            await wait_for_homeserver(site, True)
        waiting = asyncio.create_task(wait_for_homeserver(site, False, pauses=(0.05,)))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        waiting.cancel()
    assert any("does not serve the Matrix client API" in r.getMessage() for r in caplog.records)
