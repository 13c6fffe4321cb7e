"""What members set for themselves (language, time zone, check-ins), their right to be
forgotten, and the claims that make scheduled posts happen once."""

from __future__ import annotations

import time
from typing import Literal

import sqlcipher3

from store.db import transaction
from store.records import Checkin

# What forget_member found and deleted: kinds of data, which the caller puts into words.
Kept = Literal["settings", "waiting_events", "unreadable_notices", "unhandled", "pinned_key"]
_KEPT_IN: tuple[tuple[str, Kept], ...] = (
    ("members", "settings"),  # language and time zone
    ("undecryptable", "waiting_events"),  # messages waiting for their key
    ("undecryptable_notices", "unreadable_notices"),
    ("inbox", "unhandled"),  # messages not yet handled
    ("pinned_master_keys", "pinned_key"),
)


class MemberTables:
    _db: sqlcipher3.Connection

    # -- members' own settings --------------------------------------------------------------
    def member_language(self, user_id: str) -> str | None:
        row = self._db.execute(
            "SELECT language FROM members WHERE user_id = ?", (user_id,)
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def set_member_language(self, user_id: str, language: str) -> None:
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO members (user_id, language) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET language = excluded.language",
                (user_id, language),
            )

    def forget_member(self, user_id: str, handling: str = "") -> list[Kept]:
        """Deletes what is kept about a member (their settings, events waiting for a key,
        notices about them); returns what kinds of data there were. Requests are withdrawn
        by the caller first, which erases them from those records. `handling` is the event
        being handled (the request to forget), which is not counted."""
        deleted: list[Kept] = []
        with transaction(self._db):
            for table, what in _KEPT_IN:
                column = "user_id" if table in ("members", "pinned_master_keys") else "sender"
                query = f"DELETE FROM {table} WHERE {column} = ?"  # noqa: S608 (constants)
                args: tuple[str, ...] = (user_id,)
                if table == "inbox":  # not the request to forget itself, being handled now
                    query, args = query + " AND event_id != ?", (user_id, handling)
                if self._db.execute(query, args).rowcount:
                    deleted.append(what)
        return deleted

    def member_timezone(self, user_id: str) -> str | None:
        row = self._db.execute(
            "SELECT timezone FROM members WHERE user_id = ?", (user_id,)
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def set_member_timezone(self, user_id: str, zone: str) -> None:
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO members (user_id, timezone) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET timezone = excluded.timezone",
                (user_id, zone),
            )

    def checkin_of(self, user_id: str) -> Checkin | None:
        row = self._db.execute(
            "SELECT user_id, days, at, room FROM checkins WHERE user_id = ?", (user_id,)
        ).fetchone()
        return Checkin(*row) if row else None

    def checkins(self) -> list[Checkin]:
        rows = self._db.execute("SELECT user_id, days, at, room FROM checkins").fetchall()
        return [Checkin(*r) for r in rows]

    def set_checkin(self, checkin: Checkin) -> None:
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO checkins (user_id, days, at, room) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET days = excluded.days, at = excluded.at, "
                "room = excluded.room",
                (checkin.user_id, checkin.days, checkin.at, checkin.room),
            )

    def drop_checkin(self, user_id: str) -> bool:
        with transaction(self._db):
            cur = self._db.execute("DELETE FROM checkins WHERE user_id = ?", (user_id,))
        return bool(cur.rowcount)

    # -- schedules -----------------------------------------------------------------------
    def claim_schedule_run(self, run: str, now: float | None = None) -> bool:
        """True exactly once per run key (schedule + local date and minute)."""
        with transaction(self._db):
            cur = self._db.execute(
                "INSERT OR IGNORE INTO schedule_runs (run, at, sent) VALUES (?, ?, 0)",
                (run, int(now if now is not None else time.time())),
            )
        return bool(cur.rowcount)

    def schedule_run_sent(self, run: str) -> None:
        """The claimed run's post went out (or is given up): nothing left to do for it."""
        with transaction(self._db):
            self._db.execute("UPDATE schedule_runs SET sent = 1 WHERE run = ?", (run,))

    def unsent_schedule_runs(self, prefix: str) -> list[tuple[str, int]]:
        """(run, claimed at) of runs whose key starts with `prefix`, claimed and not known to
        be sent: a crash came between the claim and the post."""
        rows = self._db.execute(
            "SELECT run, at FROM schedule_runs WHERE sent = 0 AND substr(run, 1, ?) = ? "
            "ORDER BY at",
            (len(prefix), prefix),
        ).fetchall()
        return [(str(r[0]), int(r[1])) for r in rows]

    def release_schedule_run(self, run: str) -> None:
        """The post of a claimed run failed: let a retry claim it again."""
        with transaction(self._db):
            self._db.execute("DELETE FROM schedule_runs WHERE run = ?", (run,))
