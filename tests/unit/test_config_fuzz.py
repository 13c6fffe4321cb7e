"""Generated hostile YAML and mutations of config.example.yaml thrown at the config loader
as the bot runs it (parsed in a thread under the PARSE_SECONDS time bound): it always returns
a config or a short list of problems with their lines, never raises, and never needs the time
bound (issue #10, section 4).

The parse time itself is bounded by construction (bot.yaml_nodes: size, depth, aliases and
the values they expand to) and printed, not asserted, by `python -m bench.config_load`.
A longer run:

    WARMLINE_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest -q tests/unit/test_config_fuzz.py
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Config, ConfigError, parse
from bot.config_file import off_the_loop
from bot.schema import SHOWN

EXAMPLE = (Path(__file__).resolve().parents[2] / "config.example.yaml").read_text()
EXAMPLES = int(os.environ.get("WARMLINE_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 1000,  # the normal suite is repeatable; a long run explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Pieces of YAML that make parsers and converters stumble.
PIECES = [
    "[",
    "]",
    "{",
    "}",
    ":",
    ": ",
    ", ",
    "- ",
    "? ",
    "|",
    ">-",
    "'",
    '"',
    "#",
    "\n",
    "  ",
    "\t",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!timestamp ",
    "!!binary ",
    "!!str ",
    "!!null ",
    "!!set ",
    "!!omap ",
    "!!python/object/apply:os.system ",
    "!local ",
    "!<tag:x> ",
    "9" * 50,
    "9" * 5000,
    "1e400",
    "-0",
    "0x1F",
    "0o17",
    ".inf",
    ".NaN",
    "~",
    "null",
    "yes",
    "maybe",
    "2026-13-45",
    "12:30:00",
    "matrix",
    "store",
    "path",
    "limit",
    "ack_timeout",
    "999999999d",
    "5m",
    "@a:b.c",
    "#r:b.c",
    "\x00",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ud7ff",
    "é",
    "ق",
]
KEYS = [
    "matrix",
    "store",
    "roster",
    "supporters",
    "shifts",
    "messages",
    "en",
    "ar",
    "flood",
    "limit",
    "escalation",
    "ack_timeout",
    "schedules",
    "cron",
    "name",
    "user_id",
    "<<",
]

soup = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=80).map("".join)


@st.composite
def mutated_example(draw: st.DrawFn) -> str:
    """config.example.yaml with a few edits: pieces inserted, spans cut, lines moved,
    indentation changed."""
    lines = EXAMPLE.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["insert", "cut", "indent", "dedent", "copy", "swap"]))
        line = lines[i]
        if edit == "insert":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(PIECES)) + line[at:]
        elif edit == "cut" and line:
            at = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:at] + line[at + draw(st.integers(1, 6)) :]
        elif edit == "indent":
            lines[i] = " " * draw(st.integers(1, 4)) + line
        elif edit == "dedent":
            lines[i] = line[draw(st.integers(1, 4)) :] if line.startswith(" ") else line
        elif edit == "copy":
            lines.insert(draw(st.integers(0, len(lines))), line)
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["5m", "366d", "0s", "UTC", "Mars/Olympus", "@a:b.c", "0 18 * * fri"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


@st.composite
def reshaped_example(draw: st.DrawFn) -> str:
    """Valid YAML with config.example.yaml's shape and values replaced anywhere in it."""
    data = yaml.safe_load(EXAMPLE)

    def walk(node: object) -> object:
        if draw(st.integers(0, 9)) == 0:
            return draw(values)
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return yaml.safe_dump(walk(data), allow_unicode=True)


def assert_config_or_few_problems(text: str) -> None:
    try:
        assert isinstance(asyncio.run(off_the_loop(parse, text, "c.yaml")), Config)
    except ConfigError as exc:
        assert "took longer than" not in str(exc)  # the time bound never had to act
        assert 1 <= len(exc.problems) <= SHOWN + 1 and exc.count >= len(exc.problems)
        for problem in exc.problems:
            assert problem.line is None or problem.line >= 1
            assert len(problem.path) <= 200 and len(problem.message) <= 400, problem


@FUZZ
@given(soup)
def test_generated_yaml_never_escapes_the_loader(text: str):
    assert_config_or_few_problems(text)


@FUZZ
@given(mutated_example())
def test_mutations_of_the_example_never_escape_the_loader(text: str):
    assert_config_or_few_problems(text)


@FUZZ
@given(reshaped_example())
def test_any_value_anywhere_in_the_example_never_escapes_the_loader(text: str):
    assert_config_or_few_problems(text)
