"""The request lifecycle: pure transitions with an explicit clock; no I/O, no nio.

open ──accept──▶ accepted ──done / session timeout──▶ done / expired
  │  ◀──no private room could be made──┘
  │
  ├──cancel──▶ cancelled
  └──nobody took it, lapse_after since its last activity──▶ lapsed
While open, every ack timeout escalates (page tier 2, remind tier 1) until give_up_after,
when the member is told honestly that nobody is free. The request stays open, but not for
ever: `lapse_after` (privacy.retention) after the give-up, or after the member last asked
again, it is closed like any other (the member's identity erased), so a request nobody could
take does not hold the member's ID and DM room indefinitely.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from store.records import ClosedState, Request, RequestState

ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones


class Refused(Exception):
    """A transition that is not allowed; `reason` says why in a stable word."""

    def __init__(self, reason: RequestState | Literal["taken"], request: Request) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request


class Step(Enum):
    ESCALATE = "escalate"  # page tier 2 and remind tier 1
    GIVE_UP = "give up"  # tell the member honestly
    EXPIRE = "expire"  # an accepted session ran out of time
    LAPSE = "lapse"  # nobody took it, and it has been kept as long as it may be


@dataclass(frozen=True)
class Timing:
    ack_timeout: float
    give_up_after: float
    session_timeout: float
    lapse_after: float = 86400.0  # privacy.retention: a given-up request, after its last activity


def new_id(taken: set[str]) -> str:
    while True:
        candidate = "".join(secrets.choice(ID_ALPHABET) for _ in range(4))
        if candidate not in taken:
            return candidate


def open_request(
    request_id: str,
    member: str,
    room: str,
    language: str,
    now: float,
    timing: Timing,
    nobody_on_call: bool,
) -> Request:
    if nobody_on_call:  # told at once; no escalation to wait for
        return Request(
            request_id,
            member,
            room,
            language,
            now,
            gave_up=True,
            next_deadline=now + timing.lapse_after,
        )
    first = now + min(timing.ack_timeout, timing.give_up_after)
    return Request(request_id, member, room, language, now, next_deadline=first)


def accept(request: Request, supporter: str, now: float, timing: Timing) -> Request:
    if request.state == "accepted":
        raise Refused("taken", request)
    if request.state != "open":
        raise Refused(request.state, request)
    return dataclasses.replace(
        request,
        state="accepted",
        supporter=supporter,
        accepted_at=now,
        next_deadline=now + timing.session_timeout,
    )


def reopen(request: Request, now: float, timing: Timing, marker: str) -> Request:
    """An accepted request whose private room could not be made: open again, to be paged
    anew (`marker`: the next room's, which also makes the new page a new one)."""
    if request.state != "accepted":
        raise Refused(request.state, request)
    return dataclasses.replace(
        request,
        state="open",
        supporter=None,
        accepted_at=None,
        handoff_room=None,
        introduced=False,
        page_event=None,
        page_txn=None,
        room_marker=marker,
        next_deadline=now + min(timing.ack_timeout, timing.give_up_after),
    )


def cancel(request: Request, now: float) -> Request:
    if request.state != "open":
        raise Refused(request.state, request)
    return _closed(request, "cancelled", now)


def finish(request: Request, now: float, state: Literal["done", "expired"] = "done") -> Request:
    if request.state != "accepted":
        raise Refused(request.state, request)
    return _closed(request, state, now)


def _closed(request: Request, state: ClosedState, now: float) -> Request:
    """Closed: the member's identity and rooms are erased; the rest is anonymous."""
    return dataclasses.replace(
        request,
        state=state,
        closed_at=now,
        next_deadline=None,
        member="",
        member_room="",
        handoff_room=None,
    )


def asked_again(request: Request, now: float, timing: Timing) -> Request:
    """The member asked again while their request waits: a given-up one is kept for another
    `lapse_after` from now."""
    if request.state != "open" or not request.gave_up:
        return request
    return dataclasses.replace(request, next_deadline=now + timing.lapse_after)


def due(request: Request, now: float, timing: Timing) -> tuple[Request, Step] | None:
    """What happens at `now` to a request whose deadline has come, if anything."""
    if request.next_deadline is None or now < request.next_deadline:
        return None
    if request.state == "accepted":
        return finish(request, now, "expired"), Step.EXPIRE
    if request.state != "open":
        return None
    if request.gave_up:
        return _closed(request, "lapsed", now), Step.LAPSE
    give_up_at = request.created_at + timing.give_up_after
    if now >= give_up_at:
        lapse_at = now + timing.lapse_after
        return dataclasses.replace(request, gave_up=True, next_deadline=lapse_at), Step.GIVE_UP
    step = request.escalations + 1
    following = request.created_at + (step + 1) * timing.ack_timeout
    return (
        dataclasses.replace(request, escalations=step, next_deadline=min(following, give_up_at)),
        Step.ESCALATE,
    )
