"""Logging that keeps members private.

Above DEBUG, no log line may carry a message text, a raw Matrix ID or a member's data, whatever
its source. warmline's own code logs `Redactor.tag(id)`, a short keyed hash that an operator can
correlate across lines but nobody can reverse. As a second line of defence one filter on the
only handler:
- rewrites anything shaped like a Matrix user, room or event ID (with a server part, IPv6
  servers included, or hash-shaped without one, as room version 12 room ids and every modern
  event id are; percent-encoded in URLs too) in every record, its traceback included;
- keeps every other library's chatter below WARNING out of the log at any level: apscheduler,
  for one, logs each personal check-in's days and time at INFO ("Running job …"), and its
  warnings name the job's trigger, which is replaced by the job's name;
- holds nio's loggers (which print whole event contents at WARNING when an event fails
  validation, and whole sync responses at DEBUG) at ERROR whatever level the operator picks.
An exception that escapes `asyncio.run` (a crash) is logged through the same filter instead of
Python's default traceback printer. DEBUG is for warmline's own code.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from urllib.parse import unquote

from apscheduler.job import Job

# A server name: a DNS name or IPv4 address, or an IPv6 literal in brackets; maybe a port.
_SERVER = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(?::\d{1,5})?"
# Historical user ids may hold any printable character but ':' in their localpart.
_IDS = re.compile(
    rf"[@!#$][^\s:]+:{_SERVER}"  # @user:server, !room:server, #alias:server, $event:server
    r"|[!$][A-Za-z0-9+/_\-]{16,}"  # hash-shaped: room v12 room ids, event ids since v3
    r"|%(?:40|21|23|24)(?:[A-Za-z0-9._~\-]|%(?!3[Aa])[0-9A-Fa-f]{2})+%3[Aa]"
    r"(?:%5[Bb][0-9A-Fa-f:.%]+?%5[Dd]|[A-Za-z0-9.\-]+)(?:%3[Aa]\d{1,5})?"  # in a URL
    r"|%(?:21|24)(?:[A-Za-z0-9_\-]|%2[BbFf]){16,}"  # hash-shaped, in a URL
)
_TOKEN = re.compile(r"(access_token=)[^&\s'\"]+")
_NOISY = ("nio", "peewee", "aiohttp")
OWN = ("bot", "commands", "store", "warmline", "__main__")


class Redactor:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def tag(self, value: str | None) -> str:
        """A 8-character keyed hash of an ID, e.g. `u:3fa9c0d2`."""
        if not value:
            return "-"
        kind = {"@": "u", "!": "r", "$": "e", "#": "a"}.get(value[0], "x")
        digest = hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:8]
        return f"{kind}:{digest}"

    def scrub(self, text: str) -> str:
        text = _IDS.sub(lambda m: self.tag(unquote(m.group(0))), text)
        return _TOKEN.sub(r"\1…", text)


class StateLog:
    """One log line when something starts failing and one when it recovers, not one per try;
    the second says how long it took and how many tries failed meanwhile (the backoff shows
    in that number: a tight loop would make thousands)."""

    def __init__(self, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._log = logging.getLogger("warmline.health")
        self._what = what
        self._clock = clock
        self._since = 0.0
        self.ok = True
        self.failed = 0  # tries that failed since it started failing

    def down(self, reason: str) -> None:
        self.failed += 1
        if self.ok:
            self._log.warning("%s: %s; retrying with backoff", self._what, reason)
            self.ok = False
            self._since = self._clock()

    def up(self) -> None:
        if not self.ok:
            self._log.warning(
                "%s: working again after %.0f s, %d failed tries",
                self._what,
                self._clock() - self._since,
                self.failed,
            )
            self.ok = True
        self.failed = 0


def own(logger_name: str) -> bool:
    """Whether a logger is warmline's own (its level is the operator's choice)."""
    return logger_name.split(".", 1)[0] in OWN


def _neutral(arg: object) -> object:
    """A log argument without member data: an apscheduler job becomes its function's name
    (its text would show a check-in's days, time and next run in the member's zone)."""
    if isinstance(arg, Job):
        return str(arg.name)
    return arg


class _ScrubFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and not own(record.name):
            return False  # library chatter: at INFO it names jobs, rooms, requests
        if record.levelno > logging.DEBUG:
            if isinstance(record.args, tuple):
                record.args = tuple(_neutral(a) for a in record.args)
            record.msg = self._redactor.scrub(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                # Exception texts can quote IDs (nio's errors do): keep the type and frames.
                record.exc_text = self._redactor.scrub(
                    logging.Formatter().formatException(record.exc_info)
                )
            if record.stack_info:
                record.stack_info = self._redactor.scrub(record.stack_info)
        return True


def _log_crash(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """sys.excepthook: a crash's traceback goes through the scrubbing handler, not raw to
    stderr (its text may quote IDs)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    logging.getLogger("warmline").critical(
        "stopped by an unexpected error", exc_info=(kind, exc, tb)
    )


def _log_thread_crash(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    logging.getLogger("warmline").error(
        "a thread stopped on an unexpected error",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def setup(level: str, redactor: Redactor) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_ScrubFilter(redactor))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.ERROR)
    sys.excepthook = _log_crash
    threading.excepthook = _log_thread_crash
