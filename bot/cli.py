"""`warmline`: argv → config → logging → asyncio.run. User errors never print a traceback."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.client import StartupError
from bot.config import ConfigError, Loaded, example_values, load_config
from bot.crosssign import CrossSigningError
from store import SecretError, StoreError, secret

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="warmline",
        description="An end-to-end encrypted Matrix bot that runs a peer-support line.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="run the bot until SIGTERM or Ctrl-C")
    run.add_argument("--config", required=True, metavar="FILE")
    check = sub.add_parser("check-config", help="validate a config file and list every problem")
    check.add_argument("file", metavar="FILE")
    demo = sub.add_parser(
        "demo", help="run a throw-away local Synapse, the bot and a scripted conversation"
    )
    demo.add_argument("--no-wait", action="store_true", help="exit after the scripted part")
    sub.add_parser("keygen", help="print a new random store secret (for WARMLINE_STORE_KEY)")
    return p


def _err(text: str) -> None:
    print(f"warmline: {text}", file=sys.stderr)


async def _load(path: str) -> Loaded | None:
    try:
        return await load_config(path)
    except ConfigError as exc:
        _err(f"{len(exc.problems)} problem(s) in {exc.source}:")
        for problem in exc.problems:
            print("  " + problem.render(exc.source), file=sys.stderr)
        return None


def _check_config(path: str) -> int:
    loaded = asyncio.run(_load(path))
    if loaded is None:
        return EXIT_CONFIG
    examples = example_values(loaded.config)
    print(f"{path}: OK")
    if examples:
        print(
            "warning: these still hold the example values and must be edited before "
            f"`warmline run`: {', '.join(examples)}"
        )
    return EXIT_OK


async def _run(path: str) -> int:
    from bot.app import install_signal_handlers, run  # imports nio: keep `--help` fast

    loaded = await _load(path)
    if loaded is None:
        return EXIT_CONFIG
    examples = example_values(loaded.config)
    if examples:
        _err(f"{path}: edit the example values first: {', '.join(examples)}")
        return EXIT_CONFIG
    stop = asyncio.Event()
    install_signal_handlers(stop)
    try:
        await run(loaded, stop)
    except (SecretError, StoreError, StartupError, CrossSigningError) as exc:
        _err(str(exc))
        return EXIT_FAILED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "keygen":
        print(secret.generate())
        return EXIT_OK
    if args.command == "check-config":
        return _check_config(args.file)
    if args.command == "run":
        return asyncio.run(_run(args.config))
    if args.command == "demo":
        from bot.demo import main as demo_main

        return demo_main(wait=not args.no_wait)
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
