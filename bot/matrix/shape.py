"""The minimal shape matrix-nio assumes of each event, checked before nio sees it.

nio 0.26 trusts much of what a homeserver sends: an `m.room.encrypted` event whose `sender_key`
or `session_id` is empty trips an `assert` while the sync is being handled; an event whose
`origin_server_ts` is not a number, or an event that is not an object at all, makes its parser
raise `TypeError`; a to-device `m.room_key_request` without `action` raises `KeyError`. Any of
these stops `client.sync()` before warmline has advanced its position, so every restart would
meet the same event again. Anyone who can post into a room the bot is in could silence the line.

Each function here takes a decoded body and returns a rebuilt copy holding only what passed
(see `bot.matrix.sanitize` for where it runs), plus a `Dropped` record per event left out.
The copy is built from scratch, so the structure around the events (rooms, timelines, lists)
always has the types nio indexes into. The rules are what nio reads without checking, plus
the spec's own bounds (65,536 bytes per event, identifiers of at most 255 characters);
anything nio validates itself (each event type's content schema) stays nio's to judge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.matrix.eventshape import (
    Problem,
    account_data_problem,
    id_text,
    invite_event_problem,
    json_object,
    room_event_problem,
    to_device_problem,
)

JsonDict = dict[str, Any]
MAX_TOKEN = 4096  # next_batch, prev_batch, end: opaque, but not unbounded


@dataclass(frozen=True)
class Dropped:
    """One event left out: where it was, who sent it (if known) and what was wrong. Never its
    content; IDs are for `Redactor.tag`."""

    section: str
    reason: str
    room_id: str | None = None
    sender: str | None = None


class _Collector:
    def __init__(self) -> None:
        self.dropped: list[Dropped] = []

    def events(
        self, raw: Any, section: str, problem: Callable[[Any], Problem], room_id: str | None = None
    ) -> list[Any]:
        """The events of `raw` (a list, else none) that have no problem."""
        if not isinstance(raw, list):
            if raw is not None:
                self.dropped.append(Dropped(section, "events: not a list", room_id))
            return []
        kept = []
        for ev in raw:
            found = problem(ev)
            if found is None:
                kept.append(ev)
            else:
                sender = ev.get("sender") if isinstance(ev, dict) else None
                self.dropped.append(
                    Dropped(section, found, room_id, sender if id_text(sender) else None)
                )
        return kept

    def section_events(
        self, parent: Any, key: str, section: str, problem: Callable[[Any], Problem], room: Any
    ) -> list[Any]:
        """`parent[key]["events"]`, checked, for sections shaped `{"events": [...]}`."""
        holder = parent.get(key) if isinstance(parent, dict) else None
        if holder is None:
            return []
        if not isinstance(holder, dict):
            self.dropped.append(Dropped(section, f"{key}: not an object", room))
            return []
        return self.events(holder.get("events"), section, problem, room)


def _rooms(raw: Any, kind: str, c: _Collector) -> dict[str, Any]:
    """The rooms of one membership kind whose id and value are well-formed."""
    if not isinstance(raw, dict):
        return {}
    rooms: dict[str, Any] = {}
    for room_id, info in raw.items():
        if not (id_text(room_id) and room_id.startswith("!") and isinstance(info, dict)):
            c.dropped.append(Dropped(kind, "room: malformed id or value"))
            continue
        rooms[room_id] = info
    return rooms


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value < 2**53


def _joined(room_id: str, info: JsonDict, c: _Collector) -> JsonDict:
    timeline = json_object(info, "timeline")
    out: JsonDict = {
        "timeline": {
            "events": c.section_events(info, "timeline", "timeline", room_event_problem, room_id),
            "limited": timeline.get("limited") is True,
        },
        "state": {"events": c.section_events(info, "state", "state", room_event_problem, room_id)},
        "account_data": {
            "events": c.section_events(
                info, "account_data", "room account data", account_data_problem, room_id
            )
        },
    }
    prev_batch = timeline.get("prev_batch")
    if id_text(prev_batch, MAX_TOKEN):
        out["timeline"]["prev_batch"] = prev_batch
    summary = info.get("summary")
    if isinstance(summary, dict):
        out["summary"] = {
            k: summary[k]
            for k in ("m.joined_member_count", "m.invited_member_count")
            if _count(summary.get(k))
        }
        heroes = summary.get("m.heroes")
        if isinstance(heroes, list) and all(id_text(h) for h in heroes):
            out["summary"]["m.heroes"] = heroes
    unread = info.get("unread_notifications")
    if isinstance(unread, dict):
        out["unread_notifications"] = {
            k: unread[k] for k in ("notification_count", "highlight_count") if _count(unread.get(k))
        }
    # ephemeral (typing, receipts) and thread counts: the bot's filter asks for none
    return out


def _user_ids(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        return []
    return [u for u in raw if id_text(u) and u.startswith("@")]


def clean_sync(raw: Any) -> tuple[JsonDict, list[Dropped]] | None:
    """A sync response rebuilt from its well-formed parts; None without a usable next_batch
    (then there is nothing to advance to)."""
    if not isinstance(raw, dict) or not id_text(raw.get("next_batch"), MAX_TOKEN):
        return None
    c = _Collector()
    rooms = json_object(raw, "rooms")
    joined = {r: _joined(r, info, c) for r, info in _rooms(rooms.get("join"), "join", c).items()}
    invited = {
        r: {
            "invite_state": {
                "events": c.section_events(
                    info, "invite_state", "invite state", invite_event_problem, r
                )
            }
        }
        for r, info in _rooms(rooms.get("invite"), "invite", c).items()
    }
    left = {
        r: {
            "timeline": {
                "events": c.section_events(info, "timeline", "left timeline", room_event_problem, r)
            },
            "state": {
                "events": c.section_events(info, "state", "left state", room_event_problem, r)
            },
        }
        for r, info in _rooms(rooms.get("leave"), "leave", c).items()
    }
    lists = json_object(raw, "device_lists")
    counts = raw.get("device_one_time_keys_count")
    body: JsonDict = {
        "next_batch": raw["next_batch"],
        "rooms": {"join": joined, "invite": invited, "leave": left},
        "to_device": {
            "events": c.section_events(raw, "to_device", "to-device", to_device_problem, None)
        },
        "account_data": {
            "events": c.section_events(
                raw, "account_data", "account data", account_data_problem, None
            )
        },
        "device_lists": {
            "changed": _user_ids(lists.get("changed")),
            "left": _user_ids(lists.get("left")),
        },
        "device_one_time_keys_count": {
            k: v for k, v in (counts.items() if isinstance(counts, dict) else ()) if _count(v)
        },
        # presence: the bot's filter asks for none
    }
    return body, c.dropped


def clean_messages(raw: Any, room_id: str) -> tuple[JsonDict, list[Dropped]] | None:
    """A /messages page (backfill) rebuilt from its well-formed events."""
    if not isinstance(raw, dict) or not id_text(raw.get("start"), MAX_TOKEN):
        return None
    c = _Collector()
    body: JsonDict = {
        "start": raw["start"],
        "chunk": c.events(raw.get("chunk"), "history", room_event_problem, room_id),
        "state": c.events(raw.get("state", []), "history state", room_event_problem, room_id),
    }
    if id_text(raw.get("end"), MAX_TOKEN):
        body["end"] = raw["end"]
    return body, c.dropped
