"""Where the support line asks the care for supporters (issue #14), without knowing it: who
of those on call may be paged (limits, rest), who leads (mentioned on escalations), whether
the bot must stay in a handoff room (an observer is there), and what to do before it leaves
one (take observers out). The defaults change nothing."""

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


NO_HOOKS = LineHooks()
