from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
from pathlib import Path

import pytest
from nio.crypto import OlmAccount

from store import Incoming, SecretError, Session, Store, StoreError, StoreWriteError
from store import db as dbmod
from store.migrations import MIGRATIONS, Migration
from store.nio_store import store_class
from store.secret import generate, load, parse

KEY = parse("ab" * 32, "test")


def incoming(event_id: str, body: str = "!help") -> Incoming:
    return Incoming(
        event_id, "!room:hs", "@alex:hs", None, "text", body, None, 1, True, 2, True, None
    )


def snapshot(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "data", KEY)
    yield s
    s.close()


def test_session_round_trip_and_repr_hides_token(store: Store):
    assert store.load_session() is None
    session = Session("https://hs", "@bot:hs", "DEVICE", "syt_secret_token")
    store.save_session(session)
    assert store.load_session() == session
    assert "syt_secret_token" not in repr(session)


def test_batch_is_kept_with_the_position_and_deduped(store: Store):
    assert store.sync_token() is None
    fresh = store.commit_batch("s1", [incoming("$a"), incoming("$b")])
    assert [e.event_id for e in fresh] == ["$a", "$b"]
    assert store.sync_token() == "s1"
    # the same batch again (replayed after a crash) adds nothing
    assert store.commit_batch("s1", [incoming("$a"), incoming("$b")]) == []
    store.mark_processed("$a")
    assert [e.event_id for e in store.pending()] == ["$b"]
    assert store.commit_batch("s2", [incoming("$a"), incoming("$c")]) == [incoming("$c")]
    assert [e.event_id for e in store.pending()] == ["$b", "$c"]


def test_pending_survives_reopen(tmp_path: Path):
    s = Store(tmp_path, KEY)
    s.commit_batch("s1", [incoming("$a", "é ✅ أحتاج")])
    s.close()
    s = Store(tmp_path, KEY)
    assert s.pending() == [incoming("$a", "é ✅ أحتاج")]
    s.close()


def test_old_processed_ids_are_forgotten(store: Store):
    store.commit_batch("s1", [incoming("$old"), incoming("$new")])
    store.mark_processed("$old", now=100)
    store.mark_processed("$new", now=10_000)
    from bot.config import Config, MatrixConfig, StoreConfig
    from bot.retention import purge

    config = Config(MatrixConfig("https://hs", "@bot:hs"), StoreConfig("x"))
    assert purge(store, config, now=5_000 + 7 * 86400).event_ids == 1
    # a forgotten id would be accepted again; a kept one is still deduped
    assert store.commit_batch("s2", [incoming("$new")]) == []


def test_wrong_key_is_refused_and_changes_nothing(tmp_path: Path):
    s = Store(tmp_path, KEY)
    s.save_session(Session("https://hs", "@bot:hs", "D", "t"))
    s.close()
    before = snapshot(tmp_path)
    with pytest.raises(StoreError, match="store key from WARMLINE_STORE_KEY does not open"):
        Store(tmp_path, parse("cd" * 32, "WARMLINE_STORE_KEY"))
    assert snapshot(tmp_path) == before


def test_tampered_file_is_refused(tmp_path: Path):
    s = Store(tmp_path, KEY)
    for i in range(50):
        s.commit_batch(f"s{i}", [incoming(f"$e{i}", "x" * 500)])
    s.close()
    path = tmp_path / dbmod.DB_NAME
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one bit, in a page the open itself would not read
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreError, match="damaged or was tampered with"):
        Store(tmp_path, KEY)


def test_second_instance_is_refused(store: Store):
    with pytest.raises(StoreError, match="already running"):
        Store(store.directory, KEY)


