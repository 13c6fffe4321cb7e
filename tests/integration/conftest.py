"""A real Synapse on loopback for the whole session; real `warmline run` processes; real E2EE
member clients. Nothing here mocks the homeserver or the crypto."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.dev.botprocess import BotProcess, new_store_key, write_config
from bot.dev.synapse import LocalSynapse
from tests.support.harness import BotSetup, Members, unique
from tests.support.line import Line, start_line

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bot_setup(synapse: LocalSynapse, tmp_path: Path) -> BotSetup:
    password = secrets.token_urlsafe(12)
    user_id = synapse.register(unique("warmline"), password)
    workdir = tmp_path / "bot"
    config = write_config(workdir, synapse.url, user_id)
    return BotSetup(user_id, password, new_store_key(), config, workdir)


@pytest.fixture
async def bot(bot_setup: BotSetup) -> AsyncIterator[BotProcess]:
    proc = bot_setup.process()
    await proc.start()
    try:
        yield proc
    finally:
        await proc.stop()


@pytest.fixture
async def members(synapse: LocalSynapse, tmp_path: Path) -> AsyncIterator[Members]:
    pool = Members(synapse, tmp_path)
    try:
        yield pool
    finally:
        for member in pool.all:
            await member.close()


@pytest.fixture
async def line(bot_setup: BotSetup, members: Members) -> AsyncIterator[Line]:
    world = await start_line(bot_setup, members)
    yield world
    await world.bot.stop()
