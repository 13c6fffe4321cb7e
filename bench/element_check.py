"""Talks to `warmline run` with Element's own crypto stack and prints what that client saw.

    (cd bench/element && npm install) && .venv/bin/python -m bench.element_check

matrix-js-sdk 37.5.0 (the newest that runs on Node 20) with its Rust crypto, cross-signed as
Element does it, in OnlySignedDevicesIsolationMode ("exclude insecure devices", MSC4153).
Not part of the test suite: it needs Node and the npm package; it asserts nothing, it reports.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import tempfile
from pathlib import Path

from bot.dev.botprocess import BotProcess, new_store_key, synapse_with_bot, write_config

HERE = Path(__file__).resolve().parent / "element"


async def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="warmline-element-"))
    server, bot_id, bot_pw = synapse_with_bot(work)
    bot = BotProcess(
        write_config(work / "bot", server.url, bot_id), bot_pw, new_store_key(), work / "bot.log"
    )
    try:
        await bot.start()
        password = secrets.token_urlsafe(12)
        member = server.register("element-user", password)
        result = await asyncio.to_thread(
            subprocess.run,
            ["node", str(HERE / "check.mjs"), server.url, member, password, bot_id],
            capture_output=True,
            text=True,
            timeout=180,
            cwd=HERE,
        )
        if result.returncode != 0:
            print(result.stderr[-3000:])
            raise SystemExit("the Element-stack client failed")
        marked = [ln for ln in result.stdout.splitlines() if ln.startswith("WARMLINE-REPORT ")]
        if not marked:
            print(result.stdout[-3000:], result.stderr[-3000:])
            raise SystemExit("the Element-stack client printed no report")
        report = json.loads(marked[-1].removeprefix("WARMLINE-REPORT "))
        print(json.dumps(report, indent=1))
        withheld = [line for line in bot.lines if "withheld a room key from the bot" in line]
        undecryptable = [line for line in bot.lines if "cannot decrypt" in line]
        print(f"room keys withheld from the bot: {len(withheld)}")
        print(f"events the bot could not decrypt: {len(undecryptable)}")
    finally:
        await bot.stop()
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
