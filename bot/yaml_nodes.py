"""YAML text → PyYAML nodes (which keep their line numbers), within bounds a hostile or
broken file cannot stretch: its size, how deep values nest, how many aliases it uses and how
many values those aliases expand to.

A warmline config is a few KiB with a handful of nested levels. Without these bounds a
15 KiB file of aliases ("billion laughs") expands to millions of values, `[` × 5,000
exhausts Python's recursion limit, and an alias inside its own anchor makes a cycle.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import Node, ScalarNode, SequenceNode

MAX_BYTES = 1 << 20  # 1 MiB
MAX_DEPTH = 40
MAX_ALIASES = 100
MAX_VALUES = 50_000  # every scalar, list and mapping, counting what each alias stands for


class Refused(yaml.MarkedYAMLError):
    """The file is beyond one of the bounds; `problem` says which, in plain words."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader's composer with the bounds counted as nodes are composed."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._aliases = 0
        self._values = 0
        self._expands: dict[str, int] = {}  # anchor → values an alias to it stands for
        self._open: set[str] = set()  # anchors whose value is still being read

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            return self._alias(event, parent, index)
        anchor: str | None = event.anchor if isinstance(event, NodeEvent) else None
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _refuse(f"values nest more than {MAX_DEPTH} levels deep here", event)
        before = self._values
        self._count(1, event)
        if anchor is not None:
            self._open.add(anchor)
        node = super().compose_node(parent, index)
        if anchor is not None:
            self._open.discard(anchor)
            self._expands[anchor] = self._values - before
        self._depth -= 1
        return node

    def _alias(self, event: Any, parent: Node | None, index: int) -> Node | None:
        self._aliases += 1
        if self._aliases > MAX_ALIASES:
            raise _refuse(f"more than {MAX_ALIASES} aliases (*name)", event)
        if event.anchor in self._open:
            raise _refuse(f"the alias *{event.anchor} is inside the value it names", event)
        self._count(self._expands.get(event.anchor, 1), event)  # undefined: PyYAML says so
        return super().compose_node(parent, index)

    def _count(self, values: int, event: Any) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            what = f"more than {MAX_VALUES:,} values (counting what its aliases repeat)"
            raise _refuse(f"the file holds {what}", event)


def _refuse(problem: str, event: Any) -> Refused:
    return Refused(problem=problem, problem_mark=event.start_mark if event else None)


def compose(text: str) -> Node | None:
    """The file's single document as nodes, or None if it is empty. Raises Refused beyond
    the bounds, and yaml.YAMLError for text that is not YAML."""
    if len(text) > MAX_BYTES:
        raise _refuse(f"the file is larger than {MAX_BYTES // 1024} KiB", None)
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


# -- what a node says, safely --------------------------------------------------------------
# What SafeLoader's constructor raises for a scalar its tag cannot hold (`!!int abc`,
# `!!bool maybe`, `!!timestamp nope`, an integer of more than 4,300 digits, …).
UNREADABLE = (yaml.YAMLError, ValueError, LookupError, AttributeError, TypeError, ArithmeticError)
_PLAIN = {
    f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "str", "timestamp", "binary")
}
_COLLECTIONS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def plain_tag(node: Node) -> bool:
    """The node is a plain scalar, list or mapping (no !!python/…, !!set or own tag)."""
    return node.tag in (_PLAIN if isinstance(node, ScalarNode) else _COLLECTIONS)


def tag(node: Node) -> str:
    return clip(node.tag.replace("tag:yaml.org,2002:", "!!"))


def clip(text: str, limit: int = 60) -> str:
    """`text`, cut to `limit` characters: what a problem quotes back stays short."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(node: Node) -> str:
    """The node's value as a problem quotes it back."""
    if isinstance(node, ScalarNode):
        if node.tag.endswith(":str"):
            return repr(clip(node.value))
        return clip(str(node.value)) if node.value != "" else "nothing"
    return "a list" if isinstance(node, SequenceNode) else "a mapping"
