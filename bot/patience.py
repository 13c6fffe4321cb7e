"""Trying a step again while its failure is passing (the homeserver restarts, a connection
drops): a growing pause, for a bounded time. Used by the sends (bot.matrix.messenger) and by
the handling of each event (bot.dispatch)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
LONGEST_PAUSE = 10.0  # seconds


class GaveUp(Exception):
    """The step still failed, as passing, when the patience ran out (raised from the last
    failure)."""


async def patiently(
    step: Callable[[], Awaitable[T]],
    passing: Callable[[BaseException], bool],
    patience: float,
    pause: float,
) -> T:
    """Runs `step`; while it raises what `passing` accepts, runs it again after a pause that
    doubles (up to LONGEST_PAUSE), for up to `patience` seconds, then raises GaveUp. Any
    other failure is raised at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        try:
            return await step()
        except Exception as exc:
            if not passing(exc):
                raise
            if loop.time() + pause > deadline:
                raise GaveUp() from exc
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
