"""What `warmline run` refuses that can be known without the network, checked the same way
by `run` (before it touches anything) and by `check-config`: values still holding the
documentation's examples, the store key, and the store folder."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from bot.config import Loaded
from bot.schema import Problem
from store import SecretError, secret
from store.db import DB_NAME

EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")


async def problems(loaded: Loaded, environ: Mapping[str, str] | None = None) -> list[Problem]:
    """Every such problem, each at the line of the key it is about."""
    found = [
        loaded.problem(path, "still holds the documentation's example value: put in your own")
        for path in example_values(loaded.config)
    ]
    try:
        await secret.load(loaded.key_file(), None if environ is None else dict(environ))
    except SecretError as exc:  # its words already name the key file or the variable
        from_file = not (os.environ if environ is None else environ).get(secret.ENV_VAR)
        line = loaded.lines.get("store.key_file") if from_file else None
        found.append(Problem("", line, str(exc)))
    try:
        folder = _store_folder(loaded.store_path())
    except OSError as exc:
        folder = [f"store.path {loaded.store_path()}: cannot look at it ({exc.strerror})"]
    found += [Problem("", loaded.lines.get("store.path"), p) for p in folder]
    return found


def example_values(value: Any, path: str = "") -> list[str]:
    """Dotted paths of values still pointing at the documentation's example domains."""
    found: list[str] = []
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            found += example_values(getattr(value, f.name), f"{path}.{f.name}" if path else f.name)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            found += example_values(item, f"{path}[{i}]")
    elif isinstance(value, str) and any(d in value for d in EXAMPLE_DOMAINS):
        found.append(path)
    return found


def _store_folder(folder: Path) -> list[str]:
    """What keeps the store from being created or opened safely (store/db.py creates it
    mode 700 on the first start)."""
    where = f"store.path {folder}"
    if not folder.exists():
        parent = _nearest_existing(folder)
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            return [f"{where} does not exist and cannot be created ({parent} is not writable)"]
        return []
    if not folder.is_dir():
        return [f"{where} is not a folder"]
    found: list[str] = []
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        found.append(f"{where}: warmline cannot read and write in it (check its owner)")
    mode = folder.stat().st_mode
    if mode & stat.S_IRWXO:
        found.append(
            f"{where} is open to other users (mode {stat.filemode(mode)}); run: chmod 700 {folder}"
        )
    database = folder / DB_NAME
    if database.exists() and not os.access(database, os.R_OK | os.W_OK):
        found.append(f"{where}: warmline cannot read and write {database} (check its owner)")
    return found


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
