"""Typed records kept in the store."""

from __future__ import annotations

from dataclasses import dataclass


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
    room_encrypted: bool
    room_members: int  # joined members when it arrived; 2 means a DM with the bot

    @property
    def is_dm(self) -> bool:
        return self.room_members <= 2


@dataclass(frozen=True)
class KeptEvent:
    """An event the bot could not decrypt yet, kept until its key arrives."""

    event_id: str
    room_id: str
    sender: str
    session_id: str
    source: str  # the encrypted event as JSON (ciphertext only)
    first_seen: float


@dataclass(frozen=True, repr=False)
class CrossSigningSeeds:
    """The bot's three cross-signing private keys (base64 ed25519 seeds)."""

    master: str
    self_signing: str
    user_signing: str

    def __repr__(self) -> str:
        return "CrossSigningSeeds(...)"
