"""The store: intention-named reads and writes over the encrypted database.

Only this package touches disk. Each write method is one transaction, committed durably
(WAL + synchronous=FULL) before it returns.

The rule for every side effect (issue #11). The process may die between any two lines, so
each step that talks to the homeserver is one of:
- recorded as intent before it happens, and completed idempotently after a crash: a handoff
  room's marker is stored before the room is made and kept in the room's state, so a restart
  finds the room instead of making a second (bot.handoffs); a room the bot must leave is
  promised here (`leaving`) in the same transaction as the step that calls for it, and
  crossed off only once the leave succeeded; a request saved but never paged has no
  `page_event`, and the restart (or the member's message, handled again) pages it;
- or harmless to repeat: messages that must go out once (the page, the introduction, "Sam is
  here for you") carry an idempotency key, the homeserver answers a repeated transaction
  with the event it already made; edits show the current state, so a repeat changes nothing;
  events are handled until marked processed (a repeat is answered from the stored state).
A record is written only after the effect it records (`introduced` once the introduction
went out), and field updates are compare-and-set on what they change (`update_request`),
never a rewrite of a whole row read earlier.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlcipher3

from store.db import DB_NAME, StoreLock, open_database, transaction
from store.identity import IdentityTables
from store.people import MemberTables
from store.records import (
    INBOX_COLUMNS,
    Incoming,
    KeptEvent,
    RoomChanges,
    Session,
)
from store.relay import RelayTables
from store.requests import RequestTables
from store.rooms import RoomStateTables
from store.safety import SafetyTables
from store.secret import StoreSecret
from store.staff import StaffTables
from store.support import SupportTables
from store.work import WorkTables

_INBOX_COLUMNS = ", ".join(INBOX_COLUMNS)
_INBOX_FLAGS = frozenset({"room_encrypted", "encrypted"})  # kept as 0/1


def _incoming(row: tuple[Any, ...]) -> Incoming:
    values: dict[str, Any] = dict(zip(INBOX_COLUMNS, row, strict=True))
    for flag in _INBOX_FLAGS:
        values[flag] = bool(values[flag])
    return Incoming(**values)


class Store(
    RequestTables,
    MemberTables,
    StaffTables,
    SupportTables,
    WorkTables,
    IdentityTables,
    SafetyTables,
    RelayTables,
    RoomStateTables,
):
    def __init__(self, directory: Path, secret: StoreSecret) -> None:
        self.directory = directory
        self.secret = secret
        self._db: sqlcipher3.Connection
        self._lock: StoreLock
        self._db, self._lock = open_database(directory, secret)
        self._held = {}  # store.rooms: what each kept room's row holds

    @property
    def path(self) -> Path:
        return self.directory / DB_NAME

    def close(self) -> None:
        self._db.close()
        self._lock.release()

    # -- session -------------------------------------------------------------------------
    def load_session(self) -> Session | None:
        row = self._db.execute(
            "SELECT homeserver, user_id, device_id, access_token FROM session"
        ).fetchone()
        return Session(*row) if row else None

    def save_session(self, session: Session) -> None:
        with transaction(self._db):
            self._db.execute("DELETE FROM session")
            self._db.execute(
                "INSERT INTO session (id, homeserver, user_id, device_id, access_token) "
                "VALUES (1, ?, ?, ?, ?)",
                (session.homeserver, session.user_id, session.device_id, session.access_token),
            )
            # A new device starts from a fresh sync; events it cannot decrypt are not replayed.
            self._db.execute("DELETE FROM sync_position")
            self._db.execute("DELETE FROM room_state")
        self._held = {}

    def has_crypto_account(self, user_id: str, device_id: str) -> bool:
        """Whether nio's Olm account for this device is in the store (see store.nio_store)."""
        exists = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"
        ).fetchone()
        if not exists:
            return False
        row = self._db.execute(
            "SELECT 1 FROM accounts WHERE user_id = ? AND device_id = ?", (user_id, device_id)
        ).fetchone()
        return row is not None

    # -- pinned identities ------------------------------------------------------------------
    def pinned_master_key(self, user_id: str) -> str | None:
        row = self._db.execute(
            "SELECT master_key FROM pinned_master_keys WHERE user_id = ?", (user_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def pin_master_key(self, user_id: str, master_key: str, now: float | None = None) -> None:
        """Pins (or, when an organizer approved a change, re-pins) a user's master key."""
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO pinned_master_keys (user_id, master_key, pinned_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET master_key = excluded.master_key, "
                "pinned_at = excluded.pinned_at",
                (user_id, master_key, int(now if now is not None else time.time())),
            )

    def first_report_of(self, user_id: str, device_id: str, now: float | None = None) -> bool:
        """True exactly once per (user, device): the first caller reports it."""
        with transaction(self._db):
            cur = self._db.execute(
                "INSERT OR IGNORE INTO reported_devices (user_id, device_id, at) VALUES (?, ?, ?)",
                (user_id, device_id, int(now if now is not None else time.time())),
            )
        return bool(cur.rowcount)

    # -- sync position and inbox ---------------------------------------------------------
    def sync_token(self) -> str | None:
        row = self._db.execute("SELECT next_batch FROM sync_position").fetchone()
        return str(row[0]) if row else None

    def commit_batch(
        self, next_batch: str, events: list[Incoming], rooms: RoomChanges | None = None
    ) -> list[Incoming]:
        """Keeps the batch's new events and the rooms' state it changed, and advances the
        sync position, atomically (without `rooms`, the next start syncs full state).

        Returns the events that were new (not already handled or waiting)."""
        with transaction(self._db):
            fresh = self._into_inbox(events)
            committed = self._keep_rooms(next_batch, rooms)
        committed()
        return fresh

    def _into_inbox(self, events: list[Incoming]) -> list[Incoming]:
        fresh: list[Incoming] = []
        seq = self._db.execute("SELECT coalesce(max(seq), 0) FROM inbox").fetchone()[0]
        for ev in events:
            if self._db.execute(
                "SELECT 1 FROM processed WHERE event_id = ? "
                "UNION ALL SELECT 1 FROM inbox WHERE event_id = ?",
                (ev.event_id, ev.event_id),
            ).fetchone():
                continue
            seq += 1
            marks = ",".join("?" * (len(INBOX_COLUMNS) + 1))
            self._db.execute(
                f"INSERT INTO inbox (seq, {_INBOX_COLUMNS}) VALUES ({marks})",  # noqa: S608
                (seq, *(getattr(ev, column) for column in INBOX_COLUMNS)),
            )
            fresh.append(ev)
        return fresh

    def pending(self) -> list[Incoming]:
        query = f"SELECT {_INBOX_COLUMNS} FROM inbox ORDER BY seq"  # noqa: S608 (a constant)
        rows = self._db.execute(query).fetchall()
        return [_incoming(row) for row in rows]

    def mark_processed(self, event_id: str, now: float | None = None) -> None:
        at = int(now if now is not None else time.time())
        with transaction(self._db):
            self._db.execute("DELETE FROM inbox WHERE event_id = ?", (event_id,))
            self._db.execute(
                "INSERT OR IGNORE INTO processed (event_id, at) VALUES (?, ?)", (event_id, at)
            )

    # -- events waiting for their room key ------------------------------------------------
    def keep_undecryptable(self, event: KeptEvent, per_sender: int | None = None) -> bool:
        """Keeps an event until its key arrives; False if it was already kept or handled.
        With `per_sender`, the sender's oldest kept events beyond that many make room."""
        with transaction(self._db):
            if self._db.execute(
                "SELECT 1 FROM processed WHERE event_id = ?", (event.event_id,)
            ).fetchone():
                return False
            cur = self._db.execute(
                "INSERT OR IGNORE INTO undecryptable "
                "(event_id, room_id, sender, session_id, source, first_seen) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event.event_id,
                    event.room_id,
                    event.sender,
                    event.session_id,
                    event.source,
                    int(event.first_seen),
                ),
            )
            if cur.rowcount and per_sender is not None:
                self._db.execute(
                    "DELETE FROM undecryptable WHERE event_id IN (SELECT event_id FROM "
                    "undecryptable WHERE sender = ? ORDER BY first_seen DESC, rowid DESC "
                    "LIMIT -1 OFFSET ?)",
                    (event.sender, per_sender),
                )
        return bool(cur.rowcount)

    def undecryptable_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM undecryptable").fetchone()[0])

    def kept_undecryptable(self) -> list[KeptEvent]:
        rows = self._db.execute(
            "SELECT event_id, room_id, sender, session_id, source, first_seen "
            "FROM undecryptable ORDER BY first_seen"
        ).fetchall()
        return [KeptEvent(*r) for r in rows]

    def decrypted_late(self, event_id: str, now_readable: list[Incoming]) -> list[Incoming]:
        """Moves a kept event, now decrypted, into the inbox (one transaction)."""
        with transaction(self._db):
            self._db.execute("DELETE FROM undecryptable WHERE event_id = ?", (event_id,))
            return self._into_inbox(now_readable)

    def drop_undecryptable(self, older_than: float) -> int:
        with transaction(self._db):
            cur = self._db.execute(
                "DELETE FROM undecryptable WHERE first_seen < ?", (int(older_than),)
            )
            self._db.execute("DELETE FROM undecryptable_notices WHERE at < ?", (int(older_than),))
        return int(cur.rowcount)

    def claim_undecryptable_notice(
        self, room_id: str, sender: str, session_id: str, now: float
    ) -> bool:
        """True exactly once per (room, sender, Megolm session): whoever gets True tells them."""
        with transaction(self._db):
            cur = self._db.execute(
                "INSERT OR IGNORE INTO undecryptable_notices (room_id, sender, session_id, at) "
                "VALUES (?, ?, ?, ?)",
                (room_id, sender, session_id, int(now)),
            )
        return bool(cur.rowcount)
