"""Flood protection: a sender over `limit` messages within `window` seconds is ignored until
they slow down; each episode is reported once. Pure, with an injectable clock."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class FloodGuard:
    def __init__(
        self, limit: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}
        self._flooding: set[str] = set()

    def configure(self, limit: int, window: float) -> None:
        self._limit, self._window = limit, window

    def check(self, sender: str) -> tuple[bool, bool]:
        """(allowed, a new flood episode began with this message)."""
        now = self._clock()
        recent = self._recent.setdefault(sender, deque())
        while recent and recent[0] <= now - self._window:
            recent.popleft()
        recent.append(now)
        if len(recent) <= self._limit:
            self._flooding.discard(sender)
            return True, False
        began = sender not in self._flooding
        self._flooding.add(sender)
        return False, began

    def forget_idle(self) -> None:
        now = self._clock()
        for sender in [s for s, q in self._recent.items() if not q or q[-1] <= now - self._window]:
            del self._recent[sender]
            self._flooding.discard(sender)
