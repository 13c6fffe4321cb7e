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
    ("line", "text", "words"),
    [
        # indentation: a line deeper than the key before it
        (79, "    give_up_after: 30m", DEEPER),
        (66, "       pronouns: they/them", DEEPER),
        # the first line of a section deeper than the rest (PyYAML: the next line, or line 12)
        (78, "    ack_timeout: 5m", f"{DEEPER} (line 79, in the same section, is indented 2 "),
        (62, "   timezone: Europe/Berlin", DEEPER),
        (89, "   - name: Rainbow Crisis Line", DEEPER),
        (127, "     limit: 20", DEEPER),
        # a line between two levels
        (79, " give_up_after: 30m", "this line is indented less than line 78 above it and more"),
        (66, "     pronouns: they/them", "this line is indented less than line 65 above it"),
        (128, " window: 60s", "this line is indented less than line 127 above it"),
        # a tab
        (78, "\tack_timeout: 5m", f"{TAB} (column 1)"),
        (78, "  ack_timeout:\t5m", f"{TAB} (column 15)"),
        (84, "\t session_timeout: 24h", TAB),
        # a missing colon (PyYAML: the next line, or the first key of the next section)
        (78, "  ack_timeout 5m", NO_COLON),
        (79, "  give_up_after 30m   # still nobody", NO_COLON),
        (62, "  timezone Europe/Berlin", NO_COLON),
        (12, "matrix", NO_COLON),
        (77, "escalation", NO_COLON),
        (65, "      name Sam", NO_COLON),
        (78, "  ack_timeout:5m", "put a space after the colon"),
        (114, "    message: Note: be kind", "this value holds ': '"),
        (64, '    -user_id: "@sam:example.org"', "put a space after the dash"),
        # an unclosed quote (PyYAML: wherever the next quote happens to be)
        (16, '  user_id: "@warmline:example.org', QUOTE),
        (16, "  user_id: '@warmline:example.org", QUOTE),
        (90, '    contact: "+1-555-0100', QUOTE),
        (140, '  listen: "127.0.0.1:9464', QUOTE),
        # an unclosed bracket
        (67, "      languages: [en, ar", "this [ is not closed on its line"),
        (92, "    topics: [crisis", "this [ is not closed on its line"),
        (21, "  allowed_servers: [", "this [ is not closed on its line"),
        (102, "messages: {", "this { is not closed on its line"),
        (140, "  listen: [127", "this [ is not closed on its line"),
    ],
)
def test_a_slip_is_reported_at_its_own_line_in_plain_words(line: int, text: str, words: str):
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
