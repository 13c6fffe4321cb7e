"""How long the config loader takes on hostile and oversized files, and how long the event
loop is held meanwhile; prints numbers, asserts nothing.

    .venv/bin/python -m bench.config_load

Each file goes through `load_config` (read, then parsed in a thread with a time bound) while a
ticker on the event loop measures the longest gap between its 1 ms sleeps: a stalled loop
would show here as a gap as long as the parse.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bot.config import ConfigError, load_config
from bot.yaml_nodes import MAX_BYTES

EXAMPLE = (Path(__file__).resolve().parents[1] / "config.example.yaml").read_text()
NEAR_MAX = MAX_BYTES - 64


def alias_bomb(levels: int, width: int) -> str:
    lines = ["a0: &a0 [lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\n? *a{levels - 1}\n: boom\n"


FILES = {
    "config.example.yaml": EXAMPLE,
    "alias bomb, 15 KiB (5 wide, 400 deep)": alias_bomb(400, 5),
    "alias bomb as a key, 2**40 values": alias_bomb(40, 2),
    "[ x 5,000": "[" * 5000,
    "1 MiB flow list of 0s": "x: [" + "0," * (NEAR_MAX // 2 - 4) + "0]\n",
    "1 MiB block list of 0s": "x:\n" + "- 0\n" * (NEAR_MAX // 4),
    "1 MiB of comments": "# " + "x" * NEAR_MAX + "\n",
    "1 MiB string value": "x: " + "a" * NEAR_MAX + "\n",
    "1 MiB, unclosed quote at the end": EXAMPLE + "#" * (NEAR_MAX - len(EXAMPLE)) + '\nx: "a\n',
    "2 MiB (refused unread)": "# " + "x" * 2 * MAX_BYTES,
    "many unknown keys, 1 MiB": "".join(f"k{i}: v\n" for i in range(NEAR_MAX // 10)),
}


async def ticker(stop: asyncio.Event) -> float:
    """The longest gap (ms) between 1 ms sleeps on the event loop until `stop`."""
    worst, last = 0.0, time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        worst, last = max(worst, now - last), now
    return worst * 1000


async def measure(path: Path) -> tuple[float, float, str]:
    stop = asyncio.Event()
    ticking = asyncio.create_task(ticker(stop))
    t = time.perf_counter()
    try:
        await load_config(path)
        verdict = "loaded"
    except ConfigError as exc:
        verdict = f"{exc.count} problem(s): {exc.problems[0].message[:60]}"
    took = (time.perf_counter() - t) * 1000
    stop.set()
    return took, await ticking, verdict


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, text in FILES.items():
            path = Path(folder) / "c.yaml"
            path.write_text(text)
            took, gap, verdict = await measure(path)
            size = len(text.encode()) / 1024
            print(f"{name:40} {size:8.0f} KiB {took:8.0f} ms  loop gap {gap:5.0f} ms  {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
