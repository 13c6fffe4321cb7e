"""The schema, one migration per version. Append only: MIGRATIONS[n] brings a store at
version n to n + 1; a released migration is never edited."""

from __future__ import annotations

from collections.abc import Callable

import sqlcipher3

Migration = Callable[[sqlcipher3.Connection], None]


def run_script(db: sqlcipher3.Connection, script: str) -> None:
    """Runs `;`-separated statements inside the caller's transaction (executescript would
    commit it)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlcipher3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE session (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            homeserver TEXT NOT NULL,
            user_id TEXT NOT NULL,
            device_id TEXT NOT NULL,
            access_token TEXT NOT NULL
        );
        CREATE TABLE sync_position (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            next_batch TEXT NOT NULL
        );
        CREATE TABLE inbox (
            event_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            room_id TEXT NOT NULL,
            sender TEXT NOT NULL,
            sender_device TEXT,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            relates_to TEXT,
            origin_ts INTEGER NOT NULL,
            room_encrypted INTEGER NOT NULL,
            room_members INTEGER NOT NULL
        );
        CREATE TABLE processed (
            event_id TEXT PRIMARY KEY,
            at INTEGER NOT NULL
        );
        CREATE INDEX processed_at ON processed (at);
        """,
    )


def _v2(db: sqlcipher3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE cross_signing (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            master TEXT NOT NULL,
            self_signing TEXT NOT NULL,
            user_signing TEXT NOT NULL
        );
        CREATE TABLE pinned_master_keys (
            user_id TEXT PRIMARY KEY,
            master_key TEXT NOT NULL,
            pinned_at INTEGER NOT NULL
        );
        """,
    )


def _v3(db: sqlcipher3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE undecryptable (
            event_id TEXT PRIMARY KEY,
            room_id TEXT NOT NULL,
            sender TEXT NOT NULL,
            session_id TEXT NOT NULL,
            source TEXT NOT NULL,
            first_seen INTEGER NOT NULL
        );
        CREATE TABLE undecryptable_notices (
            room_id TEXT NOT NULL,
            sender TEXT NOT NULL,
            session_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            PRIMARY KEY (room_id, sender, session_id)
        );
        """,
    )


def _v4(db: sqlcipher3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE requests (
            id TEXT PRIMARY KEY,
            member TEXT NOT NULL,
            member_room TEXT NOT NULL,
            language TEXT NOT NULL,
            created_at REAL NOT NULL,
            state TEXT NOT NULL,
            page_event TEXT,
            escalations INTEGER NOT NULL,
            next_deadline REAL,
            gave_up INTEGER NOT NULL,
            supporter TEXT,
            accepted_at REAL,
            handoff_room TEXT,
            introduced INTEGER NOT NULL,
            closed_at REAL
        );
        CREATE UNIQUE INDEX one_active_request_per_member
            ON requests (member) WHERE state IN ('open', 'accepted');
        CREATE INDEX requests_page ON requests (page_event);
        CREATE INDEX requests_deadline ON requests (next_deadline)
        """,
    )


def _v5(db: sqlcipher3.Connection) -> None:
    db.execute(
        "CREATE TABLE reported_devices (user_id TEXT NOT NULL, device_id TEXT NOT NULL, "
        "at INTEGER NOT NULL, PRIMARY KEY (user_id, device_id))"
    )


def _v6(db: sqlcipher3.Connection) -> None:
    db.execute("CREATE TABLE members (user_id TEXT PRIMARY KEY, language TEXT, timezone TEXT)")


def _v7(db: sqlcipher3.Connection) -> None:
    db.execute("CREATE TABLE schedule_runs (run TEXT PRIMARY KEY, at INTEGER NOT NULL)")


def _v8(db: sqlcipher3.Connection) -> None:
    db.execute(
        "CREATE TABLE checkins (user_id TEXT PRIMARY KEY, days TEXT NOT NULL, "
        "at TEXT NOT NULL, room TEXT NOT NULL)"
    )


def _v9(db: sqlcipher3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE oncall_overrides (
            user_id TEXT PRIMARY KEY,
            on_call INTEGER NOT NULL,
            until REAL NOT NULL
        );
        CREATE TABLE daily_counts (
            day TEXT NOT NULL,
            metric TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (day, metric)
        );
        CREATE TABLE accept_waits (day TEXT NOT NULL, seconds INTEGER NOT NULL);
        CREATE INDEX accept_waits_day ON accept_waits (day)
        """,
    )


