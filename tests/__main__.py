"""`python -m tests`: the whole suite — lint, types, import contracts, unit and integration
tests.

The integration tests start their own Synapse on 127.0.0.1; nothing else is needed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
# Paced by the homeserver, not by the CPU: at Synapse's default limits (one message per 5 s)
# this test spends its 7-9 minutes waiting, so the whole suite runs it beside the rest rather
# than after it (CI stays under 15 minutes). Both runs must pass.
PACED = (
    "tests/integration/test_rate_limits.py::test_twelve_requests_in_half_a_minute_all_handed_off"
)

STEPS = (
    ("ruff", [sys.executable, "-m", "ruff", "check", "."]),
    ("ruff format", [sys.executable, "-m", "ruff", "format", "--check", "."]),
    ("mypy", [sys.executable, "-m", "mypy"]),
    ("import contracts", [str(Path(sys.executable).with_name("lint-imports"))]),
)


def pytest(args: list[str]) -> int:
    if args:  # a chosen part of the suite: as asked
        return subprocess.call([*PYTEST, *args])
    with subprocess.Popen(
        [*PYTEST, PACED], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as paced:
        rest = subprocess.call([*PYTEST, "--deselect", PACED])
        out, _ = paced.communicate()
    print(f"== pytest (beside the rest) {PACED}", flush=True)
    print(out, flush=True)
    return rest or paced.returncode


def main() -> int:
    for name, argv in STEPS:
        print(f"== {name}", flush=True)
        code = subprocess.call(argv)
        if code != 0:
            print(f"== {name} failed (exit {code})", flush=True)
            return code
    print("== pytest", flush=True)
    code = pytest(sys.argv[1:])
    if code != 0:
        print(f"== pytest failed (exit {code})", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
