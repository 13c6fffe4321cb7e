"""`python -m bot.dev.run --config FILE [test-only settings]`: `warmline run` as the tests need
it, with settings production code never reads from the environment (a tiny timeline limit to
make a gap cheaply, a crash injected right after a batch is committed, syncs held on a signal)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence

from bot.cli import run_bot
from bot.matrix.sync import SyncTuning

FAULTS = ("kill-after-commit",)


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _Hold:
    """Before each sync: after SIGUSR1 the bot waits (said once in the log, for the test)
    until SIGUSR2. The handlers are set at the first sync, long before a test signals."""

    def __init__(self) -> None:
        self._free: asyncio.Event | None = None

    async def __call__(self) -> None:
        if self._free is None:
            free = self._free = asyncio.Event()
            free.set()
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGUSR1, free.clear)
            loop.add_signal_handler(signal.SIGUSR2, free.set)
        if not self._free.is_set():
            logging.getLogger(__name__).warning("sync held by the test")
            await self._free.wait()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bot.dev.run")
    p.add_argument("--config", required=True, metavar="FILE")
    p.add_argument("--timeline-limit", type=int, default=SyncTuning.timeline_limit)
    p.add_argument("--fault", choices=FAULTS, help="die at this point (crash tests)")
    p.add_argument("--hold-sync", action="store_true", help="SIGUSR1 holds syncs, SIGUSR2 not")
    args = p.parse_args(argv)
    tuning = SyncTuning(
        timeline_limit=args.timeline_limit,
        after_commit=_kill if args.fault == "kill-after-commit" else None,
        before_sync=_Hold() if args.hold_sync else None,
    )
    os.umask(0o077)
    return asyncio.run(run_bot(args.config, tuning))


if __name__ == "__main__":
    sys.exit(main())
