from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from bot.cli import PASSPHRASE_ENV
from bot.cli_args import _parser, parse_args

ROOT = Path(__file__).resolve().parents[2]
CONFIGURED = (
    "run",
    "check-config",
    "doctor",
    "export-keys",
    "import-keys",
    "purge",
    "reset-cross-signing",
)


def warmline(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_help_lists_every_subcommand():
    out = warmline("--help").stdout
    for name in ("run", "check-config", "demo", "keygen", "purge"):
        assert name in out


def test_keygen_prints_64_hex():
    key = warmline("keygen").stdout.strip()
    assert len(key) == 64 and int(key, 16) >= 0


def test_check_config_refuses_the_example_values_as_run_does():
    lines = (ROOT / "config.example.yaml").read_text().splitlines()
    homeserver = next(i for i, t in enumerate(lines, 1) if t.startswith("  homeserver:"))
    for argv in (
        ["check-config", "config.example.yaml"],
        ["run", "--config", "config.example.yaml"],
    ):
        result = warmline(*argv)
        assert result.returncode == 2, result.stderr
        assert (
            f"config.example.yaml:{homeserver}: matrix.homeserver: still holds the "
            "documentation's example value" in result.stderr
        )
        assert "no store key" in result.stderr and "Traceback" not in result.stderr


def test_check_config_lists_every_problem_and_exits_2(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("matrix:\n  user_id: 42\nstore: {}\n")
    result = warmline("check-config", str(bad))
    assert result.returncode == 2
    assert "matrix.user_id: expected a Matrix ID like @name:server, got 42" in result.stderr
    assert "matrix.homeserver: required key is missing" in result.stderr
    assert "store.path: required key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_explains_a_missing_store_key(tmp_path: Path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "matrix:\n  homeserver: http://127.0.0.1:9\n  user_id: '@b:hs.test'\n"
        f"store:\n  path: {tmp_path / 'data'}\n"
    )
    result = warmline("run", "--config", str(cfg), env={"PATH": "/usr/bin"})
    assert result.returncode == 2  # a key to give, not a failure a restart could mend
    assert "no store key" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_purge_runs_the_retention_policy_and_explains_a_running_bot(tmp_path: Path):
    import os

    from store import Store
    from store.secret import parse

    key = "12" * 32
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "matrix:\n  homeserver: http://127.0.0.1:9\n  user_id: '@b:hs.test'\n"
        f"store:\n  path: {tmp_path / 'data'}\n"
    )
    env = {**os.environ, "WARMLINE_STORE_KEY": key}
    result = warmline("purge", "--config", str(cfg), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("purged: 0 closed request(s)")

    running = Store(tmp_path / "data", parse(key, "test"))  # holds the lock, as `run` does
    try:
        result = warmline("purge", "--config", str(cfg), env=env)
    finally:
        running.close()
    assert result.returncode == 1
    assert "already running" in result.stderr and "purges by itself" in result.stderr


def test_a_short_export_passphrase_is_refused_even_from_the_environment(tmp_path: Path):
    import os

    export = tmp_path / "keys.txt"
    env = {**os.environ, "WARMLINE_EXPORT_PASSPHRASE": "short"}
    result = warmline(
        "export-keys", "--config", "config.example.yaml", "--out", str(export), env=env
    )
    assert result.returncode == 2 and "at least 12 characters" in result.stderr  # fix what you gave
    assert not export.exists()


@pytest.mark.parametrize(
    "text",
    [
        "flood:\n  limit: !!int abc\n",
        "escalation:\n  ack_timeout: " + "9" * 400 + "s\n",
        "[" * 5000,
        "a0: &a0 [x, x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 40)),
        "escalation:\n    ack_timeout: 5m\n  give_up_after: 30m\n",
    ],
)
def test_a_hostile_file_is_exit_2_with_file_and_line_for_check_config_and_run(
    tmp_path: Path, text: str
):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    for argv in (["check-config", str(cfg)], ["run", "--config", str(cfg)]):
        result = warmline(*argv)
        assert result.returncode == 2, result.stderr
        assert f"  {cfg}:" in result.stderr and "Traceback" not in result.stderr


def test_check_config_says_ok_for_a_config_run_would_accept(tmp_path: Path):
    key = tmp_path / "store.key"
    key.write_text("12" * 32)
    key.chmod(0o600)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "matrix:\n  homeserver: http://127.0.0.1:9\n  user_id: '@b:hs.test'\n"
        "store:\n  path: data\n  key_file: store.key\n"
    )
    result = warmline("check-config", "--config", str(cfg), env={"PATH": "/usr/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{cfg}: OK")
    key.chmod(0o644)
    result = warmline("check-config", str(cfg), env={"PATH": "/usr/bin"})
    assert result.returncode == 2
    assert f"{cfg}:6: store.key_file {key} is readable by other users" in result.stderr


# -- the arguments ---------------------------------------------------------------------------
def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        parse_args(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


def test_every_command_that_reads_a_config_takes_config():
    for command in CONFIGURED:
        extra = ["--out", "k"] if command == "export-keys" else []
        extra += ["--in", "k"] if command == "import-keys" else []
        assert parse_args([command, "--config", "x.yaml", *extra]).config == "x.yaml"


def test_check_config_takes_the_file_either_way(capsys: pytest.CaptureFixture[str]):
    assert parse_args(["check-config", "x.yaml"]).config == "x.yaml"
    assert parse_args(["check-config", "--config", "x.yaml"]).config == "x.yaml"
    assert parse_args(["check-config", "x.yaml", "--config", "x.yaml"]).config == "x.yaml"
    assert "the file is missing" in usage_error(["check-config"], capsys)
    err = usage_error(["check-config", "a.yaml", "--config", "b.yaml"], capsys)
    assert "usage: warmline check-config" in err and "given twice" in err


@pytest.mark.parametrize(("command", "flag"), [("export-keys", "--out"), ("import-keys", "--in")])
def test_key_files_have_a_named_flag_and_keep_the_older_positional(
    command: str, flag: str, capsys: pytest.CaptureFixture[str]
):
    named = parse_args([command, "--config", "c.yaml", flag, "keys.txt"])
    older = parse_args([command, "keys.txt", "--config", "c.yaml"])
    assert named.keys == older.keys == "keys.txt" and named.config == "c.yaml"
    err = usage_error([command, "--config", "c.yaml"], capsys)
    assert f"the file is missing; write: warmline {command} {flag} PATH" in err
    assert "given twice" in usage_error([command, "a", flag, "b", "--config", "c"], capsys)
    assert "--config" in usage_error([command, flag, "k"], capsys)


def test_every_command_and_option_explains_itself():
    parser = _parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(commands.choices) == {*CONFIGURED, "demo", "keygen"}
    helps = {a.dest: a.help for a in commands._choices_actions}
    for name, sub in commands.choices.items():
        assert helps[name] and sub.description and "exit codes" in (sub.epilog or ""), name
        for action in sub._actions:
            assert action.help, (name, action.dest)
    export = commands.choices["export-keys"].description or ""
    assert PASSPHRASE_ENV in export


def test_version_is_printed(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as info:
        parse_args(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"warmline {metadata.version('warmline')}"


def test_the_readme_documents_the_exit_codes():
    readme = (ROOT / "README.md").read_text()
    for code, meaning in ((0, "done"), (1, "could not"), (2, "fix")):
        assert f"`{code}` {meaning}" in readme
