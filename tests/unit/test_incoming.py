"""From nio's event to the inbox entry: whether the event itself was encrypted (the room's flag
says nothing about one event) and what it replies to, read defensively."""

from __future__ import annotations

from typing import Any

import pytest
from nio import RoomMessageText

from bot.matrix.events import _incoming


def message(content: dict[str, Any]) -> RoomMessageText:
    event = RoomMessageText.from_dict(
        {
            "type": "m.room.message",
            "event_id": "$e",
            "sender": "@alex:hs",
            "origin_server_ts": 1,
            "content": {"msgtype": "m.text", "body": "hi", **content},
        }
    )
    assert isinstance(event, RoomMessageText)
    return event


def test_a_decrypted_event_is_encrypted_a_plain_one_is_not():
    plain = message({})
    assert _incoming(plain, "!r", True, 2, None).encrypted is False  # type: ignore[union-attr]
    sealed = message({})
    sealed.decrypted = True
    assert _incoming(sealed, "!r", True, 2, "DEV").encrypted is True  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("relates", "reply_to"),
    [
        ({"m.in_reply_to": {"event_id": "$q"}}, "$q"),
        ({"rel_type": "m.thread", "event_id": "$t", "m.in_reply_to": {"event_id": "$q"}}, "$q"),
        ({"rel_type": "m.replace", "event_id": "$x"}, None),
        ({"m.in_reply_to": "$q"}, None),
        ({"m.in_reply_to": {"event_id": 5}}, None),
        ({"m.in_reply_to": {"event_id": ""}}, None),
        ("nonsense", None),
        ([], None),
    ],
)
def test_what_a_message_replies_to(relates: Any, reply_to: str | None):
    event = _incoming(message({"m.relates_to": relates}), "!r", True, 2, None)
    assert event is not None and event.reply_to == reply_to
