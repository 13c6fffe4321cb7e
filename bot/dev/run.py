"""`python -m bot.dev.run --config FILE [test-only settings]`: `warmline run` as the tests need
it, with settings production code never reads from the environment (a tiny timeline limit to
make a gap cheaply, a crash injected right after a batch is committed)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence

from bot.cli import run_bot
from bot.matrix.sync import SyncTuning

FAULTS = ("kill-after-commit",)


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bot.dev.run")
    p.add_argument("--config", required=True, metavar="FILE")
    p.add_argument("--timeline-limit", type=int, default=SyncTuning.timeline_limit)
    p.add_argument("--fault", choices=FAULTS, help="die at this point (crash tests)")
    args = p.parse_args(argv)
    tuning = SyncTuning(
        timeline_limit=args.timeline_limit,
        after_commit=_kill if args.fault == "kill-after-commit" else None,
    )
    os.umask(0o077)
    return asyncio.run(run_bot(args.config, tuning))


if __name__ == "__main__":
    sys.exit(main())
