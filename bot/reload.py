"""Live config: the running config is one good version of the file; a saved edit is
validated and applied without a restart, or rejected whole with every problem named.

The file is polled (a stat per second): that sees editors that save by renaming a new file
into place, and bind mounts in containers, where inotify watches stay on the old inode. A
change is read once the file has stopped changing, so a half-written save is not reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, Literal

from bot.config import Config, ConfigError, Loaded, load_config
from bot.text import Piece, join
from bot.yaml_nodes import MAX_BYTES

log = logging.getLogger(__name__)

# Sections a running bot cannot change: why, in the organizers' words.
RESTART_ONLY = {
    "matrix": "the bot's account and homeserver are fixed while it runs",
    "store": "the encrypted store is opened once, at start",
    "encryption": "who already holds room keys follows the trust policy the bot started with",
    "metrics": "the metrics listener is opened once, at start",
}


def changed_paths(old: Any, new: Any, path: str = "") -> list[str]:
    """Dotted paths whose values differ (lists and messages compared as a whole)."""
    if is_dataclass(old) and is_dataclass(new) and type(old) is type(new):
        found: list[str] = []
        for f in fields(old):
            sub = f"{path}.{f.name}" if path else f.name
            found += changed_paths(getattr(old, f.name), getattr(new, f.name), sub)
        return found
    return [] if old == new else [path]


def restart_needed(paths: list[str]) -> list[str]:
    """`path: reason` for each change the running bot cannot apply."""
    return [
        f"{p}: {RESTART_ONLY[p.split('.')[0]]}" for p in paths if p.split(".")[0] in RESTART_ONLY
    ]


def roster_changes(old: Config, new: Config) -> list[str]:
    """Supporters added and removed, by name, for the organizers' confirmation."""
    before = {s.user_id: s.name for s in old.roster.supporters}
    after = {s.user_id: s.name for s in new.roster.supporters}
    added = [after[u] for u in after if u not in before]
    removed = [before[u] for u in before if u not in after]
    return [f"+{n}" for n in added] + [f"-{n}" for n in removed]


OutcomeKind = Literal["applied", "unchanged", "invalid", "restart"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    changed: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # `file:line: key.path: problem` or `key: reason`
    supporters: tuple[str, ...] = ()  # +Name / -Name


def describe(outcome: Outcome, piece: Callable[..., Piece], file: str) -> Piece:
    """The organizers' message about `outcome`; `piece` makes the catalogue's team texts."""
    if outcome.kind == "applied":
        applied = piece("reload_applied", file=file, changed=", ".join(outcome.changed))
        if not outcome.supporters:
            return applied
        return join(
            [applied, piece("reload_supporters", changes=", ".join(outcome.supporters))], ""
        )
    if outcome.kind == "unchanged":
        return piece("reload_unchanged")
    key = "reload_restart" if outcome.kind == "restart" else "reload_invalid"
    problems = join([Piece("- {problem}", {"problem": p}) for p in outcome.problems])
    return piece(key, file=file, problems=problems)


CHECK_FAILED = "warmline could not check this edit (a bug; its log has the details)"
Apply = Callable[[Loaded, list[str]], Awaitable[None]]
Tell = Callable[[Outcome], Awaitable[None]]


class ApplyRefused(Exception):
    """The new config is valid but cannot be applied now (e.g. the team room can't be
    joined); the text is shown to the organizers."""


class Reloader:
    def __init__(
        self,
        current: Callable[[], Loaded],
        apply: Apply,
        tell: Tell,
        interval: float = 1.0,
    ) -> None:
        self._current = current
        self._apply = apply
        self._tell = tell
        self._interval = interval
        self._lock = asyncio.Lock()
        self._seen = self._digest()  # what the file held when last looked at

    @property
    def path(self) -> Path:
        return self._current().source

    def _digest(self) -> bytes | None:
        """What the file holds, as far as a config may be long (read on the event loop:
        a regular file only, never more than MAX_BYTES + 1)."""
        try:
            if not stat.S_ISREG(os.stat(self.path).st_mode):
                return None
            with self.path.open("rb") as fh:
                return hashlib.sha256(fh.read(MAX_BYTES + 1)).digest()
        except OSError:
            return None

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    async def watch(self, stop: asyncio.Event) -> None:
        """Reloads whenever the file's content changes, until `stop` (including a change made
        between the bot reading the file at start and this watch beginning)."""
        last: tuple[int, int] | None = None
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval)
                return
            now = self._stat()
            if now == last:
                continue
            last = now
            await asyncio.sleep(min(0.3, self._interval))  # let the editor finish saving
            if self._stat() != last:
                continue  # still being written: look again next round
            if self._digest() == self._seen:
                continue  # touched, not changed
            try:
                await self.reload()
            except Exception:  # the watcher must outlive any one bad reload
                log.exception("reloading the config failed")

    async def reload(self) -> Outcome:
        """Reads, validates and applies the file now (`!reload` and the watcher)."""
        async with self._lock:
            self._seen = self._digest()
            outcome = await self._reload()
            log.info("config reload: %s %s", outcome.kind, ", ".join(outcome.changed))
            if outcome.kind != "unchanged":
                await self._tell(outcome)
            return outcome

    async def _reload(self) -> Outcome:
        current = self._current()
        try:
            loaded = await load_config(current.source)
        except ConfigError as exc:
            problems = tuple(p.render(exc.source) for p in exc.problems)
            return Outcome("invalid", problems=problems)
        except Exception:  # a bug in the checks: the organizers still hear, the bot runs on
            log.exception("checking the edited config failed")
            return Outcome("invalid", problems=(CHECK_FAILED,))
        changed = changed_paths(current.config, loaded.config)
        if not changed:
            return Outcome("unchanged")
        refused = restart_needed(changed)
        if refused:
            return Outcome("restart", tuple(changed), tuple(refused))
        try:
            await self._apply(loaded, changed)
        except ApplyRefused as exc:
            return Outcome("invalid", tuple(changed), (str(exc),))
        supporters = tuple(roster_changes(current.config, loaded.config))
        return Outcome("applied", tuple(changed), supporters=supporters)
