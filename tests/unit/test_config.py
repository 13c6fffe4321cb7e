from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, LeadShift, LimitsConfig, load_config, parse
from bot.preflight import example_values
from tests.support.configs import GOOD

ROOT = Path(__file__).resolve().parents[2]


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(text, "c.yaml")
    return [p.render("c.yaml") for p in info.value.problems]


def test_minimal_config_is_valid_with_defaults():
    cfg = parse(GOOD, "c.yaml")
    assert cfg.matrix.device_name == "warmline"
    assert cfg.matrix.allowed_servers == ()
    assert cfg.logging.level == "INFO"
    assert cfg.matrix.server_name == "queer.example"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace('"@warmline:queer.example"', "42"),
            ["c.yaml:3: matrix.user_id: expected a Matrix ID like @name:server, got 42"],
        ),
        (
            GOOD.replace('"@warmline:queer.example"', "warmline"),
            ["c.yaml:3: matrix.user_id: expected a Matrix ID like @name:server, got 'warmline'"],
        ),
        (
            GOOD.replace("https://matrix.queer.example", "ftp://matrix.queer.example"),
            [
                "c.yaml:2: matrix.homeserver: expected a server name like example.org or a URL "
                "like https://matrix.example.org, got 'ftp://matrix.queer.example'"
            ],
        ),
        (
            GOOD + "  colour: blue\n",
            ["c.yaml:6: store.colour: unknown key (expected one of: path, key_file)"],
        ),
        (
            GOOD.replace("  path: ./data\n", "  key_file: k\n"),
            ["c.yaml:5: store.path: required key is missing"],
        ),
        (
            GOOD + "logging:\n  level: LOUD\n",
            ["c.yaml:7: logging.level: expected one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'"],
        ),
        (
            GOOD.replace("matrix:\n", "matrix:\n  allowed_servers: [ok.example, 'bad server']\n"),
            [
                "c.yaml:2: matrix.allowed_servers[1]: expected a server name like example.org, "
                "got 'bad server'"
            ],
        ),
        (
            "matrix: [1, 2]\nstore: {path: x}\n",
            ["c.yaml:1: matrix: expected a mapping of keys to values, got a list"],
        ),
        ("", ["c.yaml: the file is empty"]),
        (
            'matrix:\n  homeserver: "unterminated\n',
            ["c.yaml:2: this quote is not closed on its line: end the value with the same quote"],
        ),
        (
            GOOD + "store:\n  path: again\n",
            ["c.yaml:6: store: appears twice"],
        ),
    ],
)
def test_bad_configs_name_line_key_and_expectation(text: str, expected: list[str]):
    assert problems(text) == expected


def test_every_problem_is_reported_in_one_pass():
    text = "matrix:\n  homeserver: 1\n  user_id: 2\n  extra: 3\nstore: {}\nsurprise: true\n"
    found = problems(text)
    assert len(found) == 5, found
    assert any("matrix.extra: unknown key" in p for p in found)
    assert any("store.path: required key is missing" in p for p in found)
    assert any("surprise: unknown key" in p for p in found)


def test_python_tags_are_refused_not_constructed():
    text = GOOD.replace("matrix:\n", "matrix:\n  device_name: !!python/name:os.system ''\n")
    assert problems(text) == [
        "c.yaml:2: matrix.device_name: the YAML tag !!python/name:os.system is not allowed here"
    ]


def test_example_file_is_valid_but_flagged():
    cfg = parse((ROOT / "config.example.yaml").read_text(), "config.example.yaml")
    assert example_values(cfg) == [
        "matrix.homeserver",
        "matrix.user_id",
        "rooms.supporters",
        "roster.supporters[0].user_id",
        "roster.supporters[1].user_id",
        "roster.supporters[2].user_id",
        "roster.organizers[0]",
        "resources[0].url",
        "schedules[0].room",
        "schedules[1].room",
    ]
    assert example_values(parse(GOOD, "c.yaml")) == []


def test_lead_shifts_trainees_limits_and_consent():
    cfg = parse((ROOT / "config.example.yaml").read_text(), "config.example.yaml")
    noor, alex = cfg.roster.supporters[1], cfg.roster.supporters[2]
    assert isinstance(noor.shifts[1], LeadShift) and noor.shifts[1].lead
    assert alex.role == "trainee"
    assert cfg.roster.limits == LimitsConfig(3, 10, 600.0)
    assert cfg.roster.supporters[0].cooldown == 600.0 and cfg.consent.timeout == 600.0
    text = GOOD + (
        "roster:\n  supporters:\n    - user_id: '@a:queer.example'\n      name: A\n"
        "      role: boss\n      shifts: [{shift: 'mon 25:00-26:00', lead: yes please}]\n"
        "consent:\n  timeout: soon\n"
    )
    found = problems(text)
    assert any("roster.supporters[0].role: expected one of supporter, trainee" in p for p in found)
    assert any("roster.supporters[0].shifts[0].shift: expected a shift" in p for p in found)
    assert any("roster.supporters[0].shifts[0].lead: expected true or false" in p for p in found)
    assert any("consent.timeout: expected a duration" in p for p in found)


async def test_relative_paths_are_taken_from_the_config_folder(tmp_path: Path):
    (tmp_path / "c.yaml").write_text(GOOD + "  key_file: secret.key\n")
    loaded = await load_config(tmp_path / "c.yaml")
    assert loaded.store_path() == (tmp_path / "data").resolve()
    assert loaded.key_file() == str((tmp_path / "secret.key").resolve())


async def test_missing_file_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError) as info:
        await load_config(tmp_path / "nope.yaml")
    assert "cannot read it" in str(info.value)


def test_invites_from_own_and_allowed_servers_only():
    cfg = parse(GOOD.replace("matrix:\n", "matrix:\n  allowed_servers: [friends.example]\n"), "c")
    assert cfg.matrix.may_invite("@a:queer.example")
    assert cfg.matrix.may_invite("@a:friends.example")
    assert not cfg.matrix.may_invite("@a:evil.example")
