"""`python -m tests`: the whole suite — lint, types, import contracts, unit and integration
tests.

The integration tests start their own Synapse on 127.0.0.1; nothing else is needed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

STEPS = (
    ("ruff", [sys.executable, "-m", "ruff", "check", "."]),
    ("ruff format", [sys.executable, "-m", "ruff", "format", "--check", "."]),
    ("mypy", [sys.executable, "-m", "mypy"]),
    ("import contracts", [str(Path(sys.executable).with_name("lint-imports"))]),
    ("pytest", [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *sys.argv[1:]]),
)


def main() -> int:
    for name, argv in STEPS:
        print(f"== {name}", flush=True)
        code = subprocess.call(argv)
        if code != 0:
            print(f"== {name} failed (exit {code})", flush=True)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
