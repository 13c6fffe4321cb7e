"""Reading a config file without trusting it: a regular file of at most 1 MiB of UTF-8,
parsed in a thread with a time bound, so a hostile or broken file cannot stall the bot."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import aiofiles
import aiofiles.os

from bot.schema import Problem
from bot.yaml_nodes import MAX_BYTES

PARSE_SECONDS = 10.0  # a backstop: bot.yaml_nodes' bounds keep a parse far below it
T = TypeVar("T")


class ConfigError(Exception):
    def __init__(self, source: str, problems: list[Problem], count: int | None = None) -> None:
        self.source = source
        self.problems = problems  # the first schema.SHOWN, then "and N more"
        self.count = len(problems) if count is None else count  # all of them
        super().__init__("\n".join(p.render(source) for p in problems))


def _refuse(path: Path, message: str) -> ConfigError:
    return ConfigError(str(path), [Problem("", None, message)])


async def read_text(path: Path) -> str:
    try:
        if not stat.S_ISREG((await aiofiles.os.stat(path)).st_mode):
            raise _refuse(path, "is not a regular file")
        async with aiofiles.open(path, "rb") as fh:
            data = await fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _refuse(path, f"cannot read it ({exc.strerror})") from exc
    if len(data) > MAX_BYTES:
        raise _refuse(path, f"is larger than {MAX_BYTES // 1024} KiB; a config is a few KiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(path, "is not UTF-8 text") from exc


async def off_the_loop(parse: Callable[[str, str], T], text: str, source: str) -> T:
    """`parse(text, source)` in a thread; a ConfigError if it takes over PARSE_SECONDS."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(parse, text, source), PARSE_SECONDS)
    except TimeoutError:
        slow = f"reading it took longer than {PARSE_SECONDS:.0f} s; warmline refuses it"
        raise _refuse(Path(source), slow) from None
