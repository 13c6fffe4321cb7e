"""A supporter's side of the store: the sessions each one had (for their limits and the
team's load; no member), their debrief preference, the shift-end reminders already given,
and the anonymous daily counts of breaks and flags."""

from __future__ import annotations

import sqlcipher3

from store.db import transaction
from store.support import WorkEntry


class WorkTables:
    _db: sqlcipher3.Connection

    # -- work log -----------------------------------------------------------------------
    def work_since(self, since: float) -> list[WorkEntry]:
        """Sessions that ran at any time after `since` (still running ones included)."""
        rows = self._db.execute(
            "SELECT supporter, tier, started, ended, request_id FROM work_log "
            "WHERE ended IS NULL OR ended >= ? ORDER BY started",
            (since,),
        ).fetchall()
        return [WorkEntry(str(s), int(t), float(a), e, r) for s, t, a, e, r in rows]

    def record_work(self, started: list[WorkEntry], ended: dict[tuple[str, str], float]) -> None:
        """In one transaction: sessions found (running, or already over), and running
        (request, supporter) sessions that ended at the given times."""
        with transaction(self._db):
            for e in started:
                self._db.execute(
                    "INSERT INTO work_log (supporter, request_id, tier, started, ended) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (e.supporter, e.request_id, e.tier, e.started, e.ended),
                )
            for (request_id, supporter), at in ended.items():
                self._db.execute(
                    "UPDATE work_log SET ended = ? "
                    "WHERE request_id = ? AND supporter = ? AND ended IS NULL",
                    (max(at, 0.0), request_id, supporter),
                )

    # -- preferences, reminders, counts -------------------------------------------------
    def debriefs_on(self, user_id: str) -> bool:
        row = self._db.execute(
            "SELECT debriefs FROM supporter_prefs WHERE user_id = ?", (user_id,)
        ).fetchone()
        return True if row is None else bool(row[0])

    def set_debriefs(self, user_id: str, on: bool) -> None:
        with transaction(self._db):
            if on:  # the default: nothing kept about them
                self._db.execute("DELETE FROM supporter_prefs WHERE user_id = ?", (user_id,))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO supporter_prefs (user_id, debriefs) VALUES (?, 0)",
                    (user_id,),
                )

    def first_shift_reminder(self, user_id: str, shift_end: float) -> bool:
        """True exactly once per (supporter, end of their time on call)."""
        with transaction(self._db):
            cur = self._db.execute(
                "INSERT OR IGNORE INTO shift_reminders (user_id, shift_end) VALUES (?, ?)",
                (user_id, shift_end),
            )
        return bool(cur.rowcount)

    def count(self, day: str, metric: str) -> None:
        """One more of an anonymous team figure (a break taken, a flag raised) on `day`."""
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO daily_counts (day, metric, n) VALUES (?, ?, 1) "
                "ON CONFLICT (day, metric) DO UPDATE SET n = n + 1",
                (day, metric),
            )

    def purge_support(self, now: float, work_kept_for: float) -> int:
        """Questions and observers whose request is no longer active, finished sessions and
        reminders older than `work_kept_for`; returns how many rows went."""
        active = "SELECT id FROM requests WHERE state IN ('open', 'accepted')"
        with transaction(self._db):
            gone = self._db.execute(
                f"DELETE FROM consent_questions WHERE request_id NOT IN ({active})"  # noqa: S608
            ).rowcount
            gone += self._db.execute(
                f"DELETE FROM observers WHERE request_id NOT IN ({active})"  # noqa: S608
            ).rowcount
            gone += self._db.execute(
                "DELETE FROM work_log WHERE ended IS NOT NULL AND ended < ?",
                (now - work_kept_for,),
            ).rowcount
            gone += self._db.execute(
                "DELETE FROM shift_reminders WHERE shift_end < ?", (now - work_kept_for,)
            ).rowcount
        return int(gone)
