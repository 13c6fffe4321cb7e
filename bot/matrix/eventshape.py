"""Per-event shape rules: what nio reads from one event without checking it first.

Each rule returns None for an event nio can take, else a short reason naming the field and
the problem (never the value: reasons are logged). See `bot.matrix.shape` for the why.
"""

from __future__ import annotations

import json
import re
from typing import Any

Problem = str | None
MAX_ID = 255  # the spec's bound for user, room and event IDs, event types and state keys
MAX_EVENT_BYTES = 65_536  # the spec's bound for a whole event
MAX_DEPTH = 32  # real events nest a few levels; nio and json recurse per level
MEGOLM = "m.megolm.v1.aes-sha2"
OLM = "m.olm.v1.curve25519-aes-sha2"
_PRINTABLE = re.compile(r"[\x21-\x7e]+")


def id_text(value: Any, limit: int = MAX_ID) -> bool:
    """A non-empty string of at most `limit` printable ASCII characters, no spaces: what every
    Matrix identifier, event type, key and token is (the spec's grammars are ASCII)."""
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        return False
    return _PRINTABLE.fullmatch(value) is not None


def json_object(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """`parent[key]` if it is a JSON object, else an empty one."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _state_key(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ID  # may be empty


def _optional(event: dict[str, Any], key: str, kind: type) -> Problem:
    if key in event and not isinstance(event[key], kind):
        return f"{key}: not {'an object' if kind is dict else 'a string'}"
    return None


def _nested_deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        if not isinstance(node, dict | list):
            continue
        if depth > limit:
            return True
        stack += [(child, depth + 1) for child in children]
    return False


def bounds_problem(event: Any) -> Problem:
    """Too big, too deep, or holding a string that is not valid Unicode."""
    try:
        size = len(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())
    except (UnicodeEncodeError, RecursionError, ValueError):
        return "not encodable as UTF-8 JSON"
    if size > MAX_EVENT_BYTES:
        return "larger than 65,536 bytes"
    if _nested_deeper_than(event, MAX_DEPTH):
        return f"nested deeper than {MAX_DEPTH} levels"
    return None


def _encrypted_problem(content: dict[str, Any], in_room: bool) -> Problem:
    algorithm = content.get("algorithm")
    if not id_text(algorithm):
        return "content.algorithm: missing or empty"
    if not id_text(content.get("sender_key"), 1024):
        return "content.sender_key: missing or empty"  # nio asserts it before decrypting
    if in_room and algorithm == MEGOLM:
        for key in ("session_id", "ciphertext", "device_id"):
            if not id_text(content.get(key), MAX_EVENT_BYTES):
                return f"content.{key}: missing or empty"
    if not in_room:
        if algorithm != OLM:
            return "content.algorithm: not Olm"
        return _olm_ciphertext_problem(content.get("ciphertext"))
    return None


def _olm_ciphertext_problem(ciphertext: Any) -> Problem:
    if not isinstance(ciphertext, dict) or not ciphertext:
        return "content.ciphertext: not an object"
    for message in ciphertext.values():
        if not (
            isinstance(message, dict)
            and type(message.get("type")) is int
            and id_text(message.get("body"), MAX_EVENT_BYTES)
        ):
            return "content.ciphertext: a message without type and body"
    return None


def _unsigned_problem(unsigned: Any) -> Problem:
    if not isinstance(unsigned, dict):
        return "unsigned: not an object"
    if (problem := _optional(unsigned, "transaction_id", str)) is not None:
        return f"unsigned.{problem}"
    if (problem := _optional(unsigned, "prev_content", dict)) is not None:
        return f"unsigned.{problem}"
    if "redacted_because" in unsigned:
        because = unsigned["redacted_because"]
        if not (
            isinstance(because, dict)
            and id_text(because.get("sender"))
            and isinstance(because.get("content"), dict)
        ):
            return "unsigned.redacted_because: malformed"
    return None


def _fields_problem(event: Any, keys: tuple[str, ...]) -> Problem:
    """Not an object, or one of `keys` is not an identifier."""
    if not isinstance(event, dict):
        return "not an object"
    for key in keys:
        if not id_text(event.get(key)):
            return f"{key}: missing, empty or too long"
    return None


def room_event_problem(event: Any) -> Problem:
    """A timeline, state or history event of a room."""
    if (problem := _fields_problem(event, ("type", "event_id", "sender"))) is not None:
        return problem
    ts = event.get("origin_server_ts")
    if not (type(ts) is int and 0 <= ts < 2**53):
        return "origin_server_ts: not a timestamp"
    content = event.get("content")
    if not isinstance(content, dict):
        return "content: not an object"
    if "state_key" in event and not _state_key(event["state_key"]):
        return "state_key: not a short string"
    for key, kind in (("room_id", str), ("prev_content", dict)):
        if (problem := _optional(event, key, kind)) is not None:
            return problem
    if "unsigned" in event and (problem := _unsigned_problem(event["unsigned"])) is not None:
        return problem
    if event["type"] == "m.room.encrypted":
        return _encrypted_problem(content, in_room=True) or bounds_problem(event)
    return bounds_problem(event)


def _key_request_problem(content: dict[str, Any]) -> Problem:
    if content.get("action") not in ("request", "request_cancellation"):
        return "content.action: unknown"
    for key in ("request_id", "requesting_device_id"):
        if not id_text(content.get(key)):
            return f"content.{key}: missing or empty"
    body = content.get("body")
    if content["action"] == "request" and not (
        isinstance(body, dict)
        and all(
            id_text(body.get(k), 1024) for k in ("algorithm", "room_id", "sender_key", "session_id")
        )
    ):
        return "content.body: malformed"
    return None


def to_device_problem(event: Any) -> Problem:
    if (problem := _fields_problem(event, ("type", "sender"))) is not None:
        return problem
    content = event.get("content")
    if not isinstance(content, dict) or not content:
        return "content: not an object or empty"
    if "unsigned" in event and (problem := _unsigned_problem(event["unsigned"])) is not None:
        return problem
    kind = event["type"]
    if kind.startswith("m.key.verification."):
        # nio's old SAS flow is broken against Element (shared notes); the bot does not verify
        # interactively, so a stranger's verification messages never reach nio's state machine.
        return "interactive verification is not supported"
    if kind == "m.room.encrypted":
        problem = _encrypted_problem(content, in_room=False)
    elif kind == "m.room_key_request":
        problem = _key_request_problem(content)
    else:
        problem = None
    return problem or bounds_problem(event)


def invite_event_problem(event: Any) -> Problem:
    """A stripped state event of a room the bot is invited to."""
    if (problem := _fields_problem(event, ("type", "sender"))) is not None:
        return problem
    if not _state_key(event.get("state_key")):
        return "state_key: not a short string"
    if not isinstance(event.get("content"), dict):
        return "content: not an object"
    if "unsigned" in event and (problem := _unsigned_problem(event["unsigned"])) is not None:
        return problem
    return bounds_problem(event)


def account_data_problem(event: Any) -> Problem:
    if (problem := _fields_problem(event, ("type",))) is not None:
        return problem
    if not isinstance(event.get("content"), dict):
        return "content: not an object"
    return bounds_problem(event)
