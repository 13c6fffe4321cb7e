"""A warm handover, with the member's consent: `!handover K7F2 [NAME]`.

The supporter who has the session (or an organizer) asks; the member is asked whether NAME,
or another supporter, may take over (bot.consents). On yes a named supporter is brought in
at once; without a name the team is paged again and the first `!accept K7F2` (or ✅ on that
page) takes it over. On no, or silence, nothing changes and the supporter is told. Nothing
of the conversation moves with it: the new supporter sees only what is said after they join.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from bot import consent
from bot.consent import Outcome
from bot.consents import Consents
from bot.errors import CommandError
from bot.ports import Conversation
from bot.roster import Roster, Supporter
from bot.team import TeamRoom
from bot.text import Piece
from bot.workload import Workload
from store import Incoming, Store
from store.records import Request
from store.support import Question

log = logging.getLogger(__name__)
TAKE_REACTIONS = ("✅", "👍", "✔")


class Handovers:
    def __init__(
        self,
        store: Store,
        roster: Callable[[], Roster],
        consents: Consents,
        conversation: Conversation,
        team: TeamRoom,
        workload: Workload,
        pageable: Callable[[int], list[Supporter]],
    ) -> None:
        self._store = store
        self._roster = roster
        self._consents = consents
        self._conversation = conversation
        self._team = team
        self._workload = workload
        self._pageable = pageable  # tiers and capacity, as for a new request

    def session(self, request_id: str) -> Request:
        """An accepted request, or the team's "no open session" refusal."""
        request = self._store.request(request_id)
        if request is None or request.state != "accepted" or request.supporter is None:
            raise CommandError("no_session", id=request_id.upper())
        return request

    # -- !handover ----------------------------------------------------------------------------
    async def start(self, request_id: str, sender: str, organizer: bool, name: str | None) -> Piece:
        request = self.session(request_id)
        if request.supporter != sender and not organizer:
            raise CommandError("handover_not_yours", id=request.id)
        if self._open_handover(request.id) is not None:
            raise CommandError("handover_waiting", id=request.id)
        newcomer = None if name is None else self._named(request, name)
        await self._consents.ask(request, consent.HANDOVER, newcomer, sender)
        if newcomer is None:
            return self._team.piece("handover_asked_any", id=request.id)
        newcomer_name = self._team.mention(newcomer).name
        return self._team.piece("handover_asked", id=request.id, newcomer=newcomer_name)

    def _named(self, request: Request, name: str) -> str:
        """The supporter NAME, if they can take the session (capacity applies to them)."""
        who = self._roster().find(name)
        if who is None:
            raise CommandError("oncall_who", name=name)
        if who.trainee:
            raise CommandError("trainee_cannot_take", name=who.name)
        if who.user_id == request.supporter:
            raise CommandError("handover_same", name=who.name, id=request.id)
        if self._store.open_sessions().get(who.user_id, 0) >= who.max_sessions:
            raise CommandError("handover_full", name=who.name)
        return who.user_id

    def _open_handover(self, request_id: str) -> Question | None:
        """A handover the member agreed to that waits for a supporter to take it."""
        for q in self._store.questions_about(request_id):
            if q.kind == consent.HANDOVER and q.state == consent.GRANTED:
                return q
        return None

    # -- the member's answer ----------------------------------------------------------------
    async def granted(self, question: Question) -> None:
        request = self._store.request(question.request_id)
        if request is None or request.state != "accepted":
            self._store.drop_question(question.id)  # the session ended meanwhile
            return
        if question.newcomer is not None:
            await self._bring_in(question, request, question.newcomer)
        elif question.page_event is None:  # not paged yet (also after a restart)
            await self._page(question, request)

    async def refused(self, question: Question, outcome: Outcome) -> None:
        key = "consent_expired_team" if outcome is Outcome.EXPIRED else "consent_no_team"
        await self._team.send(
            key, id=question.request_id, asker=self._team.mention(question.asked_by)
        )

    async def _page(self, question: Question, request: Request) -> None:
        others = [
            [s for s in self._pageable(tier) if s.user_id != request.supporter] for tier in (1, 2)
        ]
        event = await self._team.send(
            "handover_page",
            others[0] or others[1],
            id=request.id,
            supporter=self._team.mention(request.supporter or ""),
        )
        if event is not None:
            self._store.set_question_page(question.id, event)
        await self._consents.tell(
            question, "handover_yes_any", supporter=self._consents.name(request.supporter)
        )

    # -- taking it over ---------------------------------------------------------------------
    async def take(self, request_id: str, sender: str) -> bool:
        """`!accept K7F2` on a handover the member agreed to; False if there is none."""
        request = self._store.request(request_id)
        if request is None or request.state != "accepted":
            return False
        question = self._open_handover(request.id)
        if question is None or question.newcomer is not None:
            return False
        who = self._roster().supporters.get(sender)
        if who is not None and who.trainee:
            raise CommandError("trainee_cannot_take", name=who.name)
        if sender == request.supporter:
            raise CommandError("handover_same", name=self._team.mention(sender).name, id=request.id)
        if not self._store.claim_handover(question.id, sender):
            return False  # someone else was quicker: the line says who
        await self._bring_in(dataclasses.replace(question, newcomer=sender), request, sender)
        return True

    def reaction_command(self, event: Incoming) -> tuple[str, str] | None:
        """✅ or 👍 on a handover page means `!accept ID`."""
        if event.room_id != self._team.room_id or not event.relates_to:
            return None
        if not event.body.startswith(TAKE_REACTIONS):
            return None
        question = self._store.question_paged_as(event.relates_to)
        return None if question is None else ("accept", question.request_id)

    async def _bring_in(self, question: Question, request: Request, newcomer: str) -> None:
        if request.supporter == newcomer:  # carried out before a restart
            self._store.drop_question(question.id)
            return
        meeting = await self._conversation.hand_over(request, newcomer)
        updated = dataclasses.replace(
            request, supporter=newcomer, handoff_room=meeting.room_id, introduced=False
        )
        if not self._store.update_request(request, updated):
            self._store.drop_question(question.id)
            return
        log.info("request %s handed over", request.id)
        self._workload.sync()
        self._store.drop_question(question.id)
        old, new = self._team.mention(request.supporter or ""), self._team.mention(newcomer)
        await self._consents.tell(
            question,
            "handover_yes_moved" if meeting.moved else "handover_yes",
            supporter=self._consents.name(request.supporter),
            newcomer=self._consents.name(newcomer),
        )
        key = "handover_done_moved" if meeting.moved else "handover_done"
        await self._team.send(key, id=request.id, supporter=old, newcomer=new)
        if question.page_event is not None:
            await self._team.edit(
                question.page_event, "handover_page_taken", id=request.id, newcomer=new.name
            )
