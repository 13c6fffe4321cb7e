"""Logging that keeps members private.

Above DEBUG, no log line may carry a message text or a raw Matrix ID. warmline's own code logs
`Redactor.tag(id)`, a short keyed hash that an operator can correlate across lines but nobody
can reverse. As a second line of defence a filter rewrites anything shaped like a Matrix user,
room or event ID in every record at INFO and above, and nio's loggers (which print whole event
contents at WARNING when an event fails validation, and whole sync responses at DEBUG) are held
at ERROR whatever level the operator picks: DEBUG is for warmline's own code.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys

_IDS = re.compile(r"[@!#$][A-Za-z0-9._=\-/+]+(:[A-Za-z0-9.\-]+(:\d+)?)?")
_NOISY = ("nio", "peewee", "aiohttp")


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
        return _IDS.sub(lambda m: self.tag(m.group(0)) if ":" in m.group(0) else m.group(0), text)


class StateLog:
    """One log line when something starts failing and one when it recovers, not one per try."""

    def __init__(self, what: str) -> None:
        self._log = logging.getLogger("warmline.health")
        self._what = what
        self.ok = True

    def down(self, reason: str) -> None:
        if self.ok:
            self._log.warning("%s: %s; retrying with backoff", self._what, reason)
            self.ok = False

    def up(self) -> None:
        if not self.ok:
            self._log.warning("%s: working again", self._what)
            self.ok = True


class _ScrubFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            record.msg = self._redactor.scrub(record.getMessage())
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                # Exception texts can quote IDs (nio's errors do): keep the type and frames.
                record.exc_text = self._redactor.scrub(
                    logging.Formatter().formatException(record.exc_info)
                )
        return True


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
