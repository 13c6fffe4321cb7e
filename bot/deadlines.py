"""Waiting for the next deadline kept in the store, or for a nudge, or for the stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def sleep_until(
    when: float | None, clock: Callable[[], float], wake: asyncio.Event, stop: asyncio.Event
) -> None:
    """Returns at `when` (None: no deadline), when `wake` is set (a new deadline may be
    earlier), or when `stop` is set, whichever comes first; clears `wake`."""
    timeout = None if when is None else max(0.05, when - clock())
    wake.clear()
    waiters = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiters:
            task.cancel()
