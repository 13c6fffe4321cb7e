"""A YAML syntax error in plain words, at the line a person has to fix.

PyYAML names the place where it gave up, often lines after the slip (an over-indented line
is reported at the next key; a missing colon at the next line; an unclosed quote where the
next quote happens to be) and in parser words ("expected <block end>, but found '<block
mapping start>'"). The common slips (indentation, a tab, a missing colon, an unclosed quote or
bracket) are recognised here from the error and the text around it; anything else keeps
PyYAML's words, at its line.
"""

from __future__ import annotations

import re
from collections import Counter

import yaml
from yaml.reader import ReaderError
from yaml.tokens import (
    FlowMappingEndToken,
    FlowMappingStartToken,
    FlowSequenceEndToken,
    FlowSequenceStartToken,
    ScalarToken,
    Token,
)

Slip = tuple[int | None, str]  # (1-based line or None, what is wrong there)

_LEAD = re.compile(r" *(?:-(?: +|$))*")  # indentation plus list dashes: where a key starts


def explain(exc: yaml.YAMLError, text: str) -> Slip:
    if isinstance(exc, ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return line, f"this line holds a character YAML does not allow (U+{char:04X})"
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return None, f"YAML cannot read this file: {exc}"
    lines = text.splitlines()
    return _Slips(exc, lines, text).explain()


class _Slips:
    def __init__(self, exc: yaml.MarkedYAMLError, lines: list[str], text: str) -> None:
        assert exc.problem_mark is not None
        self.exc = exc
        self.problem = exc.problem or ""
        self.context = exc.context or ""
        self.line = exc.problem_mark.line  # 0-based, as PyYAML counts
        self.column = exc.problem_mark.column
        self.index = exc.problem_mark.index
        self.lines = lines
        self.text = text

    def explain(self) -> Slip:
        for rule in (self._tab, self._bracket, self._quote, self._colon, self._indentation):
            found = rule()
            if found is not None:
                return found
        return self._as_pyyaml()

    # -- the rules, most specific first --------------------------------------------------
    def _tab(self) -> Slip | None:
        if "'\\t'" not in self.problem:
            return None
        return self.line + 1, (
            f"this line has a tab (column {self.column + 1}); YAML indents and separates "
            "with spaces only"
        )

    def _bracket(self) -> Slip | None:
        if "flow" not in self.context:
            return None
        opened: list[Token] = []
        for token in self._tokens():
            if isinstance(token, FlowSequenceStartToken | FlowMappingStartToken):
                opened.append(token)
            elif isinstance(token, FlowSequenceEndToken | FlowMappingEndToken) and opened:
                opened.pop()
        at_end = "<stream end>" in self.problem  # the file ended inside it
        if not opened or (opened[-1].start_mark.line >= self.line and not at_end):
            return None
        is_list = isinstance(opened[-1], FlowSequenceStartToken)
        pair = "[ … ]" if is_list else "{ … }"
        return opened[-1].start_mark.line + 1, (
            f"this {pair[0]} is not closed on its line: a list or mapping written as {pair} "
            f"needs its {pair[-1]}"
        )

    def _quote(self) -> Slip | None:
        if "quoted scalar" in self.context and self.exc.context_mark is not None:
            start = self.exc.context_mark.line  # the file ended inside the quote
        elif not {"'", '"'} & set(self._text(self.line)):
            return None  # no quote ends on this line
        else:
            quoted = [
                t
                for t in self._tokens()
                if isinstance(t, ScalarToken)
                and t.style in ("'", '"')
                and t.start_mark.line < t.end_mark.line == self.line
            ]
            if not quoted:
                return None
            start = quoted[-1].start_mark.line
        return start + 1, "this quote is not closed on its line: end the value with the same quote"

    def _colon(self) -> Slip | None:
        if "could not find expected ':'" in self.problem and self.exc.context_mark is not None:
            return self.exc.context_mark.line + 1, _NO_COLON
        if self.problem.startswith("mapping values are not allowed"):
            before = self._text(self.line)[: self.column]
            if re.search(r":(\s|$)", before):
                return self.line + 1, (
                    "this value holds ': ', which YAML reads as a second key: put the value "
                    "in quotes"
                )
            return self._missing_colon_above()
        if "expected '<document start>'" in self.problem:
            return self._missing_colon_above()
        return None

    def _missing_colon_above(self) -> Slip | None:
        above = self._content_above(self.line)
        if above is None:
            return None
        code = _code(self._text(above))
        if ":" not in code:
            return above + 1, _NO_COLON
        if re.search(r":\S", code) and not re.search(r":(\s|$)", code):
            return above + 1, "put a space after the colon (`key: value`)"
        if self._key_column(self.line) > self._key_column(above):
            return self._misaligned()  # this line was read as more of the value above
        return None

    def _indentation(self) -> Slip | None:
        if self.problem.startswith("expected <block end>"):
            return self._misaligned()
        if "expected '<document start>'" in self.problem:
            first = self._content_below(-1)
            if first is not None and self._key_column(first) > self._key_column(self.line):
                return first + 1, "the file's first key is indented; start it at the line's start"
        return None

    def _misaligned(self) -> Slip | None:
        """Line `self.line` fits no open level. Usually it is the wrong one; but if the
        section above it began with a line indented unlike the rest of the file, and this
        line is indented like the rest, that first line is."""
        above = self._content_above(self.line)
        if above is None:
            return None
        if re.match(r" *-[^\s-]", self._text(above)):
            return above + 1, "put a space after the dash that starts a list item (`- value`)"
        here, there = self._key_column(self.line), self._key_column(above)
        if here == there:  # `above` ended a value where a key was due
            return self._missing_colon_above()
        start, parent = self._section(above, there)
        if parent is not None and self._usual_step(start) == here - self._key_column(parent):
            if there > here:
                same = f"line {self.line + 1}, in the same section, is indented {here} spaces"
                return start + 1, f"{_DEEPER} ({same})"
            return start + 1, (
                f"this line is indented less than line {self.line + 1} below it, in the same "
                f"section ({here} spaces)"
            )
        if here > there:
            return self.line + 1, _DEEPER
        under = f" and more than line {parent + 1}" if parent is not None else ""
        return self.line + 1, (
            f"this line is indented less than line {above + 1} above it{under}: give the lines "
            "of one section the same indentation"
        )

    def _as_pyyaml(self) -> Slip:
        words = f"YAML cannot read this line (column {self.column + 1}): {self.problem}"
        mark = self.exc.context_mark
        if self.context and mark is not None and mark.line != self.line:
            words += f" ({self.context}, which starts on line {mark.line + 1})"
        return self.line + 1, words

    # -- reading the text around the error -----------------------------------------------
    def _tokens(self) -> list[Token]:
        """The tokens before the error (the scanner stops at the first one it cannot read)."""
        found: list[Token] = []
        try:
            for token in yaml.scan(self.text, Loader=yaml.SafeLoader):
                if token.start_mark.index >= self.index:
                    break
                found.append(token)
        except yaml.YAMLError:
            pass
        return found

    def _text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    def _content_above(self, line: int) -> int | None:
        for i in range(min(line, len(self.lines)) - 1, -1, -1):
            if _code(self.lines[i]).strip():
                return i
        return None

    def _content_below(self, line: int) -> int | None:
        for i in range(line + 1, len(self.lines)):
            if _code(self.lines[i]).strip():
                return i
        return None

    def _key_column(self, line: int) -> int:
        return len(_LEAD.match(self._text(line)).group(0))  # type: ignore[union-attr]

    def _section(self, last: int, column: int) -> tuple[int, int | None]:
        """(first line, parent line) of the run of lines at `column` or deeper ending at
        `last`."""
        start = last
        for i in range(last - 1, -1, -1):
            if not _code(self.lines[i]).strip():
                continue
            if self._key_column(i) < column:
                return start, i
            start = i
        return start, None

    def _usual_step(self, skip: int) -> int | None:
        """How far this file usually indents the first line under a `key:` line, for lines
        of the same kind (key or list item) as `skip`, not counting `skip` itself."""
        dash = self._text(skip).lstrip().startswith("-")
        steps: Counter[int] = Counter()
        previous: int | None = None
        for i, raw in enumerate(self.lines):
            if not _code(raw).strip():
                continue
            if (
                previous is not None
                and i != skip
                and _code(self.lines[previous]).rstrip().endswith(":")
                and raw.lstrip().startswith("-") == dash
            ):
                steps[self._key_column(i) - self._key_column(previous)] += 1
            previous = i
        return steps.most_common(1)[0][0] if steps else None


_NO_COLON = "this key has no colon after it (write `key: value`, or `key:` before a section)"
_DEEPER = "this line is indented more than the key above it expects"


def _code(line: str) -> str:
    """The line without its comment (a # at the start or after a space)."""
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0]
