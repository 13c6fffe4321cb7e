"""Whether a failure means the homeserver could not be reached (it restarts, the connection
dropped): then the step is worth trying again once it answers, unlike a bug."""

from __future__ import annotations

import aiohttp


def unreachable(exc: BaseException) -> bool:
    """True if `exc`, or what it was raised from, is a failed or lost connection."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, aiohttp.ClientConnectionError | ConnectionError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
