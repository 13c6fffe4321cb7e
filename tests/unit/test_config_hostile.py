"""Hostile and mistaken config files get problems with file, line and key, never an
exception: tags that cannot hold their value, huge numbers, deep nesting, alias bombs,
oversized and odd files (issue #10, section 4)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bot import config_file
from bot.config import ConfigError, load_config, parse
from bot.schema import SHOWN
from bot.staffing import parse_oncall
from bot.yaml_nodes import MAX_ALIASES, MAX_BYTES
from tests.support.configs import GOOD


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(text, "c.yaml")
    return [p.render("c.yaml") for p in info.value.problems]


def alias_bomb(levels: int, width: int) -> str:
    """`a1` repeats `a0` `width` times, `a2` repeats `a1`, …: width**levels values."""
    lines = ["a0: &a0 [lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD + "flood:\n  limit: !!int abc\n",
            "c.yaml:7: flood.limit: expected a whole number from 1 to 1,000,000, got abc",
        ),
        (
            GOOD + "privacy:\n  retention: !!float abc\n",
            "c.yaml:7: privacy.retention: expected a duration like 30s, 5m, 2h or 1d, got abc",
        ),
        (
            GOOD + "handoff:\n  bot_stays: !!bool maybe\n",
            "c.yaml:7: handoff.bot_stays: maybe is not a valid !!bool",
        ),
        (
            GOOD + "handoff:\n  bot_stays: !!timestamp nope\n",
            "c.yaml:7: handoff.bot_stays: nope is not a valid !!timestamp",
        ),
        (
            GOOD + "roster:\n  supporters:\n    - {user_id: '@a:b.c', name: A, tier: !!int x}\n",
            "c.yaml:8: roster.supporters[0].tier: x is not a valid !!int",
        ),
        (
            GOOD + "flood:\n  limit: " + "9" * 5000 + "\n",
            "c.yaml:7: flood.limit: expected a whole number from 1 to 1,000,000, got 99999",
        ),
        (
            GOOD + "escalation:\n  ack_timeout: " + "9" * 400 + "s\n",
            "c.yaml:7: escalation.ack_timeout: expected a duration like 30s, 5m, 2h or 1d "
            "(at most 365d), got '9999",
        ),
        (
            GOOD + "escalation:\n  give_up_after: 366d\n",
            "c.yaml:7: escalation.give_up_after: expected a duration like 30s, 5m, 2h or 1d "
            "(at most 365d), got '366d'",
        ),
        (
            GOOD.replace("@warmline:queer.example", "@" + "a" * 300 + ":queer.example"),
            "c.yaml:3: matrix.user_id: expected a Matrix ID like @name:server, got '@aaaa",
        ),
        (
            GOOD.replace("https://matrix.queer.example", "a" * 256),
            "c.yaml:2: matrix.homeserver: expected a server name like example.org or a URL",
        ),
        ("[" * 5000, "c.yaml:1: values nest more than 40 levels deep here; warmline refuses"),
        (
            alias_bomb(30, 2),
            "c.yaml:14: the file holds more than 50,000 values (counting what its aliases "
            "repeat); warmline refuses such files",
        ),
        (GOOD + "x: &a [*a]\n", "c.yaml:6: the alias *a is inside the value it names"),
        (
            GOOD + "a: &a 1\n" + "b: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n",
            f"c.yaml:7: more than {MAX_ALIASES} aliases (*name); warmline refuses such files",
        ),
        (
            GOOD + "  ? [a, b]\n  : c\n",
            "c.yaml:6: store: a key must be plain text, not a list or mapping",
        ),
        (
            GOOD + "logging: !!set {a, b}\n",
            "c.yaml:6: logging: the YAML tag !!set is not allowed here",
        ),
        (
            GOOD.replace("./data", "!!binary '%%%'"),
            "c.yaml:5: store.path: expected non-empty text",
        ),
        ("a: 1\nb: \x00", "c.yaml:2: this line holds a character YAML does not allow (U+0000)"),
        ("a: 1\n---\nb: 2\n", "c.yaml:2: YAML cannot read this line"),
    ],
)
def test_a_hostile_value_is_a_problem_at_its_line(text: str, expected: str):
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_a_15_kib_alias_file_is_refused_at_once():
    text = alias_bomb(400, 5)
    assert len(text) > 15 * 1024
    (found,) = problems(text)
    assert "more than 50,000 values" in found


def test_values_quoted_back_are_clipped():
    huge = "x" * 100_000
    (found,) = problems(GOOD.replace("https://matrix.queer.example", huge))
    assert len(found) < 300 and found.endswith("…'")
    (found,) = problems(GOOD + f"{huge}: 1\n")
    assert len(found) < 400


def test_the_problem_list_stops_at_twenty_and_counts_the_rest():
    text = GOOD + "".join(f"unknown{i}: 1\n" for i in range(57))
    with pytest.raises(ConfigError) as info:
        parse(text, "c.yaml")
    rendered = [p.render("c.yaml") for p in info.value.problems]
    assert len(rendered) == SHOWN + 1 and info.value.count == 57
    assert rendered[0].startswith("c.yaml:6: unknown0: unknown key")
    assert rendered[-1] == "c.yaml: and 37 more problems"


async def test_a_file_over_a_mebibyte_is_refused_unread(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_text(GOOD + "# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(ConfigError) as info:
        await load_config(big)
    assert str(info.value) == f"{big}: is larger than 1024 KiB; a config is a few KiB"


async def test_only_a_regular_file_is_read(tmp_path: Path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    with pytest.raises(ConfigError) as info:
        await load_config(fifo)
    assert str(info.value) == f"{fifo}: is not a regular file"
    with pytest.raises(ConfigError) as info:
        await load_config(tmp_path)
    assert "is not a regular file" in str(info.value)


async def test_text_that_is_not_utf8_is_a_problem(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.encode() + "name: Zoë\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        await load_config(path)


@pytest.mark.parametrize("duration", ["9" * 400 + "h", "9999d", "99999999999999999999999s"])
def test_oncall_with_an_absurd_duration_gets_the_usage_line(duration: str):
    assert parse_oncall(f"on {duration}") is None


def test_oncall_durations_within_bounds_still_parse():
    args = parse_oncall("Sam on 2h")
    assert args is not None and args.target == "Sam" and args.seconds == 7200
    long = parse_oncall("on 200h")  # beyond !oncall's own limit: it says so itself
    assert long is not None and long.seconds == 720_000


async def test_a_parse_over_the_time_bound_is_a_problem_and_the_loop_goes_on(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(config_file, "PARSE_SECONDS", 0.05)
    release = threading.Event()

    def stuck(text: str, source: str) -> None:
        release.wait(10)

    try:
        with pytest.raises(ConfigError, match=r"c\.yaml: reading it took longer than"):
            await config_file.off_the_loop(stuck, "", "c.yaml")
    finally:
        release.set()
