"""The member's consent: nobody new comes into their conversation unless they say yes.

Pure: no I/O, no clock of its own. A question is asked in the member's DM (handover: may
NAME, or another supporter, take over? observe: may NAME, a trainee, read along?) and lives
in the store with its deadline:

asking ──yes before the deadline──▶ granted ──carried out──▶ (deleted)
   ├──no, anything else, or a late answer──▶ refused (deleted: nothing changes)
   ├──the deadline passes in silence──▶ expired (deleted: nothing changes)
   └──`!alone` (an observer question)──▶ refused
A yes is `yes`/`نعم` or a close variant, or 👍 on the question; everything else is no.
"""

from __future__ import annotations

import dataclasses
import re
from enum import Enum
from typing import Final

from bot.phrases import normalise
from store.support import Question, QuestionKind

HANDOVER: Final = "handover"
OBSERVE: Final = "observe"
ASKING: Final = "asking"
GRANTED: Final = "granted"


class Answer(Enum):
    YES = "yes"
    NO = "no"


class Outcome(Enum):
    GRANTED = "granted"  # the member said yes in time
    REFUSED = "refused"  # no, anything else, or too late
    EXPIRED = "expired"  # silence until the deadline


class NotAsking(Exception):
    """The question was answered, carried out or timed out already."""


# Compared after bot.phrases.normalise (case, punctuation, Arabic letter variants folded).
YES_WORDS = frozenset(
    normalise(w)
    for w in (
        "yes",
        "y",
        "yeah",
        "yea",
        "yep",
        "yup",
        "yes please",
        "yes it's ok",
        "yes thats ok",
        "ok",
        "okay",
        "sure",
        "of course",
        "نعم",
        "نعم تفضل",
        "أيوه",
        "أيوة",
        "أيوا",
        "أجل",
        "بلى",
        "موافق",
        "موافقة",
        "طيب",
        "تمام",
        "حسنا",
        "ماشي",
        "اكيد",
        "طبعا",
    )
)
NO_WORDS = frozenset(
    normalise(w)
    for w in (
        "no",
        "n",
        "nope",
        "nah",
        "no thanks",
        "no thank you",
        "not now",
        "لا",
        "لأ",
        "لاء",
        "لا شكرا",
        "كلا",
        "مش موافق",
        "غير موافق",
        "لا أريد",
        "مو موافق",
    )
)
_THUMBS_UP = re.compile("^\U0001f44d[\U0001f3fb-\U0001f3ff]?\ufe0f?$")  # 👍, any skin tone


def answer_of_text(text: str) -> Answer:
    """A reply in the member's DM: yes only for a yes or a close variant."""
    return Answer.YES if normalise(text) in YES_WORDS else Answer.NO


def is_bare_answer(text: str) -> bool:
    """Whether `text` is nothing but a yes or a no (in either language)."""
    words = normalise(text)
    return words in YES_WORDS or words in NO_WORDS


def answer_of_reaction(key: str) -> Answer:
    """A reaction to the question: 👍 (any skin tone) is yes; 👎 and anything else no."""
    return Answer.YES if _THUMBS_UP.match(key.strip()) else Answer.NO


def ask(
    question_id: str,
    request_id: str,
    kind: QuestionKind,
    member: str,
    member_room: str,
    language: str,
    newcomer: str | None,
    asked_by: str,
    now: float,
    timeout: float,
) -> Question:
    if kind not in (HANDOVER, OBSERVE):
        raise ValueError(kind)
    if kind == OBSERVE and newcomer is None:
        raise ValueError("an observer is always named")
    return Question(
        question_id,
        request_id,
        kind,
        member,
        member_room,
        language,
        newcomer,
        asked_by,
        now,
        now + timeout,
    )


def decide(question: Question, answer: Answer, now: float) -> tuple[Question, Outcome]:
    """The member answered at `now`: yes in time grants; anything else refuses."""
    if question.state != ASKING:
        raise NotAsking(question.id)
    if now >= question.deadline:
        return question, Outcome.EXPIRED
    if answer is Answer.YES:
        return dataclasses.replace(question, state=GRANTED), Outcome.GRANTED
    return question, Outcome.REFUSED


def due(question: Question, now: float) -> bool:
    """Whether silence has become a no."""
    return question.state == ASKING and now >= question.deadline


def withdrawn_by_alone(question: Question) -> bool:
    """`!alone` refuses an observer question still being asked (never a handover)."""
    return question.state == ASKING and question.kind == OBSERVE
