"""Hostile sync batches through the bot's real sync path, many times over (issue #10).

    python -m bench.fuzz --examples 10000 [--seed N]

The same fuzz test as tests/unit/test_hostile_sync.py (which runs a few hundred examples in
the normal suite), with fresh random examples: malformed timeline, state, invite, to-device
and account-data events, real Olm and Megolm ciphertext around fuzzed plaintext, and
malformed /keys/query, /keys/claim and /messages answers, against the real client, store and
sync loop, with a fake homeserver at the HTTP boundary. After each batch the loop must still
run, its position must have moved past the batch, a good event in the same batch and one in
the next batch must have arrived, and no batch may have been skipped whole.
Prints how many examples ran, what was left out (by the shape checks before nio, and by the
guards around nio's own handling) and the result; exits 1 on the first failure.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings

from tests.support.hostile import HostileBatch, hostile_batches
from tests.support.syncpath import FuzzBot, HostileRun


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the bot's own warnings would flood the run
    # ... but its errors are what HostileRun checks for (a failed batch, a retry failing on
    # every sync): kept at ERROR for its handler, not printed
    logging.getLogger("bot").setLevel(logging.ERROR)
    logging.getLogger("bot").propagate = False
    ran = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, asyncio.Runner() as runner:
        bot = FuzzBot(Path(tmp))
        runner.run(bot.start())
        run = HostileRun(bot)

        @settings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(plan=hostile_batches())
        def survives(plan: HostileBatch) -> None:
            nonlocal ran
            ran += 1
            runner.run(run.survives(plan))
            if ran % 1000 == 0:
                print(f"  {ran} examples, {time.perf_counter() - started:.0f} s", flush=True)

        test = survives if args.seed is None else seed(args.seed)(survives)
        failure: BaseException | None = None
        try:
            test()
        except BaseException as exc:  # report, then fail
            failure = exc
        runner.run(bot.close())
    elapsed = time.perf_counter() - started
    by_layer = collections.Counter(
        "guard around nio" if d.reason.startswith(("failed:", "nio cannot")) else "shape check"
        for d in run.dropped
    )
    print(f"examples run: {ran} in {elapsed:.0f} s ({ran / elapsed:.1f}/s)")
    print(f"items left out: {len(run.dropped)} ({dict(by_layer)})")
    for reason, count in collections.Counter(
        d.reason for d in run.dropped if d.reason.startswith(("failed:", "nio cannot"))
    ).most_common(10):
        print(f"  {count:6d}  {reason}")
    print(f"batches skipped whole: {bot.loop.skipped_total}")
    if failure is not None:
        print("".join(traceback.format_exception(failure)[-6:]))
        print(f"result: FAILED ({type(failure).__name__}: {failure})")
        return 1
    print("result: passed (the loop went on and its position advanced after every batch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
