"""What the relay reads from nio's events (bot.matrix.events): emotes, notices, edits,
redactions and attachments become inbox entries of their own kind, read defensively."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nio import Event, RoomMessage

from bot.matrix.events import _incoming

KEYS = {
    "key": {"kty": "oct", "alg": "A256CTR", "ext": True, "k": "K", "key_ops": ["decrypt"]},
    "iv": "I",
    "hashes": {"sha256": "H"},
    "v": "v2",
}


def parsed(
    content: dict[str, Any], kind: str = "m.room.message", decrypted: bool = True, **extra: Any
) -> Event:
    """As nio parses it (after decrypting, by default: an encrypted room's events)."""
    source = {
        "type": kind,
        "event_id": "$e",
        "sender": "@alex:hs",
        "origin_server_ts": 1,
        "content": content,
        **extra,
    }
    if kind == "m.room.message" and decrypted:
        return RoomMessage.parse_decrypted_event(source)
    if kind == "m.room.message":
        return RoomMessage.parse_event(source)
    return Event.parse_event(source)


def entry(ev: Event) -> tuple[str, str, str | None]:
    found = _incoming(ev, "!r", True, 2, None)
    assert found is not None
    return found.kind, found.body, found.relates_to


def test_emotes_notices_and_edits():
    assert entry(parsed({"msgtype": "m.emote", "body": "waves"})) == ("emote", "waves", None)
    assert entry(parsed({"msgtype": "m.notice", "body": "fyi"})) == ("notice", "fyi", None)
    edit = {
        "msgtype": "m.text",
        "body": "* new",
        "m.new_content": {"msgtype": "m.text", "body": "new"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$old"},
    }
    assert entry(parsed(edit)) == ("edit", "new", "$old")
    # an edit without new content is an ordinary message (nothing else can be read)
    broken = {**edit, "m.new_content": "nonsense"}
    assert entry(parsed(broken))[0] == "text"


def test_a_redaction():
    ev = parsed({}, "m.room.redaction", redacts="$gone")
    assert entry(ev) == ("redaction", "", "$gone")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            {"msgtype": "m.image", "body": "me.png", "file": {"url": "mxc://hs/a", **KEYS}},
            {"msgtype": "m.image", "file": {"url": "mxc://hs/a", **KEYS}},
        ),
        (
            {"msgtype": "m.file", "body": "f", "url": "mxc://hs/b", "info": {"size": 9}},
            {"msgtype": "m.file", "url": "mxc://hs/b", "size": 9},
        ),
    ],
)
def test_attachments_keep_where_and_how_big_not_the_name(
    content: dict[str, Any], expected: dict[str, Any]
):
    kind, body, _ = entry(parsed(content, decrypted="file" in content))
    described = json.loads(body)
    assert kind == "media" and "me.png" not in body
    assert {k: v for k, v in described.items() if v is not None} == expected


def test_what_cannot_be_relayed_is_other():
    assert entry(parsed({"msgtype": "m.location", "body": "here", "geo_uri": "geo:1,2"}))[0] == (
        "other"
    )
    # an attachment nio cannot read at all is no event for anyone
    assert _incoming(parsed({"msgtype": "m.image", "body": "no url"}), "!r", True, 2, None) is None
