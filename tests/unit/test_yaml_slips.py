"""The common YAML slips, made in config.example.yaml the way a person makes them, are
reported at the line to fix, in plain words (issue #17, item 4)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.config import ConfigError, parse

EXAMPLE = (Path(__file__).resolve().parents[2] / "config.example.yaml").read_text().split("\n")
DEEPER = "this line is indented more than the key above it expects"
NO_COLON = "this key has no colon after it"
TAB = "this line has a tab"
QUOTE = "this quote is not closed on its line"


def line_of(start: str) -> int:
    """The 1-based line of config.example.yaml that starts with `start` (only one does)."""
    (line,) = [i for i, t in enumerate(EXAMPLE, 1) if t.startswith(start)]
    return line


def slip(line: int, text: str) -> str:
    """config.example.yaml with its line `line` (1-based) replaced by `text`."""
    assert EXAMPLE[line - 1].strip(), "pick a line that holds something"
    lines = list(EXAMPLE)
    lines[line - 1] = text
    return "\n".join(lines)


def the_problem(text: str) -> tuple[int | None, str]:
    with pytest.raises(ConfigError) as info:
        parse(text, "config.yaml")
    (problem,) = info.value.problems
    return problem.line, problem.message


@pytest.mark.parametrize(
    ("start", "text", "words"),
    [
        # indentation: a line deeper than the key before it
        (
            "  give_up_after:",
            "    give_up_after: 30m",
            DEEPER,
        ),
        (
            "      pronouns:",
            "       pronouns: they/them",
            DEEPER,
        ),
        # the first line of a section deeper than the rest (PyYAML: the next line, or `matrix:`)
        (
            "  ack_timeout:",
            "    ack_timeout: 5m",
            DEEPER + " (line {below}, in the same section, is indented 2 ",
        ),
        ("  timezone: Europe/Berlin", "   timezone: Europe/Berlin", DEEPER),
        ("  - name: Rainbow Crisis Line", "   - name: Rainbow Crisis Line", DEEPER),
        ("  limit: 20", "     limit: 20", DEEPER),
        # a line between two levels
        (
            "  give_up_after:",
            " give_up_after: 30m",
            "this line is indented less than line {above} above it and more",
        ),
        (
            "      pronouns:",
            "     pronouns: they/them",
            "this line is indented less than line {above} above it",
        ),
        ("  window: 60s", " window: 60s", "this line is indented less than line {above} above it"),
        # a tab
        (
            "  ack_timeout:",
            "\tack_timeout: 5m",
            f"{TAB} (column 1)",
        ),
        (
            "  ack_timeout:",
            "  ack_timeout:\t5m",
            f"{TAB} (column 15)",
        ),
        (
            "  session_timeout:",
            "\t session_timeout: 24h",
            TAB,
        ),
        # a missing colon (PyYAML: the next line, or the first key of the next section)
        (
            "  ack_timeout:",
            "  ack_timeout 5m",
            NO_COLON,
        ),
        (
            "  give_up_after:",
            "  give_up_after 30m   # still nobody",
            NO_COLON,
        ),
        ("  timezone: Europe/Berlin", "  timezone Europe/Berlin", NO_COLON),
        ("matrix:", "matrix", NO_COLON),
        ("escalation:", "escalation", NO_COLON),
        (
            "      name:",
            "      name Sam",
            NO_COLON,
        ),
        (
            "  ack_timeout:",
            "  ack_timeout:5m",
            "put a space after the colon",
        ),
        (
            "    message:",
            "    message: Note: be kind",
            "this value holds ': '",
        ),
        (
            '    - user_id: "@sam:example.org"',
            '    -user_id: "@sam:example.org"',
            "put a space after the dash",
        ),
        # an unclosed quote (PyYAML: wherever the next quote happens to be)
        ('  user_id: "@warmline:example.org"', '  user_id: "@warmline:example.org', QUOTE),
        ('  user_id: "@warmline:example.org"', "  user_id: '@warmline:example.org", QUOTE),
        ('    contact: "+1-555-0100"', '    contact: "+1-555-0100', QUOTE),
        ("  listen: null               # e.g. 127.0.0.1:9464", '  listen: "127.0.0.1:9464', QUOTE),
        # an unclosed bracket
        (
            "      languages: [en, ar]",
            "      languages: [en, ar",
            "this [ is not closed on its line",
        ),
        ("    topics: [crisis]", "    topics: [crisis", "this [ is not closed on its line"),
        ("  allowed_servers: []", "  allowed_servers: [", "this [ is not closed on its line"),
        ("messages: {}", "messages: {", "this { is not closed on its line"),
        (
            "  listen: null               # e.g. 127.0.0.1:9464",
            "  listen: [127",
            "this [ is not closed on its line",
        ),
    ],
)
def test_a_slip_is_reported_at_its_own_line_in_plain_words(start: str, text: str, words: str):
    line = line_of(start)
    words = words.replace("{above}", str(line - 1)).replace("{below}", str(line + 1))
    found_line, message = the_problem(slip(line, text))
    assert (found_line, message[: len(words)]) == (line, words), message
    assert "<block" not in message and "scalar" not in message


def test_anything_else_keeps_pyyamls_words_at_its_line():
    found_line, message = the_problem("a: 1\n---\nb: 2\n")
    assert found_line == 2 and message.startswith("YAML cannot read this line (column 1): ")


def slips_of(line: str) -> dict[str, str]:
    """The slips a person makes on `line`, by name."""
    found = {
        "a tab first": "\t" + line.lstrip(),
        "one space more": " " + line,
        "two spaces more": "  " + line,
        "four spaces more": "    " + line,
    }
    if line.startswith("  "):
        found["one space less"] = line[1:]
    if line.startswith("    "):
        found["two spaces less"] = line[2:]
    if re.match(r"\s*(- )?[a-z_]+: \S", line):
        found["no colon"] = re.sub(r"([a-z_]+): ", r"\1 ", line, count=1)
        found["no space after the colon"] = re.sub(r"([a-z_]+): ", r"\1:", line, count=1)
    if "[" in line and "]" in line:
        found["no ]"] = line.replace("]", "")
    return found


CONTENT = [i for i, t in enumerate(EXAMPLE, 1) if t.strip() and not t.lstrip().startswith("#")]


@pytest.mark.parametrize("line", CONTENT)
def test_every_slip_on_every_line_of_the_example_is_reported_there(line: int):
    """Each slip either leaves valid YAML (then the config checks speak) or is reported at
    the line where it was made."""
    wrong: dict[str, object] = {}
    for name, text in slips_of(EXAMPLE[line - 1]).items():
        lines = list(EXAMPLE)
        lines[line - 1] = text
        try:
            yaml.compose("\n".join(lines), Loader=yaml.SafeLoader)
            continue  # still YAML: another meaning, not a syntax error
        except yaml.YAMLError:
            pass
        found_line, message = the_problem("\n".join(lines))
        if found_line != line:
            wrong[name] = (found_line, message)
    assert wrong == {}