def _v10(db: sqlcipher3.Connection) -> None:
    """A cross-signing identity being published by `reset-cross-signing`: kept next to the
    current one until the homeserver has it, then swapped in."""
    db.execute(
        "CREATE TABLE cross_signing_pending (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "master TEXT NOT NULL, self_signing TEXT NOT NULL, user_signing TEXT NOT NULL)"
    )


def _v11(db: sqlcipher3.Connection) -> None:
    """The inbox learns whether each event itself was encrypted (the room's flag says nothing
    about the event) and what it replies to. Events already waiting count as encrypted only
    if their sending device was known, which only a decrypted event has."""
    run_script(
        db,
        """
        ALTER TABLE inbox ADD COLUMN encrypted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE inbox ADD COLUMN reply_to TEXT;
        UPDATE inbox SET encrypted = (sender_device IS NOT NULL)
        """,
    )


def _v12(db: sqlcipher3.Connection) -> None:
    """Supporters are people too (issue #14): the member's consent questions (who may come
    into their conversation), observers let in, each supporter's work log (for limits and
    the team's load), their debrief preference, and shift-end reminders already given."""
    run_script(
        db,
        """
        CREATE TABLE consent_questions (
            id TEXT PRIMARY KEY,
            request_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            member TEXT NOT NULL,
            member_room TEXT NOT NULL,
            language TEXT NOT NULL,
            newcomer TEXT,
            asked_by TEXT NOT NULL,
            asked_at REAL NOT NULL,
            deadline REAL NOT NULL,
            state TEXT NOT NULL,
            question_event TEXT,
            page_event TEXT
        );
        CREATE UNIQUE INDEX one_question_per_member
            ON consent_questions (member) WHERE state = 'asking';
        CREATE INDEX consent_questions_deadline ON consent_questions (deadline);
        CREATE TABLE observers (
            request_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            room_id TEXT NOT NULL,
            since REAL NOT NULL,
            announced INTEGER NOT NULL,
            PRIMARY KEY (request_id, user_id)
        );
        CREATE TABLE work_log (
            supporter TEXT NOT NULL,
            request_id TEXT,
            tier INTEGER NOT NULL,
            started REAL NOT NULL,
            ended REAL
        );
        CREATE INDEX work_log_started ON work_log (started);
        CREATE TABLE supporter_prefs (user_id TEXT PRIMARY KEY, debriefs INTEGER NOT NULL);
        CREATE TABLE shift_reminders (
            user_id TEXT NOT NULL,
            shift_end REAL NOT NULL,
            PRIMARY KEY (user_id, shift_end)
        )
        """,
    )


def _v13(db: sqlcipher3.Connection) -> None:
    """Member safety (issue #13): a request keeps a keyed hash of its member until the purge
    (so it can be blocked after it closed), blocks by that hash, and a week of requests by
    hash (repeated requests are noticed, by request ids)."""
    run_script(
        db,
        """
        ALTER TABLE requests ADD COLUMN member_hash TEXT;
        CREATE TABLE blocks (
            member_hash TEXT PRIMARY KEY,
            request_id TEXT NOT NULL,
            since REAL NOT NULL,
            until REAL,
            reason TEXT
        );
        CREATE TABLE asks (
            member_hash TEXT NOT NULL,
            request_id TEXT NOT NULL,
            at REAL NOT NULL,
            told INTEGER NOT NULL
        );
        CREATE INDEX asks_member ON asks (member_hash, at)
        """,
    )


