"""The rooms' state kept with the sync position (issue #16): round trip, what drops rows, and
a crash at every statement of a batch's commit never leaves a position newer than the state."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlcipher3
from nio.crypto import DeviceStore, OlmAccount, OlmDevice, TrustState
from nio.store import SqliteStore

from store import Incoming, Session, Store, StoreWriteError
from store.db import migrate
from store.migrations import MIGRATIONS
from store.nio_store import store_class
from store.records import RoomChanges
from store.secret import parse

KEY = parse("cd" * 32, "test")
EVERYONE = RoomChanges({"!a:hs": "A1", "!b:hs": "B1"}, frozenset(), complete=True)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "data", KEY)
    yield s
    s.close()


def test_kept_with_the_position_and_changed_by_each_batch(store: Store):
    assert store.room_states() is None  # no position yet: a full-state sync
    store.commit_batch("s1", [], EVERYONE)
    assert store.room_states() == {"!a:hs": "A1", "!b:hs": "B1"}
    store.commit_batch("s2", [], RoomChanges({"!a:hs": "A2", "!c:hs": "C1"}, frozenset({"!b:hs"})))
    assert store.room_states() == {"!a:hs": "A2", "!c:hs": "C1"}
    assert store.sync_token() == "s2"
    complete = RoomChanges({"!d:hs": "D1"}, frozenset(), complete=True)
    store.commit_batch("s3", [], complete)  # full state names every room: the rest goes
    assert store.room_states() == {"!d:hs": "D1"}


def test_a_batch_without_state_makes_the_next_start_sync_full_state(store: Store):
    store.commit_batch("s1", [], EVERYONE)
    store.commit_batch("s2", [])  # skipped past: what it changed is not in the rows
    assert store.room_states() is None
    store.commit_batch("s3", [], RoomChanges({"!a:hs": "A2"}, frozenset()))
    assert store.room_states() is None  # a batch's changes do not make the rows whole again
    store.commit_batch("s4", [], EVERYONE)
    assert store.room_states() is not None


def test_a_new_login_and_a_forgotten_room_drop_rows(store: Store):
    store.commit_batch("s1", [], EVERYONE)
    store.drop_room_state("!a:hs")
    assert store.room_states() == {"!b:hs": "B1"}
    store.save_session(Session("https://hs", "@bot:hs", "NEWDEVICE", "token"))
    assert store.room_states() is None and store.room_state_count() == 0


def rows_written(store: Store, batch: str, rooms: RoomChanges) -> int:
    """How many rows a commit of `rooms` changed, the position's included."""
    before = store._db.total_changes
    store.commit_batch(batch, [], rooms)
    return store._db.total_changes - before


def test_a_room_whose_state_did_not_change_is_not_written_again(tmp_path: Path):
    """Issue #16: a batch of messages changes no room's state; each room it touched was
    written again (in every burst, and for every room with news in a restart's first sync).
    The position is written with every batch."""
    store = Store(tmp_path / "data", KEY)
    assert rows_written(store, "s1", EVERYONE) == 3  # both rooms and the position
    same = RoomChanges({"!a:hs": "A1", "!b:hs": "B1"}, frozenset())
    assert rows_written(store, "s2", same) == 1 and store.sync_token() == "s2"
    assert rows_written(store, "s3", RoomChanges({"!a:hs": "A2", "!b:hs": "B1"}, frozenset())) == 2
    assert store.sync_token() == "s3"
    store.drop_room_state("!b:hs")  # forgotten: a later batch naming it writes it again
    assert rows_written(store, "s4", same) == 3
    assert store.room_states() == {"!a:hs": "A1", "!b:hs": "B1"}
    store.close()
    again = Store(tmp_path / "data", KEY)  # what the rows hold is known from reading them
    assert again.room_states() == {"!a:hs": "A1", "!b:hs": "B1"}
    assert rows_written(again, "s5", same) == 1
    event = Incoming("$e", "!a:hs", "@m:hs", "DEV", "text", "hi", None, 1, True, 2, True, None)
    again.commit_batch("s6", [event], same)  # an event is kept with its position
    assert again.sync_token() == "s6" and [e.event_id for e in again.pending()] == ["$e"]
    again.close()


def test_a_write_rolled_back_is_written_by_the_next_batch(store: Store):
    store.commit_batch("s1", [], EVERYONE)
    changed = RoomChanges({"!a:hs": "A2"}, frozenset())
    real = store._db

    class FailsAtThePosition:  # the transaction fails after the room's row was written
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.startswith("INSERT INTO sync_position"):
                raise sqlcipher3.OperationalError("disk I/O error")
            return real.execute(sql, *args)

    store._db = FailsAtThePosition()  # type: ignore[assignment]
    with pytest.raises(StoreWriteError):
        store.commit_batch("s2", [], changed)
    store._db = real
    assert store.room_states() == {"!a:hs": "A1", "!b:hs": "B1"}  # rolled back
    assert rows_written(store, "s2", changed) == 2  # the row and the position
    assert store.room_states() == {"!a:hs": "A2", "!b:hs": "B1"}


def test_a_store_from_before_syncs_full_state_once(tmp_path: Path):
    old = Store(tmp_path / "data", KEY)
    old._db.execute("DROP TABLE room_state")  # as version 15 left it
    old._db.execute("ALTER TABLE sync_position DROP COLUMN with_rooms")
    old._db.execute("INSERT INTO sync_position (id, next_batch) VALUES (1, 's9')")
    old._db.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
    assert migrate(old._db) == len(MIGRATIONS)
    assert old.sync_token() == "s9" and old.room_states() is None
    old.close()


CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from store import Store
    from store.records import RoomChanges
    from store.secret import parse

    store = Store(Path(sys.argv[1]), parse("cd" * 32, "test"))
    real, count, crash_at = store._db, [0], int(sys.argv[2])

    class Dying:
        def __getattr__(self, name):
            return getattr(real, name)

        def _step(self):
            count[0] += 1
            if count[0] == crash_at:
                os._exit(9)  # the process dies: no rollback, no close

        def execute(self, *args):
            self._step()
            return real.execute(*args)

        def executemany(self, *args):
            self._step()
            return real.executemany(*args)

    store._db = Dying()
    changes = RoomChanges({"!a:hs": "A2", "!c:hs": "C1"}, frozenset({"!b:hs"}))
    store.commit_batch("s2", [], changes)
    print(count[0])
    """
)


def test_a_crash_at_any_step_of_a_commit_leaves_state_and_position_together(tmp_path: Path):
    data = tmp_path / "data"
    before = {"!a:hs": "A1", "!b:hs": "B1"}
    after = {"!a:hs": "A2", "!c:hs": "C1"}
    crash_at, steps = 1, None
    while steps is None or crash_at <= steps:
        setup = Store(data, KEY)
        setup.commit_batch("s1", [], EVERYONE)
        setup.close()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(data), str(crash_at)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            steps = int(done.stdout)  # no crash: every statement ran
        reopened = Store(data, KEY)
        position, state = reopened.sync_token(), reopened.room_states()
        reopened.close()
        assert (position, state) in (("s1", before), ("s2", after)), crash_at
        if done.returncode != 0:
            assert (position, state) == ("s1", before), crash_at
        crash_at += 1
    assert steps is not None and steps >= 4


def test_device_keys_load_as_nio_loads_them(tmp_path: Path):
    """store.nio_store reads the device keys in three queries instead of two per device
    (issue #16: 11.8 s of a restart at 5,000 members); what it loads is what nio would."""
    store = Store(tmp_path / "data", KEY)
    nio_store = store_class(store.secret)("@bot:hs", "DEV", str(store.directory), "pickle")
    nio_store.save_account(OlmAccount())
    devices: dict[str, dict[str, OlmDevice]] = {}
    for n in range(30):
        user = f"@m{n % 12}:hs"
        keys = {"ed25519": f"ed{n}", "curve25519": f"cu{n}"}
        devices.setdefault(user, {})[f"D{n}"] = OlmDevice(user, f"D{n}", keys, f"name {n}")
    devices["@m0:hs"]["D0"].deleted = True
    nio_store.save_device_keys(devices)
    nio_store.verify_device(devices["@m1:hs"]["D1"])
    nio_store.blacklist_device(devices["@m2:hs"]["D2"])
    nio_store.ignore_device(devices["@m3:hs"]["D3"])

    def seen(loaded: DeviceStore) -> list[tuple[Any, ...]]:
        return sorted(
            (d.user_id, d.id, sorted(d.keys.items()), d.display_name, d.deleted, d.trust_state)
            for d in loaded
        )

    ours = seen(nio_store.load_device_keys())
    assert ours == seen(SqliteStore.load_device_keys(nio_store)) and len(ours) == 30
    assert {t for *_, t in ours} == {
        TrustState.unset,
        TrustState.verified,
        TrustState.blacklisted,
        TrustState.ignored,
    }
    store.close()


def test_trust_answers_from_memory_agree_with_the_rows(tmp_path: Path):
    """store.nio_store answers nio's is_device_verified/blacklisted/ignored from the device's
    trust state in memory (issue #16: two queries per device before each send); through
    every change of trust, and after loading the devices again, it answers as nio's own
    reading of the rows does."""
    store = Store(tmp_path / "data", KEY)
    nio_store = store_class(store.secret)("@bot:hs", "DEV", str(store.directory), "pickle")
    nio_store.save_account(OlmAccount())
    device = OlmDevice("@m:hs", "D", {"ed25519": "ed", "curve25519": "cu"})
    nio_store.save_device_keys({"@m:hs": {"D": device}})
    asked = ("is_device_verified", "is_device_blacklisted", "is_device_ignored")

    def agree(d: OlmDevice) -> tuple[bool, ...]:
        no_query = AssertionError("a trust answer read the database")
        with mock.patch.object(nio_store.database, "execute_sql", side_effect=no_query):
            ours = tuple(getattr(nio_store, name)(d) for name in asked)
        assert ours == tuple(getattr(SqliteStore, name)(nio_store, d) for name in asked)
        return ours

    assert agree(device) == (False, False, False)
    for change, expected in (
        ("verify_device", (True, False, False)),
        ("blacklist_device", (False, True, False)),
        ("unblacklist_device", (False, False, False)),
        ("ignore_device", (False, False, True)),
        ("unignore_device", (False, False, False)),
        ("verify_device", (True, False, False)),
    ):
        getattr(nio_store, change)(device)
        assert agree(device) == expected, change
    (loaded,) = list(nio_store.load_device_keys())
    assert agree(loaded) == (True, False, False)
    store.close()
