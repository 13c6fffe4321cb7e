"""Asking the member, and hearing their answer: the consent questions carried out.

The rules are bot.consent's (pure); this module stores each question with its deadline
before it is sent (so a restart resumes it: unsent questions are sent, granted ones carried
out, overdue ones become a no), routes the member's answer (a reply in their DM, or 👍 / 👎
on the question) and hands the outcome to the kind's handler (bot.handover, bot.observers).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Protocol

from bot import consent
from bot.catalogue import Catalogue
from bot.consent import Answer, Outcome
from bot.deadlines import sleep_until
from bot.errors import CommandError
from bot.phrases import without_reply_fallback
from bot.ports import Messenger
from bot.roster import Roster
from bot.team import TeamRoom
from store import Incoming, Store
from store.records import Request
from store.support import Question, QuestionKind

log = logging.getLogger(__name__)


class Outcomes(Protocol):
    """What a kind of question (handover, observe) does with the member's yes (a no changes
    nothing: the member and whoever asked are told, here)."""

    async def granted(self, question: Question) -> None:
        """Carries out a yes; called again after a restart until it has been (idempotent)."""
        ...


class Consents:
    def __init__(
        self,
        store: Store,
        messenger: Messenger,
        texts: Catalogue,
        roster: Callable[[], Roster],
        team: TeamRoom,
        timeout: Callable[[], float],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._team = team
        self._messenger = messenger
        self._texts = texts
        self._roster = roster
        self._timeout = timeout  # consent.timeout
        self._clock = clock
        self._kinds: dict[QuestionKind, Outcomes] = {}
        self._wake = asyncio.Event()

    def handle(self, kind: QuestionKind, outcomes: Outcomes) -> None:
        """The composition root names who carries out each kind of question."""
        self._kinds[kind] = outcomes

    def name(self, user_id: str | None) -> str:
        who = self._roster().supporters.get(user_id or "")
        return who.display if who else self._texts.text(self._texts.default, "someone_else")

    # -- asking ----------------------------------------------------------------------------
    async def ask(
        self, request: Request, kind: QuestionKind, newcomer: str | None, asked_by: str
    ) -> Question:
        """Stores the question, then asks it in the member's DM. CommandError if the member
        is already being asked something."""
        question = consent.ask(
            secrets.token_hex(8),
            request.id,
            kind,
            request.member,
            request.member_room,
            request.language,
            newcomer,
            asked_by,
            self._clock(),
            self._timeout(),
        )
        if not self._store.add_question(question):
            raise CommandError("consent_busy")
        log.info("request %s: the member is asked about a %s", request.id, kind)
        await self._send(question, request)
        self._wake.set()
        return question

    async def _send(self, question: Question, request: Request) -> None:
        if question.kind == consent.OBSERVE:
            key = "consent_observe"
        else:
            key = "consent_handover_named" if question.newcomer else "consent_handover_any"
        minutes = max(1, round((question.deadline - question.asked_at) / 60))
        message = self._texts.render(
            question.language,
            key,
            supporter=self.name(request.supporter),
            newcomer=self.name(question.newcomer),
            minutes=self._texts.count(question.language, "minutes", minutes),
        )
        event = await self._messenger.send(question.member_room, message)
        if event is not None:
            self._store.set_question_event(question.id, event)

    async def tell(self, question: Question, key: str, **values: object) -> None:
        """A text to the member in their DM, in the question's language."""
        message = self._texts.render(question.language, key, **values)
        await self._messenger.send(question.member_room, message)

    # -- answers ---------------------------------------------------------------------------
    def answer_command(self, event: Incoming) -> tuple[str, str] | None:
        """The router's question: is this the member's answer to a question being asked?
        A reply in their DM (not a command), or a reaction to the question itself."""
        question = self._store.question_of(event.sender)
        if question is None or event.room_id != question.member_room:
            return None
        if event.kind == "reaction":
            if event.relates_to is None or event.relates_to != question.question_event:
                return None
            answer = consent.answer_of_reaction(event.body)
        else:  # a reply to the question: its own words, not the quote of the question
            words = without_reply_fallback(event.body) if event.reply_to else event.body
            answer = consent.answer_of_text(words)
        return (answer.value, "")

    async def answer(self, member: str, room: str, answer: Answer, language: str) -> None:
        """`!yes` / `!no` (or a reply, or a reaction): the member's decision."""
        question = self._store.question_of(member)
        if question is None or self._ended(question):
            raise CommandError("consent_none")
        if room != question.member_room:
            raise CommandError("consent_elsewhere")
        try:
            decided, outcome = consent.decide(question, answer, self._clock())
        except consent.NotAsking:
            return
        if outcome is Outcome.GRANTED:
            if self._store.grant_question(question.id):
                log.info("request %s: the member said yes", question.request_id)
                # should this fail, the yes stays stored and is carried out at the next start
                await self._kinds[question.kind].granted(decided)
            return
        await self._refuse(question, outcome)

    async def _refuse(self, question: Question, outcome: Outcome) -> None:
        if not self._store.drop_question(question.id, consent.ASKING):
            return  # answered or timed out a moment ago
        log.info("request %s: the member's answer counts as no", question.request_id)
        expired = outcome is Outcome.EXPIRED
        await self.tell(question, "consent_expired" if expired else "consent_no")
        await self._team.send(
            "consent_expired_team" if expired else "consent_no_team",
            id=question.request_id,
            asker=self._team.mention(question.asked_by),
        )

    async def withdraw_observing(self, member: str) -> bool:
        """`!alone` while being asked about an observer: that is a no."""
        question = self._store.question_of(member)
        if question is None or not consent.withdrawn_by_alone(question):
            return False
        await self._refuse(question, Outcome.REFUSED)
        return True

    def forget_request(self, request_id: str) -> None:
        """The session ended (done, expired, `!forget`): its questions go, unanswered and
        untold; nothing about the member stays with them."""
        for question in self._store.questions_about(request_id):
            self._store.drop_question(question.id)

    def _ended(self, question: Question) -> bool:
        """Whether the question's session is over (then it is dropped, and nobody told)."""
        request = self._store.request(question.request_id)
        if request is not None and request.state == "accepted":
            return False
        self._store.drop_question(question.id)
        return True

    # -- deadlines and restarts -------------------------------------------------------------
    async def process_due(self) -> None:
        """Silence until the deadline is a no."""
        for question in self._store.due_questions(self._clock()):
            if self._ended(question):
                continue
            try:
                await self._refuse(question, Outcome.EXPIRED)
            except Exception:
                log.exception("request %s: a consent deadline failed", question.request_id)

    async def resume(self) -> None:
        """After a restart: questions never sent are asked now; yeses are carried out."""
        for question in self._store.questions(consent.ASKING):
            if self._ended(question):
                continue
            request = self._store.request(question.request_id)
            if question.question_event is None and request is not None:
                await self._send(question, request)
        for question in self._store.questions(consent.GRANTED):
            try:
                await self._kinds[question.kind].granted(question)
            except Exception:
                log.exception("request %s: resuming a yes failed", question.request_id)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.process_due()
            await sleep_until(self._store.next_question_deadline(), self._clock, self._wake, stop)
