"""A real Synapse on loopback for the whole session; real `warmline run` processes; real E2EE
member clients. Nothing here mocks the homeserver or the crypto."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.devbot import BotProcess, new_store_key, write_config
from bot.devclient import Member
from bot.devserver import LocalSynapse

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    server = LocalSynapse(tmp_path_factory.mktemp("synapse"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class BotSetup:
    user_id: str
    password: str
    store_key: str
    config: Path
    workdir: Path

    @property
    def store_dir(self) -> Path:
        return self.workdir / "data"

    def process(self, store_key: str | None = None) -> BotProcess:
        return BotProcess(
            self.config, self.password, store_key or self.store_key, self.workdir / "bot.log"
        )


async def talked_once(setup: BotSetup, members: Members) -> tuple[BotProcess, Member, str]:
    """A running bot, a member with an encrypted DM with it, and one `!help` answered there."""
    proc = setup.process()
    await proc.start()
    alex = await members.new("alex")
    room = await alex.create_dm(setup.user_id)
    await alex.ask(room, "!help", setup.user_id)
    return proc, alex, room


def unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


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


class Members:
    def __init__(self, synapse: LocalSynapse, tmp_path: Path) -> None:
        self._synapse = synapse
        self._tmp = tmp_path
        self.all: list[Member] = []

    async def new(self, name: str = "member") -> Member:
        password = secrets.token_urlsafe(12)
        user_id = self._synapse.register(unique(name), password)
        member = Member(self._synapse.url, user_id, password, self._tmp / user_id)
        await member.start()
        self.all.append(member)
        return member


@pytest.fixture
async def members(synapse: LocalSynapse, tmp_path: Path) -> AsyncIterator[Members]:
    pool = Members(synapse, tmp_path)
    try:
        yield pool
    finally:
        for member in pool.all:
            await member.close()
