"""Typed records kept in the store."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal


@dataclass(frozen=True, repr=False)
class Session:
    homeserver: str
    user_id: str
    device_id: str
    access_token: str

    def __repr__(self) -> str:  # keeps the token out of tracebacks and logs
        return f"Session(device_id={self.device_id!r})"


@dataclass(frozen=True)
class Incoming:
    """One event from a room, decrypted, waiting to be handled (kept until it has been)."""

    event_id: str
    room_id: str
    sender: str
    sender_device: str | None
    kind: str  # "text" | "reaction"
    body: str  # message text, or the reaction key
    relates_to: str | None  # for reactions: the event reacted to
    origin_ts: int  # ms since the epoch, from the homeserver
    room_encrypted: bool  # the room's flag: says nothing about this event
    room_members: int  # joined members when it arrived; 2 means a DM with the bot
    encrypted: bool  # this event arrived encrypted and was decrypted (never forged in clear)
    reply_to: str | None  # a reply's m.in_reply_to: its body may start with a quote fallback

    @property
    def is_dm(self) -> bool:
        """Only the bot and the sender are in the room: a conversation with the bot (whether
        it is also private enough for what is said about the sender is the Rooms port's to
        judge: see Rooms.direct_room)."""
        return self.room_members <= 2


INBOX_COLUMNS = tuple(f.name for f in fields(Incoming))


@dataclass(frozen=True)
class KeptEvent:
    """An event the bot could not decrypt yet, kept until its key arrives."""

    event_id: str
    room_id: str
    sender: str
    session_id: str
    source: str  # the encrypted event as JSON (ciphertext only)
    first_seen: float


@dataclass(frozen=True)
class Checkin:
    """A member's personal check-in: `days` like "daily" or "mon,thu", `at` like "20:00",
    in the member's time zone, sent to `room` (their DM with the bot)."""

    user_id: str
    days: str
    at: str
    room: str


@dataclass(frozen=True, repr=False)
class CrossSigningSeeds:
    """The bot's three cross-signing private keys (base64 ed25519 seeds)."""

    master: str
    self_signing: str
    user_signing: str

    def __repr__(self) -> str:
        return "CrossSigningSeeds(...)"


# open, then accepted (or cancelled, lapsed), then done or expired; the last four are closed
RequestState = Literal["open", "accepted", "done", "cancelled", "expired", "lapsed"]
ClosedState = Literal["done", "cancelled", "expired", "lapsed"]


@dataclass(frozen=True)
class Request:
    """A member's request for a peer, from "I need to talk" until the handoff ends.

    Once it is closed (done, cancelled, expired, lapsed) the member's identity and rooms are
    erased from it; what is left is anonymous (id, language, times, outcome)."""

    id: str  # short, e.g. K7F2: the only handle supporters ever see
    member: str
    member_room: str  # the encrypted DM the bot talks to the member in
    language: str
    created_at: float
    state: RequestState = "open"
    page_event: str | None = None  # the page in the supporters room
    escalations: int = 0  # how many ack timeouts have passed
    next_deadline: float | None = None
    gave_up: bool = False  # the member was told honestly that nobody is free
    supporter: str | None = None
    accepted_at: float | None = None
    handoff_room: str | None = None
    introduced: bool = False
    closed_at: float | None = None
    # set before the handoff room is created, and put into it: a restart finds it again
    room_marker: str | None = None
    # the page's transaction id, stored before it is sent: after a crash, the same page again
    page_txn: str | None = None
    # the member's !cancel that withdrew it: that event handled again (after a crash) is
    # answered as the first time, not "you have no open request"
    closed_by: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ("open", "accepted")


REQUEST_COLUMNS = tuple(f.name for f in fields(Request))


@dataclass(frozen=True)
class RequestFigures:
    """Counts over stored requests (any state) made since a moment, and the median time to
    accept over those and the folded ones since the same day: for `!status`."""

    requests: int = 0
    accepts: int = 0
    escalations: int = 0
    give_ups: int = 0
    median_accept: float | None = None  # seconds


@dataclass(frozen=True)
class OnCallOverride:
    """A supporter's manual `!oncall on|off`, in force until `until` (epoch seconds)."""

    user_id: str
    on_call: bool
    until: float


@dataclass(frozen=True)
class Block:
    """A block on a request's member, as the team sees it: never who."""

    request_id: str
    since: float
    until: float | None  # None: until lifted
    reason: str | None


@dataclass(frozen=True)
class Purged:
    """What one retention purge removed."""

    requests: int  # closed requests folded into anonymous daily counts
    event_ids: int  # handled event ids past their dedupe window
    other: int  # expired overrides, old schedule claims, old daily counts


@dataclass(frozen=True)
class RoomChanges:
    """What a sync batch changed in the rooms' state (bot.matrix.roomstate), written with
    the sync position so a restart resumes from a position no newer than the state."""

    kept: dict[str, str]  # room id -> the room's state as the bot keeps it (JSON)
    gone: frozenset[str]  # rooms the bot left or was removed from
    complete: bool = False  # kept is every room the bot is in or invited to (full state)
