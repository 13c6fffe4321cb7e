"""YAML → frozen dataclasses, collecting every problem with its key path and line.

The YAML is composed into nodes (which keep their line numbers) within bounds a hostile file
cannot stretch (bot.yaml_nodes), syntax errors are said in plain words (bot.yaml_slips), and
each node is converted against the type hints of the target dataclass. A field's type says what
is accepted: str, int, bool, float, Literal[...], tuple[T, ...], T | None, T | Section (a
mapping is read as the Section), another dataclass, or Annotated[base, Check(...)] for a value
with its own rule. Adding a config section is adding a dataclass and one field.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Union

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.yaml_nodes import UNREADABLE, Refused, clip, compose, describe, plain_tag, tag
from bot.yaml_slips import explain

SHOWN = 20  # problems listed; the rest are counted ("and 37 more")


@dataclass(frozen=True)
class Problem:
    path: str  # dotted key path, "" for the whole file
    line: int | None  # 1-based
    message: str

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        key = f" {self.path}:" if self.path else ""
        return f"{where}:{key} {self.message}"


@dataclass(frozen=True)
class Check:
    """A rule for a scalar: `convert` returns the value or raises ValueError; `expected` says
    in words what is accepted ("a Matrix ID like @name:server")."""

    expected: str
    convert: Callable[[Any], Any]
    source: type = str  # what the YAML must hold before `convert` (e.g. text for a Duration)


@dataclass(frozen=True)
class Result:
    value: Any | None  # None when there are problems
    problems: list[Problem]  # at most SHOWN, then one "and N more"
    lines: dict[str, int]  # dotted key path → line of its value (for later checks' problems)
    count: int  # problems found, shown or not


class _Invalid(Exception):
    pass


class Converter:
    def __init__(self) -> None:
        self.problems: list[Problem] = []  # the first SHOWN
        self.count = 0  # all of them
        self.lines: dict[str, int] = {}
        self._constructor = yaml.SafeLoader("")

    def fail(self, path: str, node: Node | None, message: str) -> _Invalid:
        line = node.start_mark.line + 1 if node is not None else None
        self.count += 1
        if len(self.problems) < SHOWN:
            self.problems.append(Problem(path, line, clip(message, 300)))
        return _Invalid()

    def shown(self) -> list[Problem]:
        more = self.count - len(self.problems)
        if not more:
            return self.problems
        return [*self.problems, Problem("", None, f"and {more} more problem{'s' * (more > 1)}")]

    def _expected(self, path: str, node: Node, what: str) -> _Invalid:
        return self.fail(path, node, f"expected {what}, got {describe(node)}")

    def _scalar(self, node: ScalarNode, path: str) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except UNREADABLE:
            raise self.fail(path, node, f"{describe(node)} is not a valid {tag(node)}") from None

    def _bad_tag(self, path: str, node: Node) -> _Invalid:
        return self.fail(path, node, f"the YAML tag {tag(node)} is not allowed here")

    def _key(self, path: str, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise self.fail(path, node, "a key must be plain text, not a list or mapping")
        return clip(str(node.value), 40)

    def convert(self, tp: Any, node: Node, path: str) -> Any:
        if not plain_tag(node):  # !!python/…, !!set, a tag of one's own
            raise self._bad_tag(path, node)
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            _, *meta = typing.get_args(tp)
            check = next(m for m in meta if isinstance(m, Check))
            shown, count = len(self.problems), self.count
            try:
                value = self.convert(check.source, node, path)
            except _Invalid:
                del self.problems[shown:]  # say it in the check's words instead
                self.count = count
                raise self._expected(path, node, check.expected) from None
            try:
                return check.convert(value)
            except ValueError as exc:
                detail = f" ({exc})" if str(exc) else ""
                raise self._expected(path, node, check.expected + detail) from None
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
                return None
            # `text | Section`: a mapping is read as the section, anything else as the first
            mapped = [a for a in args if dataclasses.is_dataclass(a)]
            if isinstance(node, MappingNode) and mapped:
                return self.convert(mapped[0], node, path)
            return self.convert(args[0], node, path)
        if origin is Literal:
            choices = typing.get_args(tp)
            value = self._scalar(node, path) if isinstance(node, ScalarNode) else None
            if value not in choices:
                listed = ", ".join(str(c) for c in choices)
                raise self._expected(path, node, f"one of {listed}")
            return value
        if origin is dict:
            value_type = typing.get_args(tp)[1]
            if not isinstance(node, MappingNode):
                raise self._expected(path, node, "a mapping of keys to values")
            out, failed = {}, False
            for key_node, value_node in node.value:
                try:
                    key = self._key(path, key_node)
                    out[key] = self.convert(value_type, value_node, f"{path}.{key}")
                except _Invalid:
                    failed = True
            if failed:
                raise _Invalid()
            return out
        if origin is tuple:
            item_type = typing.get_args(tp)[0]
            if not isinstance(node, SequenceNode):
                raise self._expected(path, node, "a list")
            items, failed = [], False
            for i, child in enumerate(node.value):
                self.lines[f"{path}[{i}]"] = child.start_mark.line + 1
                try:
                    items.append(self.convert(item_type, child, f"{path}[{i}]"))
                except _Invalid:
                    failed = True
            if failed:
                raise _Invalid()
            return tuple(items)
        if dataclasses.is_dataclass(tp):
            return self.dataclass(tp, node, path)
        return self._plain(tp, node, path)

    def _plain(self, tp: type, node: Node, path: str) -> Any:
        names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
        if not isinstance(node, ScalarNode):
            raise self._expected(path, node, names.get(tp, tp.__name__))
        value = self._scalar(node, path)
        if tp is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if type(value) is not tp:
            raise self._expected(path, node, names.get(tp, tp.__name__))
        return value

    def dataclass(self, cls: Any, node: Node, path: str) -> Any:
        if not isinstance(node, MappingNode):
            raise self._expected(path or "(top level)", node, "a mapping of keys to values")
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        values: dict[str, Any] = {}
        seen: set[str] = set()
        failed = False
        for key_node, value_node in node.value:
            try:
                key = self._key(path, key_node)
            except _Invalid:
                failed = True
                continue
            sub = f"{path}.{key}" if path else key
            if key not in fields:
                known = ", ".join(fields)
                self.fail(sub, key_node, f"unknown key (expected one of: {known})")
                failed = True
                continue
            if key in seen:
                self.fail(sub, key_node, "appears twice")
                failed = True
                continue
            seen.add(key)
            self.lines[sub] = value_node.start_mark.line + 1
            try:
                values[key] = self.convert(hints[key], value_node, sub)
            except _Invalid:
                failed = True
        for name, f in fields.items():
            no_default = (
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            )
            if name not in seen and no_default:
                sub = f"{path}.{name}" if path else name
                self.fail(sub, node, "required key is missing")
                failed = True
        if failed:
            raise _Invalid()
        try:
            return cls(**values)
        except ValueError as exc:  # cross-field rules raised from __post_init__
            raise self.fail(path, node, str(exc)) from None


def load(cls: type, text: str) -> Result:
    """Parses YAML text into `cls`: the value, or every problem found (the first SHOWN).
    Never raises for anything the text holds."""
    try:
        node = compose(text)
    except Refused as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return _one(line, f"{exc.problem}; warmline refuses such files")
    except yaml.YAMLError as exc:
        return _one(*explain(exc, text))
    if node is None:
        return _one(None, "the file is empty")
    conv = Converter()
    try:
        value = conv.convert(cls, node, "")
    except _Invalid:
        return Result(None, conv.shown(), {}, conv.count)
    return Result(value, [], conv.lines, 0)


def _one(line: int | None, message: str) -> Result:
    return Result(None, [Problem("", line, clip(message, 300))], {}, 1)
