"""Blocks that don't unmask (issue #13): members are known here only by a keyed hash of their
Matrix ID (the key derived from the store secret, so it survives restarts and is nothing
without the store key). A request carries the hash until the retention purge deletes it, so
its member can be blocked after it closed, when its member's ID is long gone; a block keeps
the hash, the request id it was made by, until when, and the reason. Each request is noted
(hash, id, time) for a week, to notice repeated requests: ids only, never who."""

from __future__ import annotations

import hashlib
import hmac

import sqlcipher3

from store.db import transaction
from store.records import Block
from store.secret import StoreSecret

WEEK = 7 * 86400.0


class SafetyTables:
    _db: sqlcipher3.Connection
    secret: StoreSecret

    def member_hash(self, member: str) -> str:
        return hmac.new(self.secret.member_key, member.encode(), hashlib.sha256).hexdigest()

    def _hash_of_request(self, request_id: str) -> str | None:
        row = self._db.execute(
            "SELECT member_hash FROM requests WHERE id = ?", (request_id.upper(),)
        ).fetchone()
        return None if row is None or not row[0] else str(row[0])

    def is_blocked(self, member: str, now: float) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM blocks WHERE member_hash = ? AND (until IS NULL OR until > ?)",
            (self.member_hash(member), now),
        ).fetchone()
        return row is not None

    def block(
        self, request_id: str, until: float | None, reason: str | None, now: float
    ) -> bool | None:
        """Blocks the member of a request: True if new, False if already blocked (the block
        is renewed), None if the request (or its member's hash) is no longer kept."""
        with transaction(self._db):
            hashed = self._hash_of_request(request_id)
            if hashed is None:
                return None
            known = self._db.execute(
                "SELECT 1 FROM blocks WHERE member_hash = ? AND (until IS NULL OR until > ?)",
                (hashed, now),
            ).fetchone()
            self._db.execute(
                "INSERT INTO blocks (member_hash, request_id, since, until, reason) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (member_hash) DO UPDATE SET "
                "request_id = excluded.request_id, since = excluded.since, "
                "until = excluded.until, reason = excluded.reason",
                (hashed, request_id.upper(), now, until, reason),
            )
        return known is None

    def unblock(self, request_id: str) -> bool:
        """Lifts the block made by this request id (or on this request's member)."""
        with transaction(self._db):
            hashed = self._hash_of_request(request_id) or ""
            cur = self._db.execute(
                "DELETE FROM blocks WHERE request_id = ? OR member_hash = ?",
                (request_id.upper(), hashed),
            )
        return bool(cur.rowcount)

    def blocks(self, now: float) -> list[Block]:
        rows = self._db.execute(
            "SELECT request_id, since, until, reason FROM blocks "
            "WHERE until IS NULL OR until > ? ORDER BY since",
            (now,),
        ).fetchall()
        return [Block(str(i), float(s), None if u is None else float(u), r) for i, s, u, r in rows]

    def note_ask(self, request_id: str, now: float) -> tuple[list[str], bool]:
        """Notes a new request; returns the ids of its member's requests in the last week
        (oldest first) and whether the organizers were already told about them."""
        with transaction(self._db):
            hashed = self._hash_of_request(request_id)
            if hashed is None:
                return [request_id], False
            self._db.execute(
                "INSERT INTO asks (member_hash, request_id, at, told) VALUES (?, ?, ?, 0)",
                (hashed, request_id.upper(), now),
            )
            rows = self._db.execute(
                "SELECT request_id, told FROM asks WHERE member_hash = ? AND at > ? ORDER BY at",
                (hashed, now - WEEK),
            ).fetchall()
        return [str(r[0]) for r in rows], any(r[1] for r in rows)

    def mark_told(self, request_id: str) -> None:
        """The organizers were told about this request's member's repeated requests."""
        with transaction(self._db):
            self._db.execute(
                "UPDATE asks SET told = 1 WHERE member_hash = "
                "(SELECT member_hash FROM asks WHERE request_id = ?)",
                (request_id.upper(),),
            )

    def purge_safety(self, now: float) -> int:
        """Expired blocks, and requests noted more than a week ago."""
        with transaction(self._db):
            n = self._db.execute("DELETE FROM blocks WHERE until <= ?", (now,)).rowcount
            n += self._db.execute("DELETE FROM asks WHERE at <= ?", (now - WEEK,)).rowcount
        return int(n)
