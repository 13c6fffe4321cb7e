"""What the team's controls keep: manual on-call overrides, and the anonymous daily counts a
closed request is reduced to when its retention ends."""

from __future__ import annotations

from collections.abc import Callable

import sqlcipher3

from store.db import transaction
from store.records import OnCallOverride, Purged

# The metrics a closed request leaves behind, counted on the day it was made.
METRICS = ("requests", "accepts", "escalations", "give_ups", "cancels", "expired")


class StaffTables:
    _db: sqlcipher3.Connection

    # -- on-call overrides ------------------------------------------------------------------
    def set_override(self, override: OnCallOverride) -> None:
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO oncall_overrides (user_id, on_call, until) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET on_call = excluded.on_call, "
                "until = excluded.until",
                (override.user_id, int(override.on_call), override.until),
            )

    def clear_override(self, user_id: str) -> None:
        with transaction(self._db):
            self._db.execute("DELETE FROM oncall_overrides WHERE user_id = ?", (user_id,))

    def overrides(self, now: float) -> dict[str, OnCallOverride]:
        """The overrides still in force at `now`."""
        rows = self._db.execute(
            "SELECT user_id, on_call, until FROM oncall_overrides WHERE until > ?", (now,)
        ).fetchall()
        return {str(u): OnCallOverride(str(u), bool(on), float(t)) for u, on, t in rows}

    # -- anonymous counts -------------------------------------------------------------------
    def counts_since(self, day: str) -> dict[tuple[str, str], int]:
        rows = self._db.execute(
            "SELECT day, metric, n FROM daily_counts WHERE day >= ?", (day,)
        ).fetchall()
        return {(str(d), str(m)): int(n) for d, m, n in rows}

    def accept_waits_since(self, day: str) -> list[tuple[str, int]]:
        rows = self._db.execute(
            "SELECT day, seconds FROM accept_waits WHERE day >= ?", (day,)
        ).fetchall()
        return [(str(d), int(s)) for d, s in rows]

    # -- retention --------------------------------------------------------------------------
    def purge(
        self,
        closed_before: float,
        day_of: Callable[[float], str],
        now: float,
        counts_kept_from: str,
        event_ids_before: float,
    ) -> Purged:
        """In one transaction: every request closed before `closed_before` becomes anonymous
        daily counts (by the day it was made) and is deleted; handled event ids, expired
        overrides, old schedule claims and counts older than `counts_kept_from` go too."""
        with transaction(self._db):
            rows = self._db.execute(
                "SELECT id, created_at, state, escalations, gave_up, accepted_at FROM requests "
                "WHERE state NOT IN ('open', 'accepted') AND closed_at < ?",
                (closed_before,),
            ).fetchall()
            # Added up here and written in a few statements: 10,000 requests took about
            # half a second as one statement each, on a loaded 2-core machine.
            totals: dict[tuple[str, str], int] = {}
            waits: list[tuple[str, int]] = []
            for _id, created, state, escalations, gave_up, accepted in rows:
                day = day_of(float(created))
                add = {
                    "requests": 1,
                    "accepts": int(accepted is not None),
                    "escalations": int(escalations),
                    "give_ups": int(bool(gave_up)),
                    "cancels": int(state == "cancelled"),
                    "expired": int(state == "expired"),
                }
                for metric, n in add.items():
                    if n:
                        totals[(day, metric)] = totals.get((day, metric), 0) + n
                if accepted is not None:
                    waits.append((day, round(float(accepted) - float(created))))
            self._db.executemany(
                "INSERT INTO daily_counts (day, metric, n) VALUES (?, ?, ?) "
                "ON CONFLICT (day, metric) DO UPDATE SET n = n + excluded.n",
                [(day, metric, n) for (day, metric), n in totals.items()],
            )
            self._db.executemany("INSERT INTO accept_waits (day, seconds) VALUES (?, ?)", waits)
            self._db.execute(  # the same rows as selected above, in the same transaction
                "DELETE FROM requests WHERE state NOT IN ('open', 'accepted') AND closed_at < ?",
                (closed_before,),
            )
            events = self._db.execute(
                "DELETE FROM processed WHERE at < ?", (int(event_ids_before),)
            ).rowcount
            other = self._db.execute(
                "DELETE FROM oncall_overrides WHERE until <= ?", (now,)
            ).rowcount
            other += self._db.execute(
                "DELETE FROM schedule_runs WHERE at < ?", (int(now) - 9 * 86400,)
            ).rowcount
            other += self._db.execute(
                "DELETE FROM daily_counts WHERE day < ?", (counts_kept_from,)
            ).rowcount
            other += self._db.execute(
                "DELETE FROM accept_waits WHERE day < ?", (counts_kept_from,)
            ).rowcount
        return Purged(len(rows), int(events), int(other))