def test_store_files_are_private(store: Store):
    assert stat.S_IMODE(os.stat(store.directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_nothing_in_clear_on_disk(store: Store):
    store.save_session(Session("https://hs", "@bot:hs", "DEVICEID", "syt_token_value"))
    store.commit_batch("s1", [incoming("$event", "a private sentence")])
    for p in store.directory.iterdir():
        raw = p.read_bytes()
        for needle in (b"@alex:hs", b"!room:hs", b"private sentence", b"syt_token_value"):
            assert needle not in raw


def test_migrations_run_in_order_once(tmp_path: Path):
    conn = dbmod.connect(tmp_path / "m.db", KEY)
    calls: list[int] = []

    def step(n: int) -> Migration:
        def run(db) -> None:
            calls.append(n)
            db.execute(f"CREATE TABLE t{n} (x)")

        return run

    assert dbmod.migrate(conn, (step(1),)) == 1
    assert dbmod.migrate(conn, (step(1), step(2), step(3))) == 3
    assert dbmod.migrate(conn, (step(1), step(2), step(3))) == 3
    assert calls == [1, 2, 3]
    with pytest.raises(StoreError, match="newer warmline"):
        dbmod.migrate(conn, (step(1),))
    conn.close()


def test_failed_migration_leaves_the_previous_version(tmp_path: Path):
    conn = dbmod.connect(tmp_path / "m.db", KEY)

    def broken(db) -> None:
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        dbmod.migrate(conn, (broken,))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'half'").fetchone()
    conn.close()


@pytest.mark.parametrize(
    "bad", ["", "abc", "g" * 64, "ab" * 31, "ab" * 33, "correct horse battery"]
)
def test_secret_must_be_64_hex(bad: str):
    with pytest.raises(SecretError, match="64 hex characters"):
        parse(bad, "WARMLINE_STORE_KEY")


def test_generated_secret_parses_and_derived_keys_differ():
    key = parse(generate(), "x")
    assert len({key.sqlcipher_key, key.pickle_key, key.log_key.hex()}) == 3
    assert "x'" in key.sqlcipher_key and key.pickle_key != "DEFAULT_KEY"
    assert generate() not in repr(key)


async def test_key_file_must_be_private(tmp_path: Path):
    path = tmp_path / "store.key"
    path.write_text(generate() + "\n")
    path.chmod(0o644)
    with pytest.raises(SecretError, match="readable by other users"):
        await load(str(path), environ={})
    path.chmod(0o600)
    assert (await load(str(path), environ={})).source == str(path)


async def test_env_wins_and_missing_key_is_explained(tmp_path: Path):
    assert (await load(None, environ={"WARMLINE_STORE_KEY": generate()})).source == (
        "WARMLINE_STORE_KEY"
    )
    with pytest.raises(SecretError, match="no store key"):
        await load(None, environ={})


def test_full_disk_rolls_back_and_loses_nothing(store: Store):
    store.commit_batch("s1", [incoming("$a")])
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
    with pytest.raises(StoreWriteError, match="disk full"):
        store.commit_batch("s2", [incoming(f"$big{i}", "x" * 4000) for i in range(20)])
    assert store.sync_token() == "s1"
    assert [e.event_id for e in store.pending()] == ["$a"]
    store._db.execute("PRAGMA max_page_count = 1073741823")
    assert (
        len(store.commit_batch("s2", [incoming(f"$big{i}", "x" * 4000) for i in range(20)])) == 20
    )
    assert store.sync_token() == "s2"


def test_the_events_own_encryption_and_reply_survive_the_inbox(store: Store):
    plain = dataclasses.replace(incoming("$plain"), encrypted=False, reply_to="$quoted")
    store.commit_batch("s1", [incoming("$sealed"), plain])
    assert store.pending() == [incoming("$sealed"), plain]


def test_events_waiting_from_before_the_upgrade_are_encrypted_only_with_a_known_device(
    tmp_path: Path,
):
    directory = tmp_path / "data"
    directory.mkdir()
    conn = dbmod.connect(directory / dbmod.DB_NAME, KEY)
    dbmod.migrate(conn, MIGRATIONS[:10])  # the inbox as it was before its own flag
    for event_id, device in (("$decrypted", "PHONE"), ("$clear", None)):
        conn.execute(
            "INSERT INTO inbox (event_id, seq, room_id, sender, sender_device, kind, body, "
            "relates_to, origin_ts, room_encrypted, room_members) "
            "VALUES (?, 1, '!r', '@a:hs', ?, 'text', '!cancel', NULL, 1, 1, 2)",
            (event_id, device),
        )
    conn.close()
    s = Store(directory, KEY)
    try:
        flags = {e.event_id: (e.encrypted, e.reply_to) for e in s.pending()}
        assert flags == {"$decrypted": (True, None), "$clear": (False, None)}
    finally:
        s.close()


def test_nios_account_is_read_once_and_loaded_fresh(store: Store):
    nio_store = store_class(store.secret)("@bot:hs", "DEV", str(store.directory), "pickle")
    account = OlmAccount()
    nio_store.save_account(account)
    row = nio_store._get_account()
    assert row is not None and nio_store._get_account() is row  # one read, then kept
    account.shared = True  # the row is updated in place: its id is what the others use
    nio_store.save_account(account)
    loaded = nio_store.load_account()
    assert loaded is not None and loaded.shared
    assert nio_store._get_account().id == row.id
