"""A short run of bench.chaos in the suite (issue #11): the bot killed with SIGKILL at random
moments and Synapse restarted twice, while members ask and a supporter accepts (by reaction
and by command, once after the escalation), a member cancels racing the supporter and the
organizers edit the config; no promise may break. The minute's community posts and the
check-ins need minutes: `python -m bench.chaos --cycles 1000` is the long run."""

from __future__ import annotations

import logging
import random
from pathlib import Path

from bench.chaos import INVARIANTS, KNOWN_GAPS, campaign


async def test_ten_cycles_of_kills_and_a_homeserver_restart_break_no_promise(tmp_path: Path):
    nio = logging.getLogger("nio")
    level, seed = nio.level, random.randrange(1 << 30)
    nio.setLevel(logging.CRITICAL)  # the clients' retries while Synapse is away
    try:
        tally = await campaign(10, seed, kill_rate=0.8, hs_every=5, members=1, work=tmp_path)
    finally:
        nio.setLevel(level)
    print(tally.report())
    assert tally.cycles == 10
    # KNOWN_GAPS: counted and printed, not yet kept (see README, What survives what)
    broken = {n: tally.violations[n] for n in INVARIANTS if tally.violations[n]}
    assert {n: v for n, v in broken.items() if n not in KNOWN_GAPS} == {}, (
        f"seed {seed}\n{tally.report()}"
    )
