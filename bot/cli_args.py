"""`warmline`'s arguments and exit codes: argparse only, no Matrix plumbing and no store."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import metadata

# Exit codes (README, "Running the bot"; systemd's RestartPreventExitStatus=2 relies on 2):
# 0   done (for `run`: stopped when told to);
# 2   what warmline was given is wrong or missing: the arguments, the config file, the store
#     key or folder, a passphrase, a credential or an approval (errors.ActionNeeded).
#     Restarting cannot help; a person must act first.
# 1   it could not be done now or stopped with an error (the store's lock, a failed doctor
#     check), or a bug (with a traceback). A restart may help.
EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2

EXIT_CODES = (
    "exit codes: 0 done; 2 fix what you gave (arguments, config file, store key or folder, a"
    " credential or approval): restarting will not help; 1 could not be done now (store in"
    " use, a failed doctor check) or a bug."
)


def _version() -> str:
    try:
        return metadata.version("warmline")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str, more: str
) -> argparse.ArgumentParser:
    """A subcommand with its one-line `help` (in `warmline --help`) and a `description`
    (in `warmline NAME --help`)."""
    cmd = sub.add_parser(
        name,
        help=summary,
        description=f"{summary[0].upper()}{summary[1:]}. {more}",
        epilog=EXIT_CODES,
    )
    cmd.set_defaults(usage_error=cmd.error)  # so a later check speaks as this subcommand
    return cmd


def _config(cmd: argparse.ArgumentParser, required: bool = True) -> None:
    cmd.add_argument(
        "--config",
        required=required,
        metavar="FILE",
        help="the config file (start from config.example.yaml)",
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="warmline",
        description="An end-to-end encrypted Matrix bot that runs a peer-support line.",
        epilog=EXIT_CODES,
    )
    p.add_argument("--version", action="version", version=f"warmline {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = _command(
        sub,
        "run",
        "run the bot until SIGTERM or Ctrl-C",
        "It refuses a config that check-config would refuse.",
    )
    _config(run)
    check = _command(
        sub,
        "check-config",
        "check a config file and list every problem",
        "Checks everything `run` would refuse that needs no network: the file, example "
        "values left in it, the store key and the store folder. `doctor` checks the "
        "homeserver.",
    )
    check.add_argument("file", nargs="?", metavar="FILE", help="the config file (or --config)")
    _config(check, required=False)
    demo = _command(
        sub,
        "demo",
        "run a throw-away local Synapse, the bot and a scripted conversation",
        "Needs the `demo` extra (matrix-synapse); nothing outside a temporary folder is kept.",
    )
    demo.add_argument("--no-wait", action="store_true", help="exit after the scripted part")
    _command(
        sub,
        "keygen",
        "print a new random store secret (for WARMLINE_STORE_KEY)",
        "Keep it safe: without it the store cannot be read.",
    )
    doctor = _command(
        sub,
        "doctor",
        "check the store key, homeserver and E2EE trust",
        "Stop the bot first: it needs the store.",
    )
    _config(doctor)
    for name, flag, what in (("export-keys", "--out", "write"), ("import-keys", "--in", "read")):
        cmd = _command(
            sub,
            name,
            f"{what} the bot's room keys and cross-signing identity (passphrase-protected)",
            "Stop the bot first. The passphrase is asked twice, or taken from "
            "WARMLINE_EXPORT_PASSPHRASE.",
        )
        _config(cmd)
        cmd.add_argument(flag, dest="keys", metavar="PATH", help=f"the key file to {what}")
        cmd.add_argument("file", nargs="?", metavar="PATH", help=f"the same as {flag} (older form)")
    purge = _command(
        sub,
        "purge",
        "apply the retention policy now",
        "Stop the bot first; a running bot does it at start and every 15 minutes.",
    )
    _config(purge)
    reset = _command(
        sub,
        "reset-cross-signing",
        "replace the bot's cross-signing identity (members must trust the new one)",
        "Only if the old keys are lost or compromised; it asks first.",
    )
    _config(reset)
    reset.add_argument("--yes", action="store_true", help="do it without asking")
    return p


# A command's file given as an option or, in the older form, as a positional argument.
_ONE_FILE = {
    "check-config": ("config", "--config FILE"),
    "export-keys": ("keys", "--out PATH"),
    "import-keys": ("keys", "--in PATH"),
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """argv → arguments, with each command's file given exactly once (exits 2 otherwise)."""
    args = _parser().parse_args(argv)
    if args.command in _ONE_FILE:
        dest, form = _ONE_FILE[args.command]
        given = {v for v in (getattr(args, dest), args.file) if v is not None}
        if len(given) != 1:
            why = "is missing" if not given else "is given twice, differently"
            args.usage_error(f"the file {why}; write: warmline {args.command} {form}")
        (value,) = given
        setattr(args, dest, value)
    return args
