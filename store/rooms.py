"""The rooms' state as the bot keeps it across restarts (issue #16): one row per room the bot
is in or invited to, so a restart resumes the sync without asking the homeserver for the full
state of every room. Rows change only with the sync position (Store.commit_batch), in the same
transaction: a stored position is never newer than the stored state. A room the bot left goes
with the batch that says so, or as soon as the bot forgot it; a new login (save_session) drops
them all with the position.

A row is written only when the room's state differs from what its row holds: a batch of
messages changes no room's state, yet every room a batch touched was written again (in every
burst, and for every room with news in a restart's first sync). What each row holds is
remembered as a digest, taken only from what was read or committed (a rolled-back write
changes nothing)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlcipher3

from store.db import transaction
from store.records import RoomChanges


def _digest(state: str) -> bytes:
    return hashlib.blake2b(state.encode(), digest_size=16).digest()


class RoomStateTables:
    _db: sqlcipher3.Connection
    # room id -> digest of what its row holds, for the rows read or written by this process
    # (a room missing here is written whatever it holds)
    _held: dict[str, bytes]

    def room_states(self) -> dict[str, str] | None:
        """Every kept room's state, or None if the stored position was not written with
        complete state (no position yet, a store from before, a batch skipped past)."""
        row = self._db.execute("SELECT with_rooms FROM sync_position").fetchone()
        if row is None or not row[0]:
            return None
        rows = self._db.execute("SELECT room_id, state FROM room_state").fetchall()
        states = {str(room): str(state) for room, state in rows}
        self._held = {room: _digest(state) for room, state in states.items()}
        return states

    def room_state_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM room_state").fetchone()[0])

    def drop_room_state(self, room_id: str) -> None:
        """A room the bot left and forgot: the homeserver may never name it in a sync again
        (Synapse leaves forgotten rooms out), so its row goes now."""
        with transaction(self._db):
            self._db.execute("DELETE FROM room_state WHERE room_id = ?", (room_id,))
        self._held.pop(room_id, None)

    def _keep_rooms(self, next_batch: str, rooms: RoomChanges | None) -> Callable[[], None]:
        """Inside commit_batch's transaction: the rooms' changes, then the position. Returns
        what to remember once the transaction has committed."""
        complete = rooms is not None and rooms.complete
        gone = rooms.gone if rooms is not None else frozenset()
        written: dict[str, bytes] = {}
        if complete:
            self._db.execute("DELETE FROM room_state")
        if rooms is not None:
            self._db.executemany("DELETE FROM room_state WHERE room_id = ?", [(r,) for r in gone])
            changed = []
            for room_id, state in rooms.kept.items():
                digest = _digest(state)
                if complete or self._held.get(room_id) != digest:
                    changed.append((room_id, state))
                    written[room_id] = digest
            self._db.executemany(
                "INSERT INTO room_state (room_id, state) VALUES (?, ?) "
                "ON CONFLICT (room_id) DO UPDATE SET state = excluded.state",
                changed,
            )
        # Complete state makes the rows whole; a batch's changes keep them as whole as they
        # were; a batch without them (skipped past) leaves the rows behind the position.
        if rooms is None:
            whole = "0"
        elif rooms.complete:
            whole = "1"
        else:
            whole = "coalesce((SELECT with_rooms FROM sync_position), 0)"
        self._db.execute(
            f"INSERT INTO sync_position (id, next_batch, with_rooms) VALUES (1, ?, {whole}) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET next_batch = excluded.next_batch, "
            "with_rooms = excluded.with_rooms",
            (next_batch,),
        )

        def committed() -> None:
            if complete:
                self._held = {}
            for room_id in gone:
                self._held.pop(room_id, None)
            self._held.update(written)

        return committed
