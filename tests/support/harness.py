"""What the integration tests share: a bot account and its `warmline run`, a pool of real
E2EE member clients, and small readers of what a member saw."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from nio import RoomMessage

from bot.dev.botprocess import BotProcess
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse


def unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


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


class Members:
    def __init__(self, synapse: LocalSynapse, tmp_path: Path) -> None:
        self._synapse = synapse
        self._tmp = tmp_path
        self.all: list[Member] = []

    async def new(self, name: str = "member") -> Member:
        password = secrets.token_urlsafe(12)
        user_id = self._synapse.register(unique(name), password)
        # Lifted: a test's people create rooms, invite and write faster than people do (a
        # flood test sends dozens of messages); the bot is what runs under the real limits.
        self._synapse.lift(user_id)
        member = Member(self._synapse.url, user_id, password, self._tmp / user_id)
        await member.start()
        self.all.append(member)
        return member


async def talked_once(setup: BotSetup, members: Members) -> tuple[BotProcess, Member, str]:
    """A running bot, a member with an encrypted DM with it, and one `!help` answered there."""
    proc = setup.process()
    await proc.start()
    alex = await members.new("alex")
    room = await alex.create_dm(setup.user_id)
    await alex.ask(room, "!help", setup.user_id)
    return proc, alex, room


def bot_messages(member: Member, room_id: str, bot_id: str, start: int) -> list[str]:
    return [
        ev.body
        for r, ev in member.events[start:]
        if r == room_id and isinstance(ev, RoomMessage) and ev.sender == bot_id
    ]
