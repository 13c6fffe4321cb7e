"""Opening the one encrypted database: lock, key check, integrity check, migrations.

Everything warmline keeps lives in `<store.path>/warmline.db`, a SQLCipher 4 database (WAL,
synchronous=FULL). nio's crypto tables live in the same file (see `store.nio_store`).
Opening never writes a byte before the key has been proven right and the file intact.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import sqlcipher3

from store.migrations import MIGRATIONS, Migration
from store.secret import StoreSecret

DB_NAME = "warmline.db"


class StoreError(Exception):
    """The store cannot be used; the text is for the operator."""


class StoreWriteError(StoreError):
    """A write failed (disk full, I/O error); it was rolled back and nothing was half-written."""


def migrate(db: sqlcipher3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Brings the schema up to date, one transaction per step; returns the version now."""
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > len(migrations):
        raise StoreError(
            f"the store was written by a newer warmline (schema {version}, this one knows "
            f"{len(migrations)}); upgrade warmline instead of downgrading it"
        )
    for step in range(version, len(migrations)):
        with transaction(db):
            migrations[step](db)
            db.execute(f"PRAGMA user_version = {step + 1}")
    return len(migrations)


@contextlib.contextmanager
def transaction(db: sqlcipher3.Connection) -> Iterator[sqlcipher3.Connection]:
    """One atomic, durable write; a failure to write becomes StoreWriteError."""
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    except sqlcipher3.OperationalError as exc:
        raise StoreWriteError(
            f"cannot write the store ({exc}); is the disk full or read-only? Nothing was "
            "lost: the write was rolled back and will be tried again"
        ) from exc


def connect(path: Path, secret: StoreSecret) -> sqlcipher3.Connection:
    db = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA cipher_log_level = NONE")
    db.execute(f'PRAGMA key = "{secret.sqlcipher_key}"')
    return db


def _prove_key(db: sqlcipher3.Connection, secret: StoreSecret, path: Path) -> None:
    """Reads (never writes) until the key and every page's HMAC have been checked."""
    wrong = StoreError(
        f"the store key from {secret.source} does not open {path}: it is the wrong key, or "
        "the file is damaged or was tampered with. Nothing was changed. Use the key this "
        "store was created with."
    )
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        problems = db.execute("PRAGMA cipher_integrity_check").fetchall()
    except sqlcipher3.DatabaseError as exc:
        raise wrong from exc
    if problems:
        raise wrong


class StoreLock:
    """An exclusive advisory lock on the store directory itself (no lock file to write)."""

    def __init__(self, directory: Path) -> None:
        self._fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self._fd)
            raise StoreError(
                f"another warmline is already running on {directory}; two processes on one "
                "store would corrupt its encryption state"
            ) from exc

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


def open_database(directory: Path, secret: StoreSecret) -> tuple[sqlcipher3.Connection, StoreLock]:
    """Locks the directory, proves the key, migrates; creates the store on first use."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"store.path {directory}: cannot create it ({exc.strerror})") from exc
    lock = StoreLock(directory)
    path = directory / DB_NAME
    try:
        existed = path.exists()
        db = connect(path, secret)
        if existed:
            _prove_key(db, secret, path)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA secure_delete = ON")
            db.execute("PRAGMA busy_timeout = 5000")
            migrate(db)
        except sqlcipher3.OperationalError as exc:
            raise StoreError(f"{path}: cannot write the store ({exc})") from exc
        if not existed:
            os.chmod(path, 0o600)
    except BaseException:
        lock.release()
        raise
    return db, lock
