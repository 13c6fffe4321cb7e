from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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


def test_check_config_example_passes_with_a_warning():
    result = warmline("check-config", "config.example.yaml")
    assert result.returncode == 0
    assert "must be edited" in result.stdout


def test_check_config_lists_every_problem_and_exits_2(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("matrix:\n  user_id: 42\nstore: {}\n")
    result = warmline("check-config", str(bad))
    assert result.returncode == 2
    assert "matrix.user_id: expected a Matrix ID like @name:server, got 42" in result.stderr
    assert "matrix.homeserver: required key is missing" in result.stderr
    assert "store.path: required key is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_refuses_example_values():
    result = warmline("run", "--config", "config.example.yaml")
    assert result.returncode == 2
    assert "edit the example values first" in result.stderr


def test_run_explains_a_missing_store_key(tmp_path: Path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "matrix:\n  homeserver: http://127.0.0.1:9\n  user_id: '@b:hs.test'\n"
        f"store:\n  path: {tmp_path / 'data'}\n"
    )
    result = warmline("run", "--config", str(cfg), env={"PATH": "/usr/bin"})
    assert result.returncode == 1
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
    result = warmline("export-keys", str(export), "--config", "config.example.yaml", env=env)
    assert result.returncode == 1 and "at least 12 characters" in result.stderr
    assert not export.exists()
