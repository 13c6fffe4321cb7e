"""Containing a failure to the one event or room it came from, and saying so without content.

`guarded` runs one step (decrypting one event, applying one state event, answering one
invite) and, if it raises, records what was lost as a `Dropped` instead of letting the
exception stop the batch. `DropLog` turns the records of one batch into one log line: the
section, the tagged room and sender, and the reason; never the event's content, never a raw ID.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Iterator
from typing import Any

from bot.logs import Redactor
from bot.matrix.shape import Dropped
from store import StoreWriteError

log = logging.getLogger(__name__)
SHOWN = 5  # dropped items described per log line


def where(exc: BaseException) -> str:
    """`TypeError at nio/events/misc.py:168`: the type and the innermost frame, never the
    message (nio's messages can quote event content)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    last = frames[-1]
    parts = last.filename.replace("\\", "/").split("/")
    short = "/".join(parts[parts.index("nio") :] if "nio" in parts else parts[-2:])
    return f"{type(exc).__name__} at {short}:{last.lineno}"


@contextlib.contextmanager
def guarded(
    sink: list[Dropped],
    section: str,
    room_id: str | None = None,
    event: Any = None,
    store_failures: bool = False,
) -> Iterator[None]:
    """Runs the block; if it raises, records the event (or room) as dropped and goes on.
    `store_failures`: a failed write to the store is raised instead: not the event's fault,
    and its batch must come again once writing works (bot.matrix.store_health)."""
    try:
        yield
    except Exception as exc:  # the point: nothing one event does may stop the batch
        if store_failures and isinstance(exc, StoreWriteError):
            raise
        sender = getattr(event, "sender", None)
        sender = sender if isinstance(sender, str) and sender else None
        sink.append(Dropped(section, f"failed: {where(exc)}", room_id, sender))
        # no traceback even at DEBUG: exception messages (jsonschema's) can quote content
        log.debug("handling a %s item failed: %s", section, where(exc))


class DropLog:
    """Counts what was left out and logs it once per batch."""

    def __init__(self, redactor: Redactor) -> None:
        self._redact = redactor
        self.total = 0  # since start

    def report(self, dropped: list[Dropped]) -> None:
        if not dropped:
            return
        self.total += len(dropped)
        shown = "; ".join(self._describe(d) for d in dropped[:SHOWN])
        more = f"; and {len(dropped) - SHOWN} more" if len(dropped) > SHOWN else ""
        log.warning(
            "left out %d malformed item(s) from the homeserver (%d since start): %s%s",
            len(dropped),
            self.total,
            shown,
            more,
        )

    def _describe(self, item: Dropped) -> str:
        where_from = [
            f"in {self._tag(item.room_id)}" if item.room_id else "",
            f"from {self._tag(item.sender)}" if item.sender else "",
        ]
        return " ".join([item.section, *filter(None, where_from)]) + f" ({item.reason})"

    def _tag(self, value: str) -> str:
        try:
            return self._redact.tag(value)
        except ValueError:  # not valid Unicode: nothing to correlate it with anyway
            return "?"
