from __future__ import annotations

import pytest

from bot.phrases import talk_language


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
