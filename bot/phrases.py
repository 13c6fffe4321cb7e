"""Recognising "I need to talk" and its close variants, in English and Arabic.

Text is cut into clauses at sentence punctuation and normalised (case, punctuation,
apostrophes, Arabic diacritics and letter variants). A clear phrase counts anywhere in a
clause, so "hey... I really need to talk to someone tonight" and "محتاج أتكلم مع حد" both do.
A loose one ("I need support", "I need a peer") counts only where it ends what the person is
saying, give or take a "please" or a "right now": "I need support for Python 3.13" and "I need
a peer review" are not requests.

The router asks only about a member's own words in a conversation with the bot: never about
a shared room, and never about the quote of another message a reply carries (see
without_reply_fallback).
"""

from __future__ import annotations

import re
import unicodedata

_ARABIC_DIACRITICS = re.compile(r"[\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")  # tashkeel, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_NOT_WORD = re.compile(r"[^\w\s]")
# "i really need", "i just want": the same request as "i need", "i want"
_ADVERBS = re.compile(
    r"\bi (?:(?:really|just|actually|honestly|desperately|seriously|still|so|do|kinda|"
    r"kind of) )+(need|want)\b"
)
# Where one thing said ends and the next begins (a decimal point too: harmless here).
_CLAUSE_END = re.compile(r"[.!?;:…\n\r\u061f\u061b\u06d4]+|\s[-–—]+\s|[–—]")

PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "i need to talk",
        "i need someone to talk to",
        "^need to talk",  # "^": only where the clause begins ("need to talk, please")
        "i want to talk to someone",
        "i would like to talk to someone",
        "can i talk to someone",
        "can i talk to a peer",
        "i need a peer supporter",
        "i need to speak to someone",
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
# Requests only when nothing but these words follows them in the clause.
LOOSE_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "i need a peer",
        "i need support",
        "i need some support",
        "i need emotional support",
    ),
}
FILLER = frozenset(
    {
        *("please", "pls", "plz", "now", "right", "tonight", "today", "asap", "urgently"),
        *("badly", "so", "really", "very", "much", "to", "talk", "with", "someone", "anyone"),
        *("here", "again", "supporter"),
    }
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'")
    text = text.replace("i'd like", "i would like").replace("'", "")
    text = _ARABIC_DIACRITICS.sub("", text).translate(_ARABIC_LETTERS)
    return _ADVERBS.sub(r"i \1", " ".join(_NOT_WORD.sub(" ", text).split()))


def clauses(text: str) -> list[str]:
    """`text` cut at sentence punctuation, each piece normalised; empty pieces dropped."""
    pieces = (normalise(p) for p in _CLAUSE_END.split(unicodedata.normalize("NFKC", text)))
    return [p for p in pieces if p]


_NORMALISED = {
    lang: tuple(("^" if p.startswith("^") else "") + normalise(p) for p in ps)
    for lang, ps in PHRASES.items()
}
_LOOSE = {lang: tuple(normalise(p) for p in ps) for lang, ps in LOOSE_PHRASES.items()}


def _ends_clause(clause: str, phrase: str) -> bool:
    # Only the last occurrence can end the clause: what follows an earlier one includes it.
    words = f" {clause} "
    start = words.rfind(f" {phrase} ")
    rest = words[start + len(phrase) + 2 :].split()
    return start != -1 and all(word in FILLER for word in rest)


def _in_clause(clause: str, phrase: str) -> bool:
    if phrase.startswith("^"):
        return f"{clause} ".startswith(f"{phrase[1:]} ")
    return f" {phrase} " in f" {clause} "


def talk_language(text: str) -> str | None:
    """The language of a talk request in `text`, or None if it is not one."""
    for clause in clauses(text):
        for language, phrases in _NORMALISED.items():
            if any(_in_clause(clause, phrase) for phrase in phrases):
                return language
        for language, phrases in _LOOSE.items():
            if any(_ends_clause(clause, phrase) for phrase in phrases):
                return language
    return None


def without_reply_fallback(body: str) -> str:
    """A reply's own words: the `> ` lines quoting the message replied to, which clients put
    at the start of the body (the spec's reply fallback), are not what the sender said."""
    lines = body.split("\n")
    quoted = next((i for i, line in enumerate(lines) if not line.startswith(">")), len(lines))
    return "\n".join(lines[quoted:]).lstrip("\n")
