"""Observers, with the member's consent: `!observe K7F2 [NAME]` and `!alone`.

A trainee (for themselves) or the session's supporter or an organizer (naming a trainee)
asks; the member is asked first, told the observer will read but not write. On yes the
trainee comes in unable to write (bot.room_mode). The member can say `!alone` at any time
(in their DM or in the room): every observer is taken out at once, and a question about one
still being asked counts as no. Observers also go when the session ends.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

from bot import consent
from bot.consent import Outcome
from bot.consents import Consents
from bot.errors import CommandError
from bot.ports import Conversation
from bot.roster import Roster, Supporter
from bot.team import TeamRoom
from bot.text import Piece
from store import Store
from store.records import Request
from store.support import Observer, Question

log = logging.getLogger(__name__)


class Observers:
    def __init__(
        self,
        store: Store,
        roster: Callable[[], Roster],
        consents: Consents,
        conversation: Conversation,
        team: TeamRoom,
        session: Callable[[str], Request],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._roster = roster
        self._consents = consents
        self._conversation = conversation
        self._team = team
        self._session = session  # an accepted request, or the team's refusal
        self._clock = clock

    # -- !observe -----------------------------------------------------------------------------
    async def start(self, request_id: str, sender: str, organizer: bool, name: str | None) -> Piece:
        request = self._session(request_id)
        observer = self._observer(sender, name)
        if sender not in (observer.user_id, request.supporter) and not organizer:
            raise CommandError("observe_not_yours", id=request.id)
        if observer.user_id == request.supporter:
            raise CommandError("handover_same", name=observer.name, id=request.id)
        if any(o.user_id == observer.user_id for o in self._store.observers(request.id)):
            raise CommandError("observe_already", name=observer.name, id=request.id)
        await self._consents.ask(request, consent.OBSERVE, observer.user_id, sender)
        return self._team.piece("observe_asked", id=request.id, observer=observer.name)

    def _observer(self, sender: str, name: str | None) -> Supporter:
        roster = self._roster()
        who = roster.supporters.get(sender) if name is None else roster.find(name)
        if who is None:
            raise CommandError("oncall_who", name=name or sender)
        if not who.trainee:
            raise CommandError("observe_trainees_only", name=who.name)
        return who

    # -- the member's answer ----------------------------------------------------------------
    async def granted(self, question: Question) -> None:
        assert question.newcomer is not None
        observer = question.newcomer
        request = self._store.request(question.request_id)
        if request is None or request.state != "accepted":
            self._store.drop_question(question.id)
            return
        if any(o.user_id == observer for o in self._store.observers(request.id)):
            self._store.drop_question(question.id)  # let in before a restart
            return
        meeting = await self._conversation.admit(request, observer)
        if meeting.moved:
            moved = dataclasses.replace(request, handoff_room=meeting.room_id, introduced=False)
            self._store.update_request(request, moved)
        self._store.add_observer(Observer(request.id, observer, meeting.room_id, self._clock()))
        self._store.drop_question(question.id)
        log.info("request %s: an observer was let in", request.id)
        await self._consents.tell(
            question,
            "observe_yes_moved" if meeting.moved else "observe_yes",
            newcomer=self._consents.name(observer),
            supporter=self._consents.name(request.supporter),
        )
        await self._team.send(
            "observe_yes_team",
            id=request.id,
            newcomer=self._team.mention(observer),
            supporter=self._team.mention(request.supporter or ""),
        )

    async def refused(self, question: Question, outcome: Outcome) -> None:
        key = "consent_expired_team" if outcome is Outcome.EXPIRED else "consent_no_team"
        await self._team.send(
            key, id=question.request_id, asker=self._team.mention(question.asked_by)
        )

    # -- !alone and the end of a session ----------------------------------------------------
    async def alone(self, member: str) -> str:
        """Takes every observer out of the member's conversation; returns the reply's key."""
        withdrawn = await self._consents.withdraw_observing(member)
        request = self._store.active_request_of(member)
        present = self._store.observers(request.id) if request is not None else []
        if request is None or not present:
            return "alone_done" if withdrawn else "alone_nothing"
        for observer in present:
            await self._conversation.remove(request, observer.user_id, observer.room_id)
            self._store.remove_observer(request.id, observer.user_id)
        log.info("request %s: the member asked to be alone", request.id)
        names = self._team.listed([self._team.mention(o.user_id) for o in present])
        await self._team.post(self._team.text("alone_team"), id=request.id, names=names)
        await self._conversation.settle(request)
        return "alone_done"

    def keeps_room(self, request: Request) -> bool:
        """The bot stays in a room while an observer is there."""
        return bool(self._store.observers(request.id))

    async def before_leave(self, request: Request) -> None:
        """The session ends: observers go before the bot leaves."""
        for observer in self._store.observers(request.id):
            try:
                await self._conversation.remove(request, observer.user_id, observer.room_id)
            except Exception:
                log.exception("request %s: an observer could not be removed", request.id)
            self._store.remove_observer(request.id, observer.user_id)
