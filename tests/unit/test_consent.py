"""The member's consent, pure: what counts as yes, and the question's transitions."""

from __future__ import annotations

import pytest

from bot import consent
from bot.consent import Answer, Outcome

ASKED = 1000.0


def question(kind: str = consent.HANDOVER, newcomer: str | None = "@noor:hs"):
    return consent.ask(
        "q1", "K7F2", kind, "@robin:hs", "!dm:hs", "en", newcomer, "@sam:hs", ASKED, 600
    )


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes!",
        "YES.",
        "y",
        "yeah",
        "yep",
        "ok",
        "Okay",
        "sure",
        "yes please",
        " yes ",
        "نعم",
        "نَعَم",
        "نعم.",
        "أيوه",
        "ايوة",
        "موافق",
        "موافقة",
        "طيب",
        "تمام",
        "حسناً",
        "أجل",
    ],
)
def test_yes_and_its_close_variants(text: str):
    assert consent.answer_of_text(text) is Answer.YES
    assert consent.is_bare_answer(text)


@pytest.mark.parametrize("text", ["no", "No.", "nope", "nah", "no thanks", "لا", "لأ", "كلا"])
def test_no_and_its_close_variants(text: str):
    assert consent.answer_of_text(text) is Answer.NO
    assert consent.is_bare_answer(text)


@pytest.mark.parametrize(
    "text",
    [
        "who is noor?",
        "yes but only if she is kind",
        "maybe",
        "hmm",
        "I don't know",
        "أي",  # "which?" in Arabic, not the Gulf "yes"
        "إيه",  # "what?" in Egyptian Arabic
        "",
        "👍",  # a thumbs up typed as text is not the reaction on the question
        "yes no",
    ],
)
def test_anything_else_is_no(text: str):
    assert consent.answer_of_text(text) is Answer.NO


@pytest.mark.parametrize(
    ("key", "answer"),
    [
        ("👍", Answer.YES),
        ("👍🏽", Answer.YES),
        ("👍\ufe0f", Answer.YES),
        ("👎", Answer.NO),
        ("❤️", Answer.NO),
        ("✅", Answer.NO),  # only 👍 was offered
        ("👍👍", Answer.NO),
    ],
)
def test_reactions(key: str, answer: Answer):
    assert consent.answer_of_reaction(key) is answer


def test_yes_in_time_grants():
    decided, outcome = consent.decide(question(), Answer.YES, ASKED + 599)
    assert outcome is Outcome.GRANTED and decided.state == consent.GRANTED


def test_no_refuses_and_changes_nothing():
    q = question()
    decided, outcome = consent.decide(q, Answer.NO, ASKED + 10)
    assert outcome is Outcome.REFUSED and decided == q


def test_a_yes_after_the_deadline_is_too_late():
    _, outcome = consent.decide(question(), Answer.YES, ASKED + 600)
    assert outcome is Outcome.EXPIRED


def test_silence_becomes_no_at_the_deadline():
    q = question()
    assert not consent.due(q, ASKED + 599.9)
    assert consent.due(q, ASKED + 600)


def test_a_question_is_answered_once():
    granted, _ = consent.decide(question(), Answer.YES, ASKED + 1)
    with pytest.raises(consent.NotAsking):
        consent.decide(granted, Answer.NO, ASKED + 2)
    assert not consent.due(granted, ASKED + 10_000)  # granted: no deadline any more


def test_alone_refuses_only_an_observer_question_still_asked():
    assert consent.withdrawn_by_alone(question(consent.OBSERVE, "@alex:hs"))
    assert not consent.withdrawn_by_alone(question(consent.HANDOVER))
    granted, _ = consent.decide(question(consent.OBSERVE, "@alex:hs"), Answer.YES, ASKED + 1)
    assert not consent.withdrawn_by_alone(granted)


def test_an_observer_is_always_named():
    with pytest.raises(ValueError, match="named"):
        question(consent.OBSERVE, None)
