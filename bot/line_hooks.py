"""Where the support line asks the care for supporters (issue #14), without knowing it: who
of those on call may be paged (limits, rest), who leads (mentioned on escalations), whether
the bot must stay in a handoff room (an observer is there), and what to do before it leaves
one (take observers out); and where the anonymous relay takes a session over. The defaults
change nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.roster import Supporter
from store.records import Request


def _everyone(supporters: list[Supporter]) -> list[Supporter]:
    return supporters


def _nobody() -> list[Supporter]:
    return []


def _never(request: Request) -> bool:
    return False


async def _nothing(request: Request) -> None:
    return None


async def _welcome(member: str, room: str, language: str) -> bool:
    return False


def _no_lines() -> tuple[str, ...]:
    return ()


async def _no_relay(request: Request) -> str:
    raise RuntimeError("no relay here")


@dataclass(frozen=True)
class LineHooks:
    pageable: Callable[[list[Supporter]], list[Supporter]] = field(default=_everyone)
    leads: Callable[[], list[Supporter]] = field(default=_nobody)
    keeps_room: Callable[[Request], bool] = field(default=_never)
    before_leave: Callable[[Request], Awaitable[None]] = field(default=_nothing)
    # member safety (issue #13): a blocked member is answered, not paged; each new request
    # is noted (repeated requests are told to the organizers)
    turned_away: Callable[[str, str, str], Awaitable[bool]] = field(default=_welcome)
    opened: Callable[[Request], Awaitable[None]] = field(default=_nothing)
    # the anonymous relay (issue #13): whether a request's session is relayed, and opening
    # its relay room (both sides told); lines the member's acknowledgement gains
    relayed: Callable[[Request], bool] = field(default=_never)
    open_relay: Callable[[Request], Awaitable[str]] = field(default=_no_relay)
    ack_extra: Callable[[], tuple[str, ...]] = field(default=_no_lines)


NO_HOOKS = LineHooks()
