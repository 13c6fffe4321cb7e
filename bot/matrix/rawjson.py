"""Decoding a homeserver's JSON so that no value in it can break the decoder or what follows.

`json.loads` as nio calls it lets one hostile value stop a whole response for good: nesting
deeper than Python's recursion limit raises `RecursionError`, an integer of more than 4,300
digits raises `ValueError`, and `NaN`/`Infinity` become floats no Matrix field may hold. A sync
response that cannot be decoded cannot be skipped past either (its `next_batch` is inside it),
so every restart would stop on it again. Here such values become `null` instead (the event
holding one then fails its shape check and is dropped), and only the subtree nested too deep
is cut, never the whole response.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Deeper than this, a subtree is replaced by null before decoding (the shape check drops the
# event holding it). Far above any real event, far below Python's recursion limit.
DECODE_DEPTH = 200
# Canonical JSON allows integers within ±(2**53 - 1): 16 digits. Old room versions may hold a
# little more; nothing legitimate holds more than 20.
MAX_INT_DIGITS = 20

_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


def _bounded_int(digits: str) -> int | None:
    return int(digits) if len(digits.lstrip("-")) <= MAX_INT_DIGITS else None


def _no_constant(_name: str) -> None:
    return None  # NaN, Infinity, -Infinity


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)


def flatten_deep(text: str, limit: int = DECODE_DEPTH) -> str:
    """`text` with every array or object nested deeper than `limit` replaced by `null`.

    A linear scan that skips string literals (brackets inside strings do not count)."""
    out: list[str] = []
    depth, cut_from, last = 0, -1, 0
    for match in _TOKENS.finditer(text):
        bracket = match.group()
        if bracket[0] == '"':
            continue  # a string literal: its brackets are text
        if bracket in "[{":
            depth += 1
            if depth == limit + 1:
                cut_from = match.start()
        else:
            if depth == limit + 1 and cut_from >= 0:
                out += [text[last:cut_from], "null"]
                last, cut_from = match.end(), -1
            depth -= 1
    out.append(text[last:])
    return "".join(out)


def decode(raw: bytes) -> Any:
    """The JSON value in `raw`; raises ValueError if it is not JSON at all."""
    text = raw.decode("utf-8", errors="replace")
    try:
        return _loads(text)
    except RecursionError:
        return _loads(flatten_deep(text))
