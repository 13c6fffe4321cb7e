"""Recognising "I need to talk" and its close variants, in English and Arabic.

Text is normalised first (case, punctuation, apostrophes, Arabic diacritics and letter
variants), then matched against short phrases anywhere in the message, so "hey... I really
need to talk to someone tonight" and "محتاج أتكلم مع حد" both count.
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_DIACRITICS = re.compile(r"[\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")  # tashkeel, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_NOT_WORD = re.compile(r"[^\w\s]")

PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "i need to talk",
        "i need someone to talk to",
        "need to talk to someone",
        "i want to talk to someone",
        "i would like to talk to someone",
        "can i talk to someone",
        "can i talk to a peer",
        "i need a peer",
        "i need to speak to someone",
        "i need support",
        "i need help talking",
    ),
    "ar": (
        "احتاج ان اتحدث",
        "احتاج اتحدث",
        "احتاج ان اتكلم",
        "احتاج اتكلم",
        "محتاج اتكلم",
        "محتاجه اتكلم",
        "بدي احكي",
        "اريد ان اتحدث",
        "اريد التحدث",
        "ابغى اتكلم",
        "اريد ان اتكلم",
    ),
}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    text = text.replace("i'd like", "i would like").replace("'", "")
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)
    return " ".join(_NOT_WORD.sub(" ", text).split())


_NORMALISED = {lang: tuple(normalise(p) for p in ps) for lang, ps in PHRASES.items()}


def talk_language(text: str) -> str | None:
    """The language of a talk request in `text`, or None if it is not one."""
    words = f" {normalise(text)} "
    for language, phrases in _NORMALISED.items():
        if any(f" {phrase} " in words for phrase in phrases):
            return language
    return None
