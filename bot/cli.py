"""`warmline`: argv → config → logging → asyncio.run. User errors never print a traceback."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import preflight
from bot.cli_args import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, parse_args
from bot.config import ConfigError, Loaded, load_config
from bot.errors import ActionNeeded, StartupError
from bot.matrix.crosssign import CrossSigningError
from bot.schema import Problem
from store import SecretError, StoreError, secret

if TYPE_CHECKING:
    from bot.matrix.sync import SyncTuning


def _err(text: str) -> None:
    print(f"warmline: {text}", file=sys.stderr)


def _report(source: str, problems: list[Problem], count: int | None = None) -> None:
    total = len(problems) if count is None else count
    _err(f"{total} problem{'' if total == 1 else 's'} in {source}:")
    for problem in problems:
        print("  " + problem.render(source), file=sys.stderr)


async def _load(path: str) -> Loaded | None:
    try:
        return await load_config(path)
    except ConfigError as exc:
        _report(exc.source, exc.problems, exc.count)
        return None


async def _ready(path: str) -> Loaded | None:
    """The config, if `run` would accept it (the file, then what preflight checks)."""
    loaded = await _load(path)
    if loaded is None:
        return None
    found = await preflight.problems(loaded)
    if found:
        _report(path, found)
        return None
    return loaded


async def _check_config(path: str) -> int:
    if await _ready(path) is None:
        return EXIT_CONFIG
    print(f"{path}: OK (the homeserver was not contacted: `warmline doctor` checks it)")
    return EXIT_OK


async def run_bot(path: str, tuning: SyncTuning | None = None) -> int:
    """`warmline run` (bot.dev.run adds test-only tuning)."""
    from bot.app import install_signal_handlers, run  # imports nio: keep `--help` fast

    loaded = await _ready(path)
    if loaded is None:
        return EXIT_CONFIG
    stop = asyncio.Event()
    install_signal_handlers(stop)
    try:
        await run(loaded, stop, tuning)
    except (ActionNeeded, SecretError) as exc:
        _err(str(exc))
        return EXIT_CONFIG
    except (StoreError, StartupError, CrossSigningError) as exc:
        _err(str(exc))
        return EXIT_FAILED
    return EXIT_OK


async def _purge(path: str) -> int:
    from bot.retention import PURGE_EVERY_MINUTES, purge
    from store import Store

    loaded = await _load(path)
    if loaded is None:
        return EXIT_CONFIG
    try:
        key = await secret.load(loaded.key_file())
    except SecretError as exc:
        _err(str(exc))
        return EXIT_CONFIG
    try:
        store = Store(loaded.store_path(), key)
    except StoreError as exc:
        _err(str(exc))
        if "already running" in str(exc):
            _err(f"the running bot purges by itself every {PURGE_EVERY_MINUTES} minutes")
        return EXIT_FAILED
    try:
        done = purge(store, loaded.config)
    finally:
        store.close()
    print(
        f"purged: {done.requests} closed request(s) reduced to anonymous daily counts, "
        f"{done.event_ids} handled event id(s), {done.other} expired override(s), schedule "
        "claim(s) and old count(s)"
    )
    return EXIT_OK


PASSPHRASE_ENV = "WARMLINE_EXPORT_PASSPHRASE"  # noqa: S105 (a variable name)


MIN_PASSPHRASE = 12


def _passphrase(confirm: bool) -> str | None:
    """The export passphrase, from the environment or asked twice (`confirm`: a new export,
    which must be at least 12 characters long whichever way it came; an import takes what the
    export was made with)."""
    if os.environ.get(PASSPHRASE_ENV):
        first = os.environ[PASSPHRASE_ENV]
    elif not sys.stdin.isatty():
        _err(f"no passphrase: run in a terminal, or set {PASSPHRASE_ENV}")
        return None
    else:
        first = getpass.getpass("Passphrase for the key file: ")
        if confirm and getpass.getpass("Same passphrase again: ") != first:
            _err("the passphrases differ")
            return None
    if confirm and len(first) < MIN_PASSPHRASE:
        _err(f"use a passphrase of at least {MIN_PASSPHRASE} characters")
        return None
    return first


async def _operator(args: argparse.Namespace) -> int:
    from nio.exceptions import EncryptionError

    from bot import admin  # imports nio: keep `--help` fast

    loaded = await _load(args.config)
    if loaded is None:
        return EXIT_CONFIG
    try:
        if args.command == "doctor":
            results = await admin.doctor(loaded)
            for ok, text in results:
                print(f"{'ok  ' if ok else 'FAIL'}  {text}")
            return EXIT_OK if all(ok for ok, _ in results) else EXIT_FAILED
        if args.command == "reset-cross-signing":
            print(RESET_WARNING, file=sys.stderr)
            answer = "RESET" if args.yes else await asyncio.to_thread(input, "Type RESET: ")
            if answer.strip() != "RESET":
                return EXIT_FAILED
            print(await admin.reset_cross_signing(loaded))
            return EXIT_OK
        passphrase = _passphrase(confirm=args.command == "export-keys")
        if passphrase is None:
            return EXIT_CONFIG
        path = Path(args.keys)
        if args.command == "export-keys":
            print(await admin.export_keys(loaded, path, passphrase))
        else:
            print(await admin.import_keys(loaded, path, passphrase))
    except (ActionNeeded, SecretError) as exc:
        _err(str(exc))
        return EXIT_CONFIG
    except (StoreError, StartupError, CrossSigningError, EncryptionError) as exc:
        _err(str(exc))
        return EXIT_FAILED
    return EXIT_OK


RESET_WARNING = """
WARNING: this replaces the bot's cross-signing identity. Every member and supporter whose
client trusted the old identity will see that the bot's identity changed, and Element will
not talk to it until they accept the new one. Do this only if the old keys are lost or were
compromised, and tell the community first.
"""


def main(argv: Sequence[str] | None = None) -> int:
    os.umask(0o077)  # everything warmline creates (store, exports) is readable only by its owner
    args = parse_args(argv)
    if args.command == "keygen":
        print(secret.generate())
        return EXIT_OK
    if args.command == "check-config":
        return asyncio.run(_check_config(args.config))
    if args.command == "run":
        return asyncio.run(run_bot(args.config))
    if args.command == "purge":
        return asyncio.run(_purge(args.config))
    if args.command in ("doctor", "export-keys", "import-keys", "reset-cross-signing"):
        return asyncio.run(_operator(args))
    if args.command == "demo":
        from bot.dev.demo import main as demo_main

        return demo_main(wait=not args.no_wait)
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
