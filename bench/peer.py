"""matrix-reminder-bot 0.4.0 as a peer for bench.core: the same stack as warmline (nio 0.26,
vodozemac, apscheduler), a bot people run, measured against the same Synapse in the same run.

It is installed from the package registry into a venv of its own under the user's cache
(`~/.cache/warmline-bench/reminder-venv`, made on first use; it pins versions of its own that
must not meet warmline's). It answers `!help` in any room it is invited to.

Its device is not cross-signed, and it shares room keys with every device (it sends with
`ignore_unverified_devices=True`): the members who talk to it share theirs with every device
too (trust policy "all"), and so do the members who talk to warmline in the same bench, so
both are measured against the same member-side work.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import yaml

PACKAGE = "matrix-reminder-bot==0.4.0"


def venv() -> Path:
    """The peer's venv, made (a minute or two) if it is not there yet."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    home = cache / "warmline-bench" / "reminder-venv"
    program = home / "bin" / "matrix-reminder-bot"
    if not program.exists():
        print(f"installing {PACKAGE} into {home} (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
        subprocess.run(
            [str(home / "bin" / "pip"), "install", "-q", PACKAGE],
            check=True,
        )
    return program


class ReminderBot:
    def __init__(self, workdir: Path, homeserver: str, user_id: str, password: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.user_id = user_id
        self.config = workdir / "config.yaml"
        self.config.write_text(
            yaml.safe_dump(
                {
                    "command_prefix": "!",
                    "matrix": {
                        "user_id": user_id,
                        "user_password": password,
                        "device_id": "REMINDERBENCH",
                        "device_name": "reminder-bench",
                        "homeserver_url": homeserver,
                    },
                    "storage": {
                        "database": f"sqlite://{workdir / 'reminders.db'}",
                        "store_path": str(workdir / "store"),
                    },
                    "reminders": {"timezone": "Etc/UTC"},
                    "allowlist": {"enabled": False, "regexes": []},
                    "blocklist": {"enabled": False, "regexes": []},
                    "logging": {
                        "level": "INFO",
                        "file_logging": {"enabled": False, "filepath": "unused.log"},
                        "console_logging": {"enabled": True},
                    },
                }
            )
        )
        self.proc: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None

    async def start(self, timeout: float = 60) -> None:
        """Starts it; returns once it has logged in (its first sync follows)."""
        self.proc = await asyncio.create_subprocess_exec(
            str(venv()),
            str(self.config),
            cwd=self.workdir,
            stdout=asyncio.subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.proc.stdout is not None
        with (self.workdir / "bot.log").open("ab") as log:
            async with asyncio.timeout(timeout):
                async for line in self.proc.stdout:
                    log.write(line)
                    if b"Startup complete" in line:
                        break
                else:
                    raise RuntimeError(f"matrix-reminder-bot exited; see {self.workdir}/bot.log")
        self._drain = asyncio.create_task(self._keep_reading())

    async def published(self, homeserver: str, access_token: str, timeout: float = 60) -> None:
        """Waits until the peer's device keys (and with them its one-time keys: nio uploads
        both in one request) can be seen. "Startup complete" comes before its first sync
        uploads them: a member who wrote at once could find no one-time key and send its room
        key to nobody, and would wait for an answer that cannot come."""
        url = f"{homeserver}/_matrix/client/v3/keys/query"
        body: dict[str, dict[str, list[str]]] = {"device_keys": {self.user_id: []}}
        headers = {"Authorization": f"Bearer {access_token}"}
        async with aiohttp.ClientSession() as http, asyncio.timeout(timeout):
            while True:
                async with http.post(url, json=body, headers=headers) as resp:
                    devices = (await resp.json()).get("device_keys", {}).get(self.user_id, {})
                if "REMINDERBENCH" in devices:
                    return
                await asyncio.sleep(0.2)

    async def _keep_reading(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with (self.workdir / "bot.log").open("ab") as log:
            async for line in self.proc.stdout:
                log.write(line)

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        if self._drain is not None:
            await self._drain
