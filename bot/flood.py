"""Flood protection: a sender over `limit` messages within `window` seconds is ignored until
they slow down; each episode is reported once. Pure, with an injectable clock.

Senders are kept as keyed hashes (the key lives only in this process's memory), never as raw
Matrix IDs, and a sender quiet for a whole window is forgotten: the sweep runs at most once a
window, from `check` itself, so memory follows the senders of the last window, not of the
process's life."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable


class FloodGuard:
    def __init__(
        self,
        limit: int = 20,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        key: bytes | None = None,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._key = key or secrets.token_bytes(32)
        self._recent: dict[bytes, deque[float]] = {}
        self._flooding: set[bytes] = set()
        self._swept = clock()

    def configure(self, limit: int, window: float) -> None:
        self._limit, self._window = limit, window

    def __len__(self) -> int:
        """How many senders are remembered now."""
        return len(self._recent)

    def _id(self, sender: str) -> bytes:
        return hmac.new(self._key, sender.encode(), hashlib.sha256).digest()[:16]

    def check(self, sender: str) -> tuple[bool, bool]:
        """(allowed, a new flood episode began with this message)."""
        now = self._clock()
        if now - self._swept >= self._window:
            self.forget_idle()
        who = self._id(sender)
        recent = self._recent.setdefault(who, deque())
        while recent and recent[0] <= now - self._window:
            recent.popleft()
        recent.append(now)
        while len(recent) > self._limit + 1:  # enough to tell; a flood cannot grow it
            recent.popleft()
        if len(recent) <= self._limit:
            self._flooding.discard(who)
            return True, False
        began = who not in self._flooding
        self._flooding.add(who)
        return False, began

    def forget_idle(self) -> None:
        """Forgets every sender with nothing in the current window."""
        now = self._clock()
        self._swept = now
        for who in [w for w, q in self._recent.items() if not q or q[-1] <= now - self._window]:
            del self._recent[who]
            self._flooding.discard(who)
