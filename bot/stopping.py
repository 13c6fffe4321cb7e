"""How `warmline run` stops when told to (SIGTERM, SIGINT): within 5 s, whatever it is doing.

A start phase (waiting for the homeserver, logging in, cross-signing, starting) is cancelled
at once: it has nothing to finish, and a homeserver that never answers would otherwise hold it
for ever (nio retries a failed request inside the request, without end). Serving gets
STOP_GRACE seconds to finish the events in hand, then it is cancelled too; an event whose
handler did not finish is still in the store's inbox and is handled at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)
SERVING = "serving"
STOP_GRACE = 3.0  # seconds; the promise is 5 s from the signal to the end of the process


@dataclass
class Phase:
    """Where the process is, for the log lines a stop writes."""

    name: str = "starting"
    interrupted: str = ""  # " while <phase>" once a stop interrupted it


async def until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event, phase: Phase) -> None:
    """Runs `work` until it ends or `stop` is set, then ends it as the module says."""
    task = asyncio.create_task(work)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not task.done():
        phase.interrupted = f" while {phase.name}"
        log.info("stopping (%s)", phase.name)
        if phase.name == SERVING:
            await asyncio.wait({task}, timeout=STOP_GRACE)
        for _ in range(3):  # again if its clean-up (a finally) awaits something slow too
            if task.done():
                break
            task.cancel()
            await asyncio.wait({task}, timeout=0.3)
        if not task.done():
            log.warning("the work in hand did not end when cancelled; closing anyway")
    if task.done() and not task.cancelled():
        task.result()  # a failure is the caller's to report
