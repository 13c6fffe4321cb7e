"""A member's side of the care for supporters: their consent questions (who may come into
their conversation) and the observers let in; and the records of store.work (a supporter's
sessions).

A question holds the member's ID and DM room only while it is open; it is deleted once it is
answered and carried out (or refused, or timed out), and with its request at the latest.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

import sqlcipher3

from store.db import transaction

QuestionKind = Literal["handover", "observe"]
# asking, then granted (a yes, being carried out or waiting for a taker)
QuestionState = Literal["asking", "granted"]


@dataclass(frozen=True)
class Question:
    """May someone new come into a member's conversation? Asked in the member's DM."""

    id: str
    request_id: str
    kind: QuestionKind
    member: str
    member_room: str  # the member's DM with the bot, where the question is asked
    language: str
    newcomer: str | None  # who would come in; None: a handover to whoever takes it
    asked_by: str
    asked_at: float
    deadline: float  # silence until then counts as no
    state: QuestionState = "asking"
    question_event: str | None = None  # the question in the member's DM (for 👍 / 👎)
    page_event: str | None = None  # a handover to whoever takes it: its page in the team room


QUESTION_COLUMNS = tuple(f.name for f in fields(Question))


@dataclass(frozen=True)
class Observer:
    """A trainee let into a conversation with the member's yes, until `!alone` or its end."""

    request_id: str
    user_id: str
    room_id: str
    since: float
    announced: bool = False  # the member was told in the room that they are there


@dataclass(frozen=True)
class WorkEntry:
    """One session of one supporter: for their limits and the team's load. No member."""

    supporter: str
    tier: int
    started: float
    ended: float | None = None
    request_id: str | None = None  # the request's short id (anonymous once it has closed)


class SupportTables:
    _db: sqlcipher3.Connection

    # -- consent questions --------------------------------------------------------------
    def _questions(self, where: str, args: tuple[object, ...] = ()) -> list[Question]:
        cols = ", ".join(QUESTION_COLUMNS)
        query = f"SELECT {cols} FROM consent_questions WHERE {where}"  # noqa: S608 (constants)
        return [Question(*row) for row in self._db.execute(query, args).fetchall()]

    def add_question(self, question: Question) -> bool:
        """Stores a new question; False if the member is already being asked something."""
        cols = ", ".join(QUESTION_COLUMNS)
        marks = ", ".join("?" for _ in QUESTION_COLUMNS)
        query = f"INSERT INTO consent_questions ({cols}) VALUES ({marks})"  # noqa: S608
        values = tuple(getattr(question, c) for c in QUESTION_COLUMNS)
        try:
            with transaction(self._db):
                self._db.execute(query, values)
        except sqlcipher3.IntegrityError:
            return False
        return True

    def question(self, question_id: str) -> Question | None:
        found = self._questions("id = ?", (question_id,))
        return found[0] if found else None

    def question_of(self, member: str) -> Question | None:
        """The question a member is being asked now, if any."""
        found = self._questions("member = ? AND state = 'asking'", (member,))
        return found[0] if found else None

    def questions(self, state: QuestionState) -> list[Question]:
        return self._questions("state = ? ORDER BY asked_at", (state,))

    def questions_about(self, request_id: str) -> list[Question]:
        return self._questions("request_id = ? ORDER BY asked_at", (request_id,))

    def question_paged_as(self, event_id: str) -> Question | None:
        found = self._questions("page_event = ?", (event_id,))
        return found[0] if found else None

    def due_questions(self, now: float) -> list[Question]:
        return self._questions("state = 'asking' AND deadline <= ?", (now,))

    def next_question_deadline(self) -> float | None:
        row = self._db.execute(
            "SELECT min(deadline) FROM consent_questions WHERE state = 'asking'"
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def _set_question(self, question_id: str, column: str, value: object) -> None:
        query = f"UPDATE consent_questions SET {column} = ? WHERE id = ?"  # noqa: S608
        with transaction(self._db):
            self._db.execute(query, (value, question_id))

    def set_question_event(self, question_id: str, event_id: str) -> None:
        self._set_question(question_id, "question_event", event_id)

    def set_question_page(self, question_id: str, event_id: str) -> None:
        self._set_question(question_id, "page_event", event_id)

    def grant_question(self, question_id: str) -> bool:
        """Compare-and-set: asking → granted; False if it was answered or timed out already."""
        with transaction(self._db):
            cur = self._db.execute(
                "UPDATE consent_questions SET state = 'granted' WHERE id = ? AND state = 'asking'",
                (question_id,),
            )
        return bool(cur.rowcount == 1)

    def drop_question(self, question_id: str, expected_state: QuestionState | None = None) -> bool:
        """Deletes a question (answered no, timed out, or carried out); with
        `expected_state`, only if it is still in it (so only one caller acts on it)."""
        with transaction(self._db):
            if expected_state is None:
                cur = self._db.execute("DELETE FROM consent_questions WHERE id = ?", (question_id,))
            else:
                cur = self._db.execute(
                    "DELETE FROM consent_questions WHERE id = ? AND state = ?",
                    (question_id, expected_state),
                )
        return bool(cur.rowcount == 1)

    def claim_handover(self, question_id: str, newcomer: str) -> bool:
        """Compare-and-set for a handover paged to the team: the first supporter wins it."""
        with transaction(self._db):
            cur = self._db.execute(
                "UPDATE consent_questions SET newcomer = ? "
                "WHERE id = ? AND state = 'granted' AND newcomer IS NULL",
                (newcomer, question_id),
            )
        return bool(cur.rowcount == 1)

    # -- observers ----------------------------------------------------------------------
    def add_observer(self, observer: Observer) -> None:
        with transaction(self._db):
            self._db.execute(
                "INSERT OR REPLACE INTO observers (request_id, user_id, room_id, since, announced) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    observer.request_id,
                    observer.user_id,
                    observer.room_id,
                    observer.since,
                    int(observer.announced),
                ),
            )

    def observers(self, request_id: str | None = None) -> list[Observer]:
        where, args = ("request_id = ?", (request_id,)) if request_id else ("1", ())
        query = (
            "SELECT request_id, user_id, room_id, since, announced FROM observers "  # noqa: S608
            f"WHERE {where} ORDER BY since"
        )
        rows = self._db.execute(query, args).fetchall()
        return [Observer(str(r), str(u), str(m), float(s), bool(a)) for r, u, m, s, a in rows]

    def remove_observer(self, request_id: str, user_id: str) -> bool:
        with transaction(self._db):
            cur = self._db.execute(
                "DELETE FROM observers WHERE request_id = ? AND user_id = ?", (request_id, user_id)
            )
        return bool(cur.rowcount == 1)

    def observer_announced(self, request_id: str, user_id: str) -> bool:
        """Compare-and-set: True exactly once per observer (whoever gets it tells the room)."""
        with transaction(self._db):
            cur = self._db.execute(
                "UPDATE observers SET announced = 1 "
                "WHERE request_id = ? AND user_id = ? AND announced = 0",
                (request_id, user_id),
            )
        return bool(cur.rowcount == 1)
