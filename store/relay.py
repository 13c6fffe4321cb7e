"""The anonymous relay's part of the store (issue #13): whether a request is relayed, the
supporter's relay room, whether the member has been told what relay means, and the event-id
pairs that edits, replies, reactions and redactions need. Ids only, never content; every row
of a session is deleted when it ends."""

from __future__ import annotations

from dataclasses import dataclass

import sqlcipher3

from store.db import transaction


@dataclass(frozen=True)
class RelaySession:
    request_id: str
    relayed: bool  # the member chose (or the line's mode gives) the relay
    room_id: str | None  # the supporter's relay room, once made
    member_told: bool  # the member has heard what relay means


@dataclass(frozen=True)
class RelayPair:
    """An event and its copy on the other side; `kind` is the original's (text, emote,
    notice, reaction): an edit of it keeps that kind."""

    one: str
    other: str
    kind: str


class RelayTables:
    _db: sqlcipher3.Connection

    def relay_session(self, request_id: str) -> RelaySession | None:
        row = self._db.execute(
            "SELECT request_id, relayed, room_id, member_told FROM relay_sessions "
            "WHERE request_id = ?",
            (request_id,),
        ).fetchone()
        return None if row is None else RelaySession(row[0], bool(row[1]), row[2], bool(row[3]))

    def relay_session_in(self, room_id: str) -> RelaySession | None:
        row = self._db.execute(
            "SELECT request_id FROM relay_sessions WHERE room_id = ?", (room_id,)
        ).fetchone()
        return None if row is None else self.relay_session(str(row[0]))

    def choose_relay(self, request_id: str, relayed: bool) -> None:
        """The mode of a request (the member's choice, or the line's default)."""
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO relay_sessions (request_id, relayed) VALUES (?, ?) "
                "ON CONFLICT (request_id) DO UPDATE SET relayed = excluded.relayed",
                (request_id, int(relayed)),
            )

    def set_relay_room(self, request_id: str, room_id: str) -> None:
        with transaction(self._db):
            self._db.execute(
                "INSERT INTO relay_sessions (request_id, relayed, room_id) VALUES (?, 1, ?) "
                "ON CONFLICT (request_id) DO UPDATE SET room_id = excluded.room_id, relayed = 1",
                (request_id, room_id),
            )

    def relay_member_told(self, request_id: str) -> None:
        with transaction(self._db):
            self._db.execute(
                "UPDATE relay_sessions SET member_told = 1 WHERE request_id = ?", (request_id,)
            )

    def add_relay_pair(self, request_id: str, pair: RelayPair) -> None:
        """Idempotent: a replayed event (after a crash) finds its pair already there."""
        with transaction(self._db):
            self._db.execute(
                "INSERT OR IGNORE INTO relay_pairs (request_id, one, other, kind) "
                "VALUES (?, ?, ?, ?)",
                (request_id, pair.one, pair.other, pair.kind),
            )

    def relay_counterpart(self, request_id: str, event_id: str) -> RelayPair | None:
        """The pair `event_id` is in, turned so that `one` is `event_id`."""
        row = self._db.execute(
            "SELECT one, other, kind FROM relay_pairs "
            "WHERE request_id = ? AND (one = ? OR other = ?)",
            (request_id, event_id, event_id),
        ).fetchone()
        if row is None:
            return None
        one, other, kind = (str(v) for v in row)
        return RelayPair(one, other, kind) if one == event_id else RelayPair(other, one, kind)

    def drop_relay_pair(self, request_id: str, event_id: str) -> None:
        with transaction(self._db):
            self._db.execute(
                "DELETE FROM relay_pairs WHERE request_id = ? AND (one = ? OR other = ?)",
                (request_id, event_id, event_id),
            )

    def end_relay(self, request_id: str) -> None:
        """Everything the relay kept for this request, gone."""
        with transaction(self._db):
            self._db.execute("DELETE FROM relay_pairs WHERE request_id = ?", (request_id,))
            self._db.execute("DELETE FROM relay_sessions WHERE request_id = ?", (request_id,))

    def relay_pair_count(self, request_id: str) -> int:
        row = self._db.execute(
            "SELECT count(*) FROM relay_pairs WHERE request_id = ?", (request_id,)
        ).fetchone()
        return int(row[0])

    def drop_finished_relays(self) -> int:
        """Rows of requests no longer open or in session (a crash between a session's end
        and the relay's own cleanup): none may outlive its session."""
        gone = "(SELECT id FROM requests WHERE state IN ('open', 'accepted'))"
        with transaction(self._db):
            cur = self._db.execute(
                f"DELETE FROM relay_pairs WHERE request_id NOT IN {gone}"  # noqa: S608
            )
            self._db.execute(f"DELETE FROM relay_sessions WHERE request_id NOT IN {gone}")  # noqa: S608
        return int(cur.rowcount)
