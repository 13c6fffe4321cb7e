"""Whether a text meant for an Arabic reader is Arabic: any Latin word outside a Unicode
isolate (where IDs, commands and values go), a code span, a URL or a Matrix ID is a slip."""

from __future__ import annotations

import re

from bot.text import FSI, PDI

# Names that stay as they are in Arabic text: the bot's, the app's and the protocol's, and
# UTC, the time standard the replies name.
NAMES = frozenset({"warmline", "Element", "Matrix", "UTC"})
_ISOLATED = re.compile(f"{FSI}[^{PDI}]*{PDI}")
_CODE = re.compile(r"`[^`]*`")
_URL = re.compile(r"https?://\S+")
_MATRIX_ID = re.compile(r"[@!#$][^\s:]+:[\w.-]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def latin_words(text: str) -> list[str]:
    """The Latin words in `text` that an Arabic reader should not meet."""
    for pattern in (_ISOLATED, _CODE, _URL, _MATRIX_ID):
        text = pattern.sub(" ", text)
    return [w for w in _WORD.findall(text) if w not in NAMES]
