"""Runs the real `warmline run` process against a local Synapse (demo, tests, benchmarks)."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
from pathlib import Path

import yaml

from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse

READY = "warmline is ready"


def write_config(
    directory: Path, homeserver: str, user_id: str, extra: dict[str, object] | None = None
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {
        "matrix": {"homeserver": homeserver, "user_id": user_id, "device_name": "warmline"},
        "store": {"path": str(directory / "data")},
        "logging": {"level": "INFO"},
    }
    config.update(extra or {})
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


class BotProcess:
    """A `warmline run` child process; its log goes to `log_path`."""

    def __init__(self, config: Path, password: str, store_key: str, log_path: Path) -> None:
        self.config = config
        self.env = {**os.environ, "WARMLINE_PASSWORD": password, "WARMLINE_STORE_KEY": store_key}
        self.log_path = log_path
        # Test-only settings for bot.dev.run (e.g. ["--fault", "kill-after-commit"]); without
        # any, the child is the real `warmline run`.
        self.dev_args: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._new_line = asyncio.Condition()

    async def start(self, wait_ready: bool = True, timeout: float = 60) -> None:
        self._ready = asyncio.Event()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            *(("bot.dev.run",) if self.dev_args else ("bot", "run")),
            "--config",
            str(self.config),
            *self.dev_args,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        if wait_ready:
            await self.wait_ready(timeout)

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        with self.log_path.open("a", encoding="utf-8") as log:
            async for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace")
                self.lines.append(line)
                async with self._new_line:
                    self._new_line.notify_all()
                log.write(line)
                log.flush()
                if READY in line:
                    self._ready.set()

    async def wait_ready(self, timeout: float = 60) -> None:
        assert self.proc is not None
        ready = asyncio.create_task(self._ready.wait())
        exited = asyncio.create_task(self.proc.wait())
        done, _ = await asyncio.wait(
            {ready, exited}, timeout=timeout, return_when="FIRST_COMPLETED"
        )
        ready.cancel()
        exited.cancel()
        if ready not in done:
            raise RuntimeError(f"warmline did not become ready; log: {self.log_path}")

    async def wait_for_line(self, text: str, timeout: float = 30, nth: int = 1) -> str:
        """The first (or `nth`) log line (since start) containing `text`; awaits new lines."""

        async def scan() -> str:
            seen, found = 0, 0
            while True:
                for line in self.lines[seen:]:
                    found += text in line
                    if found == nth:
                        return line
                seen = len(self.lines)
                async with self._new_line:
                    await self._new_line.wait()

        return await asyncio.wait_for(scan(), timeout)

    async def wait_exit(self, timeout: float = 30) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._reader is not None:
            await self._reader
        return code

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc is None or self.proc.returncode is not None:
            return self.proc.returncode if self.proc and self.proc.returncode is not None else 0
        self.proc.send_signal(sig)
        return await self.wait_exit()


async def on_call_line(
    directory: Path,
    homeserver: str,
    bot_id: str,
    supporter: Member,
    extra: dict[str, object] | None = None,
    **details: object,
) -> tuple[str, Path]:
    """A team room made by `supporter` and a bot config with them always on call.
    Returns (team room id, config path)."""
    team = await supporter.create_room("supporters", invite=[bot_id])
    on_call = {"user_id": supporter.user_id, "shifts": ["daily 00:00-24:00"], **details}
    config = write_config(
        directory,
        homeserver,
        bot_id,
        {
            "rooms": {"supporters": team},
            "roster": {"supporters": [on_call]},
            **(extra or {}),
        },
    )
    return team, config


def new_store_key() -> str:
    return secrets.token_hex(32)


def synapse_with_bot(workdir: Path, lifted: bool = False) -> tuple[LocalSynapse, str, str]:
    """Starts Synapse and registers the bot account; returns (server, bot id, password).
    `lifted`: the bot's account is exempt from rate limits (see LocalSynapse.lift)."""
    server = LocalSynapse(workdir / "synapse")
    server.start()
    password = secrets.token_urlsafe(12)
    bot_id = server.register("warmline", password)
    if lifted:
        server.lift(bot_id)
    return server, bot_id, password
