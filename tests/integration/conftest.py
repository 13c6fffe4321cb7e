"""A real Synapse on loopback for the whole session; real `warmline run` processes; real E2EE
member clients. Nothing here mocks the homeserver or the crypto."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.dev.botprocess import BotProcess, new_store_key, write_config
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse
from tests.support.harness import BotSetup, Members, unique
from tests.support.line import Line, start_line
from tests.support.logscan import leaks, member_data

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
    # Lifted: these tests have the bot send far more than rc_message's burst of 10 within
    # seconds (acks, pages, edits, intros). test_rate_limits runs it under Synapse's defaults.
    synapse.lift(user_id)
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


@pytest.fixture(autouse=True)
def logs_keep_members_private(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """After every integration test: no bot log it wrote holds, above DEBUG, anything any
    member client of the test used (see tests.support.logscan)."""
    started: list[Member] = []
    start = Member.start

    async def recorded(member: Member) -> None:
        started.append(member)
        await start(member)

    monkeypatch.setattr(Member, "start", recorded)
    # Taken now: at teardown the fixture is finished already.
    setup = request.getfixturevalue("bot_setup") if "bot_setup" in request.fixturenames else None
    yield
    secrets = member_data(started, [setup.user_id] if setup else [])
    found = leaks(sorted(tmp_path.rglob("bot.log")), secrets)
    assert not found, "member data in the bot's log:\n" + "\n".join(found[:20])


@pytest.fixture
async def line(bot_setup: BotSetup, members: Members) -> AsyncIterator[Line]:
    world = await start_line(bot_setup, members)
    yield world
    await world.bot.stop()