def _v14(db: sqlcipher3.Connection) -> None:
    """The anonymous relay (issue #13): which requests are relayed, the supporter's relay
    room, and the event-id pairs (the member's event and its copy, or the supporter's and
    theirs) that edits, replies, reactions and redactions need. No content: ids only, and
    every row of a session goes when it ends."""
    run_script(
        db,
        """
        CREATE TABLE relay_sessions (
            request_id TEXT PRIMARY KEY,
            relayed INTEGER NOT NULL,
            room_id TEXT,
            member_told INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX relay_sessions_room ON relay_sessions (room_id);
        CREATE TABLE relay_pairs (
            request_id TEXT NOT NULL,
            one TEXT NOT NULL,
            other TEXT NOT NULL,
            kind TEXT NOT NULL
        );
        CREATE UNIQUE INDEX relay_pairs_one ON relay_pairs (one);
        CREATE UNIQUE INDEX relay_pairs_other ON relay_pairs (other);
        CREATE INDEX relay_pairs_request ON relay_pairs (request_id)
        """,
    )


def _v15(db: sqlcipher3.Connection) -> None:
    """Crash safety (issue #11): the marker a handoff room is created with (so a restart
    finds the room again instead of making a second), the transaction id of a page on its
    way (so a restart sends the same page, not a second), and the rooms the bot has promised
    to leave (kept until it has, so a crash or a failed leave is retried)."""
    run_script(
        db,
        """
        ALTER TABLE requests ADD COLUMN room_marker TEXT;
        ALTER TABLE requests ADD COLUMN page_txn TEXT;
        CREATE TABLE leaving (room_id TEXT PRIMARY KEY, since REAL NOT NULL)
        """,
    )


def _v16(db: sqlcipher3.Connection) -> None:
    """A ✅ on a page whose event the bot had not recorded yet (the page went out just before
    a crash): kept here, not in memory, until the page is recorded and the ✅ taken as the
    supporter's accept (issue #11: a crash in between lost it). At most 100 rows, a day each.
    And whether a claimed community post or check-in went out: a claim is the intent, `sent`
    its completion, so a crash between the two is sent again (same transaction) at the start
    instead of missed (runs claimed before this version count as sent). And the !cancel that
    withdrew a request, so that event handled again after a crash gets the same answer."""
    run_script(
        db,
        """
        CREATE TABLE early_accepts (
            page_event TEXT PRIMARY KEY, supporter TEXT NOT NULL, since REAL NOT NULL
        );
        ALTER TABLE schedule_runs ADD COLUMN sent INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE requests ADD COLUMN closed_by TEXT
        """,
    )


def _v17(db: sqlcipher3.Connection) -> None:
    """Restart without full state (issue #16): each room's state as the bot keeps it, written
    with the sync position; `with_rooms` says the rows are complete for that position (0 for
    a store from before, or after a batch skipped past: the next start syncs full state)."""
    run_script(
        db,
        """
        CREATE TABLE room_state (room_id TEXT PRIMARY KEY, state TEXT NOT NULL);
        ALTER TABLE sync_position ADD COLUMN with_rooms INTEGER NOT NULL DEFAULT 0
        """,
    )


# warmline's own tables; every other table in the file is nio's crypto store.
OWN_TABLES = frozenset(
    {
        "session",
        "sync_position",
        "inbox",
        "processed",
        "cross_signing",
        "pinned_master_keys",
        "undecryptable",
        "undecryptable_notices",
        "requests",
        "reported_devices",
        "members",
        "schedule_runs",
        "checkins",
        "oncall_overrides",
        "daily_counts",
        "accept_waits",
        "cross_signing_pending",
        "consent_questions",
        "observers",
        "work_log",
        "supporter_prefs",
        "shift_reminders",
        "blocks",
        "asks",
        "relay_sessions",
        "relay_pairs",
        "leaving",
        "early_accepts",
        "room_state",
    }
)

# Append-only: MIGRATIONS[n] brings a store at schema version n to n + 1.
MIGRATIONS: tuple[Migration, ...] = (
    _v1,
    _v2,
    _v3,
    _v4,
    _v5,
    _v6,
    _v7,
    _v8,
    _v9,
    _v10,
    _v11,
    _v12,
    _v13,
    _v14,
    _v15,
    _v16,
    _v17,
)
