from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.phrases import talk_language, without_reply_fallback


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I need to talk", "en"),
        ("i NEED to talk!!", "en"),
        ("hey… I really need to talk to someone tonight", "en"),
        ("I need to talk.", "en"),
        ("Can I talk to someone?", "en"),
        ("i’d like to talk to someone", "en"),
        ("I need someone to talk to, please", "en"),
        ("أحتاج أن أتحدث", "ar"),
        ("أحتاجُ أنْ أتحدّثَ", "ar"),  # with diacritics
        ("محتاج أتكلم", "ar"),
        ("محتاج أتكلم مع حد", "ar"),
        ("احتاج ان اتحدث!", "ar"),
        ("I don't need anything", None),
        ("talk", None),
        ("!talk", None),  # the command is handled by the router, not here
        ("we need to talk about the schedule", None),
    ],
)
def test_talk_language(text: str, language: str | None):
    assert talk_language(text) == language


@pytest.mark.parametrize(
    "text",
    [
        "I need support",
        "I need support.",
        "I need support, please",
        "I really need support right now!!",
        "I need some support tonight",
        "I need emotional support",
        "I need a peer",
        "i need a peer, please",
        "I need a peer to talk to",
        "I need a peer supporter",
        "I need support - my dog died",
        "Need to talk.",
        "I just need to talk",
        "I kind of want to talk to someone",
        "ok. I need support. my partner left",
    ],
)
def test_real_requests_still_count(text: str):
    assert talk_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "I need support for Python 3.13",
        "I need a peer review",
        "I need a peer review on my PR",
        "i need support with my code",
        "I need support from the infra team",
        "I need a peer to review this",
        "we need to talk to someone about the venue",
        "I no longer need support",
        "I don't need to talk",
    ],
)
def test_obvious_non_requests_do_not(text: str):
    assert talk_language(text) is None


NON_FILLER = st.sampled_from(
    ["review", "for", "python", "my", "pr", "code", "from", "on", "the", "build", "3", "13"]
)
WORDS = st.lists(st.sampled_from(["review", "for", "python", "the", "please", "now", "3"]))


@settings(max_examples=300)
@given(
    st.sampled_from(["i need support", "i need a peer", "i need some support"]),
    NON_FILLER,
    WORDS,
)
def test_a_loose_phrase_with_more_said_after_it_is_no_request(phrase, word, rest):
    assert talk_language(" ".join([phrase, word, *rest])) is None


CASES = st.lists(st.booleans(), min_size=40, max_size=40)
PUNCTUATION = st.sampled_from(["", ".", "!", "?", "...", " :)", " 😢", ",", "!!"])


@settings(max_examples=300)
@given(
    st.sampled_from(
        [
            "I need to talk",
            "I need someone to talk to",
            "can I talk to someone",
            "I need support",
            "I need a peer",
            "أحتاج أن أتحدث",
            "محتاج أتكلم",
        ]
    ),
    CASES,
    PUNCTUATION,
    st.sampled_from(["", "hi. ", "hey… ", "sorry to bother, ", "ok\n"]),
)
def test_real_requests_survive_case_punctuation_and_a_greeting(phrase, flips, end, greeting):
    text = "".join(c.upper() if flip else c for c, flip in zip(phrase, flips, strict=False))
    text += phrase[len(flips) :]
    assert talk_language(greeting + text + end) is not None


@pytest.mark.parametrize(
    ("body", "own"),
    [
        ("> <@bot:hs> write I need to talk\n\nthanks", "thanks"),
        ("> <@bot:hs> line one\n> line two\n\n!cancel", "!cancel"),
        ("no quote here", "no quote here"),
        ("> only a quote", ""),
    ],
)
def test_reply_fallback_is_not_the_senders_words(body: str, own: str):
    assert without_reply_fallback(body) == own
