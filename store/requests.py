"""The requests table: a member's request from "I need to talk" until it ends."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import sqlcipher3

from store.db import transaction
from store.records import REQUEST_COLUMNS, Request, RequestFigures


class RequestTables:
    _db: sqlcipher3.Connection

    if TYPE_CHECKING:  # store.safety's, mixed into the same Store

        def member_hash(self, member: str) -> str: ...

    # -- requests ------------------------------------------------------------------------
    def _requests(self, where: str, args: tuple[object, ...] = ()) -> list[Request]:
        cols = ", ".join(REQUEST_COLUMNS)
        query = f"SELECT {cols} FROM requests WHERE {where}"  # noqa: S608 (constants)
        return [_request(r) for r in self._db.execute(query, args).fetchall()]

    def add_request(self, request: Request) -> bool:
        """Stores a new request; False if the member already has an active one."""
        cols = ", ".join(REQUEST_COLUMNS)
        marks = ", ".join("?" for _ in REQUEST_COLUMNS)
        try:
            with transaction(self._db):
                query = f"INSERT INTO requests ({cols}) VALUES ({marks})"  # noqa: S608
                self._db.execute(query, _row(request))
                # kept after the request closes, until the purge: so it can still be blocked
                self._db.execute(
                    "UPDATE requests SET member_hash = ? WHERE id = ?",
                    (self.member_hash(request.member), request.id),
                )
        except sqlcipher3.IntegrityError:
            return False
        return True

    def update_request(self, before: Request, after: Request, leave: str | None = None) -> bool:
        """Compare-and-set on what changes: writes the fields in which `after` differs from
        `before`, only if the stored request is still in `before`'s state and each of those
        fields still holds `before`'s value (so two accepts can never both win, and a change
        never wipes a field another step set meanwhile, like the page's event). With `leave`,
        the room is promised to be left in the same transaction (see `rooms_to_leave`)."""
        changed = [c for c in REQUEST_COLUMNS[1:] if getattr(before, c) != getattr(after, c)]
        if not changed:
            return self._still(before)
        new = dict(zip(REQUEST_COLUMNS, _row(after), strict=True))
        old = dict(zip(REQUEST_COLUMNS, _row(before), strict=True))
        guards = sorted({"state", *changed})
        query = (
            f"UPDATE requests SET {', '.join(f'{c} = ?' for c in changed)} "  # noqa: S608
            f"WHERE id = ? AND {' AND '.join(f'{c} IS ?' for c in guards)}"
        )
        args = (*(new[c] for c in changed), before.id, *(old[c] for c in guards))
        with transaction(self._db):
            cur = self._db.execute(query, args)
            if cur.rowcount == 1 and leave is not None:
                self._promise_leave(leave)
        return bool(cur.rowcount == 1)

    def _still(self, request: Request) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM requests WHERE id = ? AND state = ?", (request.id, request.state)
        ).fetchone()
        return row is not None

    # -- rooms the bot has promised to leave ----------------------------------------------
    def promise_leave(self, room_id: str) -> None:
        with transaction(self._db):
            self._promise_leave(room_id)

    def _promise_leave(self, room_id: str) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO leaving (room_id, since) VALUES (?, ?)",
            (room_id, time.time()),
        )

    def rooms_to_leave(self) -> list[str]:
        """Rooms the bot must leave and has not yet been seen to leave (oldest first)."""
        rows = self._db.execute("SELECT room_id FROM leaving ORDER BY since").fetchall()
        return [str(r[0]) for r in rows]

    def left_room(self, room_id: str) -> None:
        with transaction(self._db):
            self._db.execute("DELETE FROM leaving WHERE room_id = ?", (room_id,))

    # -- ✅ on a page not recorded yet ------------------------------------------------------
    def keep_early_accept(self, page_event: str, supporter: str, now: float) -> None:
        """Keeps `supporter`'s ✅ on `page_event` until the page is recorded (bounded: a day,
        and the newest 100)."""
        with transaction(self._db):
            self._db.execute("DELETE FROM early_accepts WHERE since < ?", (now - 86_400,))
            self._db.execute(
                "INSERT OR IGNORE INTO early_accepts (page_event, supporter, since) "
                "VALUES (?, ?, ?)",
                (page_event, supporter, now),
            )
            self._db.execute(
                "DELETE FROM early_accepts WHERE page_event NOT IN "
                "(SELECT page_event FROM early_accepts ORDER BY since DESC LIMIT 100)"
            )

    def early_accepts(self) -> list[tuple[str, str]]:
        """(page event, supporter) of every ✅ kept, oldest first."""
        rows = self._db.execute(
            "SELECT page_event, supporter FROM early_accepts ORDER BY since"
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def drop_early_accept(self, page_event: str) -> None:
        with transaction(self._db):
            self._db.execute("DELETE FROM early_accepts WHERE page_event = ?", (page_event,))

    def request(self, request_id: str) -> Request | None:
        found = self._requests("id = ?", (request_id.upper(),))
        return found[0] if found else None

    def requests_paged_as(self, event_id: str) -> list[Request]:
        """The requests one page lists (several when pages were combined), oldest first."""
        return self._requests("page_event = ? ORDER BY created_at, id", (event_id,))

    def set_page_event(self, request_ids: list[str], event_id: str) -> None:
        marks = ", ".join("?" for _ in request_ids)
        query = f"UPDATE requests SET page_event = ? WHERE id IN ({marks})"  # noqa: S608
        with transaction(self._db):
            self._db.execute(query, (event_id, *request_ids))

    def set_page_txn(self, request_ids: list[str], txn: str) -> None:
        """The intent to page these requests in one page with transaction id `txn` (only
        those not paged and not already meant for another page)."""
        marks = ", ".join("?" for _ in request_ids)
        query = (
            f"UPDATE requests SET page_txn = ? WHERE id IN ({marks}) "  # noqa: S608
            "AND page_event IS NULL AND page_txn IS NULL"
        )
        with transaction(self._db):
            self._db.execute(query, (txn, *request_ids))

    def requests_meant_for(self, txn: str) -> list[Request]:
        """The requests a page with transaction id `txn` was meant to list, still unpaged."""
        return self._requests(
            "page_txn = ? AND page_event IS NULL AND state = 'open' ORDER BY created_at, id",
            (txn,),
        )

    def pages_on_their_way(self) -> bool:
        """Whether a page was begun (its transaction stored) and its event not recorded."""
        row = self._db.execute(
            "SELECT 1 FROM requests WHERE page_txn IS NOT NULL AND page_event IS NULL "
            "AND state = 'open' LIMIT 1"
        ).fetchone()
        return row is not None

    def active_request_of(self, member: str) -> Request | None:
        found = self._requests("member = ? AND state IN ('open', 'accepted')", (member,))
        return found[0] if found else None

    def last_request_of(self, member: str) -> Request | None:
        """The member's newest request, whatever its state (while it is kept; a closed one
        is the member's by its keyed hash only)."""
        found = self._requests(
            "member = ? OR member_hash = ? ORDER BY created_at DESC LIMIT 1",
            (member, self.member_hash(member)),
        )
        return found[0] if found else None

    def open_requests(self) -> list[Request]:
        return self._requests("state = 'open' ORDER BY created_at")

    def accepted_requests(self) -> list[Request]:
        return self._requests("state = 'accepted' ORDER BY accepted_at")

    def due_requests(self, now: float) -> list[Request]:
        return self._requests("next_deadline IS NOT NULL AND next_deadline <= ?", (now,))

    def next_deadline(self) -> float | None:
        row = self._db.execute("SELECT min(next_deadline) FROM requests").fetchone()
        return None if row[0] is None else float(row[0])

    def schedule_unscheduled_lapses(self, at: float) -> int:
        """Requests nobody took, stored before they had a lapse deadline, close at `at`."""
        with transaction(self._db):
            cur = self._db.execute(
                "UPDATE requests SET next_deadline = ? "
                "WHERE state = 'open' AND gave_up = 1 AND next_deadline IS NULL",
                (at,),
            )
        return int(cur.rowcount)

    def all_requests(self) -> list[Request]:
        """Active ones and closed ones still within their retention (already anonymous)."""
        return self._requests("1 ORDER BY created_at")

    def requests_worked(self, closed_from: float, ids: set[str]) -> list[Request]:
        """Requests a supporter has or had: those accepted now, those closed at `closed_from`
        or later, and those named in `ids`."""
        marks = ", ".join("?" for _ in ids)
        return self._requests(
            "supporter IS NOT NULL AND accepted_at IS NOT NULL AND (state = 'accepted' "
            f"OR closed_at >= ? OR id IN ({marks}))",
            (closed_from, *sorted(ids)),
        )

    def request_figures(self, created_from: float, day_from: str) -> RequestFigures:
        """Requests made at `created_from` or later, counted by the database, and the median
        time to accept over them and the folded accepts of `day_from` on (`accept_waits`):
        `!status` with 10,000 requests kept in a day takes a few milliseconds this way, and a
        quarter of a second to read them as rows."""
        count, escalations, give_ups, accepts = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(escalations), 0), COALESCE(SUM(gave_up), 0), "
            "COUNT(accepted_at) FROM requests WHERE created_at >= ?",
            (created_from,),
        ).fetchone()
        middle = self._db.execute(
            "WITH w(s) AS (SELECT seconds FROM accept_waits WHERE day >= ? UNION ALL "
            "SELECT accepted_at - created_at FROM requests "
            "WHERE created_at >= ? AND accepted_at IS NOT NULL) "
            "SELECT s FROM w ORDER BY s LIMIT 2 - (SELECT COUNT(*) FROM w) % 2 "
            "OFFSET (SELECT (COUNT(*) - 1) / 2 FROM w)",
            (day_from, created_from),
        ).fetchall()
        median = sum(float(s) for (s,) in middle) / len(middle) if middle else None
        return RequestFigures(int(count), int(accepts), int(escalations), int(give_ups), median)

    def request_ids(self) -> set[str]:
        return {str(r[0]) for r in self._db.execute("SELECT id FROM requests").fetchall()}

    def open_sessions(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT supporter, count(*) FROM requests WHERE state = 'accepted' GROUP BY supporter"
        ).fetchall()
        return {str(s): int(n) for s, n in rows}


def _row(request: Request) -> tuple[object, ...]:
    values = (getattr(request, c) for c in REQUEST_COLUMNS)
    return tuple(int(v) if isinstance(v, bool) else v for v in values)


def _request(row: tuple[object, ...]) -> Request:
    values = dict(zip(REQUEST_COLUMNS, row, strict=True))
    values["gave_up"] = bool(values["gave_up"])
    values["introduced"] = bool(values["introduced"])
    return Request(**values)  # type: ignore[arg-type]
