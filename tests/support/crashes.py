"""A support line over a real store and fakes at the ports, where the process can "die" at
any side effect (issue #11): the fakes are the homeserver (they outlive the process), the
store is the disk (it outlives it too), and a restart is a fresh SupportLine over both.

`Crash` stands for the process dying. It is a BaseException like SystemExit, so no
`except Exception` in the code under test can swallow it; it is not SystemExit itself only
because asyncio lets a SystemExit raised inside a task escape the event loop (the page is
sent from a task of its own), which would end the test instead of the flow.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot import handoff
from bot.catalogue import Catalogue
from bot.config import Config, MatrixConfig, RoomsConfig, RosterConfig, StoreConfig, SupporterConfig
from bot.line import SupportLine
from bot.logs import Redactor
from bot.roster import Roster
from bot.shifts import parse_shift
from bot.team import TeamRoom
from bot.text import Message
from store import Store
from store.secret import parse
from tests.support.fakes import FakeRooms, RecordingMessenger

TEAM = "!team:hs"
SAM = "@sam:hs"
KEY = parse("c3" * 32, "test")


class Crash(BaseException):
    """The process died here."""


class Fuse:
    """Counts the side effects the line asks of the homeserver (each a point where the
    process can die just before it, or just after it happened) and blows at one of them.
    Once blown, every later call dies too: a dead process does nothing more."""

    def __init__(
        self, blow_at: int | None = None, on: str | None = None, after: bool = False
    ) -> None:
        self.calls: list[str] = []  # every side effect asked for, in order
        self.blow_at = blow_at  # index into the points: 2 * call (+1: after it)
        self.on, self.after = on, after  # or: at the first call of this name
        self.blown = False

    async def around(self, name: str, call: Callable[[], Awaitable[Any]]) -> Any:
        if self.blown:
            raise Crash(name)
        point = 2 * len(self.calls)
        self.calls.append(name)
        if name == self.on:
            self.blow_at, self.on = point + int(self.after), None
        if self.blow_at == point:
            self.blown = True
            raise Crash(f"before {name}")
        await asyncio.sleep(0.001)  # the homeserver takes a moment: other work goes on
        result = await call()
        if self.blow_at == point + 1:
            self.blown = True
            raise Crash(f"after {name}")
        return result


class FusedMessenger(RecordingMessenger):
    """Messages as the homeserver keeps them; `fuse` set per process."""

    fuse: Fuse | None = None

    def where(self, room_id: str) -> str:
        return "team" if room_id == TEAM else "dm" if room_id.startswith("!dm") else "handoff"

    async def send(self, room_id: str, message: Message, once: str | None = None) -> str | None:
        assert self.fuse is not None
        parent = super()
        return await self.fuse.around(  # type: ignore[no-any-return]
            f"send:{self.where(room_id)}", lambda: parent.send(room_id, message, once)
        )

    async def edit(self, room_id: str, event_id: str, message: Message) -> str | None:
        assert self.fuse is not None
        parent = super()
        return await self.fuse.around(  # type: ignore[no-any-return]
            f"edit:{self.where(room_id)}", lambda: parent.edit(room_id, event_id, message)
        )


class FusedRooms(FakeRooms):
    fuse: Fuse | None = None

    async def create_handoff(
        self, member: str, supporter: str, observers: tuple[str, ...] = (), marker: str = ""
    ) -> str:
        assert self.fuse is not None
        parent = super()
        return await self.fuse.around(  # type: ignore[no-any-return]
            "create_handoff", lambda: parent.create_handoff(member, supporter, observers, marker)
        )

    async def find_handoff(self, member: str, supporter: str, marker: str) -> str | None:
        assert self.fuse is not None
        parent = super()
        return await self.fuse.around(  # type: ignore[no-any-return]
            "find_handoff", lambda: parent.find_handoff(member, supporter, marker)
        )

    async def leave(self, room_id: str) -> None:
        assert self.fuse is not None
        parent = super()
        await self.fuse.around("leave", lambda: parent.leave(room_id))


def config(bot_stays: bool = False) -> tuple[Config, Roster]:
    roster_config = RosterConfig(
        supporters=(SupporterConfig(SAM, "Sam", shifts=(parse_shift("daily 00:00-24:00"),)),)
    )
    cfg = Config(
        MatrixConfig("https://hs", "@bot:hs"),
        StoreConfig("x"),
        rooms=RoomsConfig(supporters=TEAM),
        roster=roster_config,
    )
    if bot_stays:
        cfg = dataclasses.replace(cfg, handoff=dataclasses.replace(cfg.handoff, bot_stays=True))
    return cfg, Roster(roster_config)


class World:
    """The homeserver (messenger, rooms) and the disk (store) that outlive each process."""

    def __init__(self, directory: Path, clock: float = 1_000_000.0) -> None:
        self.store = Store(directory, KEY)
        self.messenger = FusedMessenger()
        self.rooms = FusedRooms()
        self.now = clock
        self.config, self.roster = config()
        self.ids = iter(["AAAA", "BBBB", "CCCC", "DDDD"])

    def process(self, fuse: Fuse | None = None) -> SupportLine:
        """A fresh process: a new SupportLine over the same store and homeserver."""
        self.messenger.fuse = self.rooms.fuse = fuse or Fuse()
        line = SupportLine(
            self.store,
            lambda: self.config,
            lambda: self.roster,
            self.messenger,
            self.rooms,
            TeamRoom(TEAM, self.messenger, Catalogue(), lambda: self.roster),
            Redactor(b"k" * 32),
            clock=lambda: self.now,
            new_id=lambda taken: next(self.ids),
        )
        line.handoffs.pause = 0.0
        return line

    def bodies(self, where: str) -> list[str]:
        return [m.body for room, m in self.messenger.sent if self.messenger.where(room) == where]

    def close(self) -> None:
        self.store.close()


TIMING = handoff.Timing(300, 1800, 86400)
