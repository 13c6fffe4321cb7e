"""The care for supporters (issue #14), built in one place for the composition root: consent
questions, handovers, observers (room mode), limits and load, breaks, flags, debriefs and
shift-end reminders, and the hooks the support line asks them through."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.catalogue import Catalogue
from bot.config import Config
from bot.consents import Consents
from bot.handover import Handovers
from bot.line_hooks import LineHooks
from bot.observers import Observers
from bot.ports import Messenger, Rooms
from bot.room_mode import RoomConversation
from bot.roster import Roster, Supporter
from bot.shift_end import ShiftEnds
from bot.staffing import Staffing
from bot.team import TeamRoom
from bot.wellbeing import Wellbeing
from bot.workload import Workload
from store import Store
from store.records import Request


@dataclass(frozen=True)
class Care:
    consents: Consents
    conversation: RoomConversation
    handovers: Handovers
    observers: Observers
    workload: Workload
    wellbeing: Wellbeing
    shift_ends: ShiftEnds

    @property
    def line_hooks(self) -> LineHooks:
        return LineHooks(
            pageable=self.workload.pageable,
            leads=self.workload.leads,
            keeps_room=self.observers.keeps_room,
            before_leave=self._session_ends,
        )

    async def _session_ends(self, request: Request) -> None:
        """Before the bot leaves a session's room for good: its questions go, and its
        observers are taken out."""
        self.consents.forget_request(request.id)
        await self.observers.before_leave(request)

    async def on_sync(self) -> None:
        await self.conversation.on_sync()  # observers who came in are named to the member


def build_care(
    store: Store,
    config: Callable[[], Config],
    roster: Callable[[], Roster],
    team: TeamRoom,
    rooms: Rooms,
    messenger: Messenger,
    texts: Catalogue,
    staffing: Staffing,
    pageable: Callable[[int], list[Supporter]],
    clock: Callable[[], float] = time.time,
) -> Care:
    """`pageable`: whom a page of a tier would mention now (the support line's answer)."""
    workload = Workload(store, roster, team, staffing.when, clock)
    timeout = lambda: config().consent.timeout  # noqa: E731 (read at each use: live edits)
    consents = Consents(store, messenger, texts, roster, team, timeout, clock)
    conversation = RoomConversation(store, rooms, messenger, texts, config, roster)
    handovers = Handovers(store, roster, consents, conversation, team, workload, pageable)
    observers = Observers(store, roster, consents, conversation, team, handovers.session, clock)
    consents.handle("handover", handovers)
    consents.handle("observe", observers)
    zone = lambda: config().roster.timezone  # noqa: E731 (read at each use: live edits)
    return Care(
        consents,
        conversation,
        handovers,
        observers,
        workload,
        Wellbeing(store, roster, team, rooms, messenger, workload, staffing.when, zone, clock),
        ShiftEnds(store, roster, team, staffing.when, clock),
    )
