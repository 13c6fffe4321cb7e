"""YAML → frozen dataclasses, collecting every problem with its key path and line.

The YAML is composed with PyYAML's SafeLoader into nodes (which keep their line numbers) and
each node is converted against the type hints of the target dataclass. A field's type says what
is accepted: str, int, bool, float, Literal[...], tuple[T, ...], T | None, another dataclass, or
Annotated[base, Check(...)] for a value with its own rule. Adding a config section is adding a
dataclass and one field.
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


class _Invalid(Exception):
    pass


def _describe(node: Node) -> str:
    if isinstance(node, ScalarNode):
        if node.tag.endswith(":str"):
            return repr(node.value)
        return str(node.value) if node.value != "" else "nothing"
    return "a list" if isinstance(node, SequenceNode) else "a mapping"


class Converter:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def fail(self, path: str, node: Node | None, message: str) -> _Invalid:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(path, line, message))
        return _Invalid()

    def _expected(self, path: str, node: Node, what: str) -> _Invalid:
        return self.fail(path, node, f"expected {what}, got {_describe(node)}")

    def _scalar(self, node: Node) -> Any:
        return self._constructor.construct_object(node, deep=True)

    def convert(self, tp: Any, node: Node, path: str) -> Any:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            _, *meta = typing.get_args(tp)
            check = next(m for m in meta if isinstance(m, Check))
            try:
                value = self.convert(check.source, node, path)
            except _Invalid:
                self.problems.pop()  # say it in the check's words instead
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
            return self.convert(args[0], node, path)
        if origin is Literal:
            choices = typing.get_args(tp)
            value = self._scalar(node) if isinstance(node, ScalarNode) else None
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
                key = str(key_node.value)
                try:
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
        value = self._scalar(node)
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
            key = str(key_node.value)
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


def load(cls: type, text: str) -> tuple[Any | None, list[Problem]]:
    """Parses YAML text into `cls`; returns (value or None, every problem found)."""
    conv = Converter()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        parts: list[str] = []
        line: int | None = None
        for what, mark in ((exc.context, exc.context_mark), (exc.problem, exc.problem_mark)):
            if what and mark:
                line = line or mark.line + 1
                parts.append(f"{what} (line {mark.line + 1}, column {mark.column + 1})")
        return None, [Problem("", line, "YAML syntax error: " + ", ".join(parts))]
    except yaml.YAMLError as exc:
        return None, [Problem("", None, f"YAML error: {exc}")]
    if node is None:
        return None, [Problem("", None, "the file is empty")]
    try:
        value = conv.dataclass(cls, node, "")
    except _Invalid:
        return None, conv.problems
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return None, [Problem("", line, f"YAML error: {exc.problem}")]
    return value, conv.problems
