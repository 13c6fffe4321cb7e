"""Hypothesis strategies for what a hostile member or homeserver can put in front of the bot:
events of every type nio knows, each mutated at any depth (a field removed, its value replaced
by one of the wrong type, empty, huge, deeply nested or not valid Unicode), to-device messages,
/keys/query and /keys/claim answers, and the plaintext inside encrypted events."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

ROOM = "!hostile:localhost"
PEER = "@mallory:localhost"
BOT = "@warmline:localhost"
# Values Python's json can neither write nor read, written into the body by syncpath.encode:
DEEP_MARK = "\x01deep\x01"  # nesting 3,000 deep
HUGE_MARK = "\x01huge\x01"  # an integer of 5,000 digits
RAW = {DEEP_MARK: "[" * 3000 + "]" * 3000, HUGE_MARK: "9" * 5000}
KEY = "3SxmU1Gyd0r5aJcmHjjHWKxoMRYMvVBbeQMpHLRHxW8"  # 43 characters of base64: a key's shape

ROOM_EVENTS: list[dict[str, Any]] = [
    {"type": "m.room.message", "content": {"msgtype": "m.text", "body": "hi"}},
    {"type": "m.room.message", "content": {"msgtype": "m.notice", "body": "n"}},
    {"type": "m.room.message", "content": {"msgtype": "m.emote", "body": "e"}},
    {"type": "m.room.message", "content": {"msgtype": "m.image", "body": "i", "url": "mxc://a/b"}},
    {
        "type": "m.room.message",
        "content": {"msgtype": "m.file", "body": "f", "file": {"url": "mxc://a/b", "v": "v2"}},
    },
    {
        "type": "m.room.message",
        "content": {
            "msgtype": "m.text",
            "body": "> quote\n\nreply",
            "m.relates_to": {"m.in_reply_to": {"event_id": "$x"}},
        },
    },
    {"type": "m.room.member", "state_key": PEER, "content": {"membership": "join"}},
    {
        "type": "m.room.member",
        "state_key": "@warmline:localhost",
        "content": {"membership": "leave"},
        "unsigned": {"prev_content": {"membership": "join"}},
    },
    {"type": "m.room.power_levels", "state_key": "", "content": {"users": {PEER: 100}}},
    {"type": "m.room.create", "state_key": "", "content": {"creator": PEER}},
    {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "invite"}},
    {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "x"}},
    {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}},
    {"type": "m.room.name", "state_key": "", "content": {"name": "n"}},
    {"type": "m.room.topic", "state_key": "", "content": {"topic": "t"}},
    {"type": "m.room.avatar", "state_key": "", "content": {"url": "mxc://a/b"}},
    {"type": "m.room.canonical_alias", "state_key": "", "content": {"alias": "#a:b"}},
    {
        "type": "m.room.encryption",
        "state_key": "",
        "content": {"algorithm": "m.megolm.v1.aes-sha2"},
    },
    {"type": "m.room.redaction", "redacts": "$x", "content": {"redacts": "$x"}},
    {"type": "m.room.tombstone", "state_key": "", "content": {"replacement_room": "!n:b"}},
    {"type": "m.space.parent", "state_key": "!p:b", "content": {"via": ["b"]}},
    {"type": "m.space.child", "state_key": "!c:b", "content": {"via": ["b"]}},
    {
        "type": "m.room.encrypted",
        "content": {
            "algorithm": "m.megolm.v1.aes-sha2",
            "sender_key": KEY,
            "session_id": "sess",
            "ciphertext": "AwgAEhAx",
            "device_id": "DEV",
        },
    },
    {"type": "m.room.encrypted", "content": {"algorithm": "m.olm.v1.curve25519-aes-sha2"}},
    {"type": "m.sticker", "content": {"body": "s", "url": "mxc://a/b", "info": {}}},
    {
        "type": "m.reaction",
        "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$x", "key": "✅"}},
    },
    {"type": "m.call.invite", "content": {"call_id": "c", "version": 0, "lifetime": 1}},
    {"type": "m.call.hangup", "content": {"call_id": "c", "version": 0}},
    {
        "type": "m.room.message",
        "content": {},
        "unsigned": {"redacted_because": {"sender": PEER, "content": {"reason": "r"}}},
    },
    {"type": "org.example.custom", "content": {"deep": {"er": [1, 2, {"x": None}]}}},
]

TO_DEVICE: list[dict[str, Any]] = [
    {
        "type": "m.room.encrypted",
        "content": {
            "algorithm": "m.olm.v1.curve25519-aes-sha2",
            "sender_key": KEY,
            "ciphertext": {KEY: {"type": 0, "body": "AwogAAAA"}},
        },
    },
    {
        "type": "m.room_key_request",
        "content": {
            "action": "request",
            "request_id": "r",
            "requesting_device_id": "DEV",
            "body": {
                "algorithm": "m.megolm.v1.aes-sha2",
                "room_id": ROOM,
                "sender_key": KEY,
                "session_id": "s",
            },
        },
    },
    {
        "type": "m.room_key_request",
        "content": {
            "action": "request_cancellation",
            "request_id": "r",
            "requesting_device_id": "DEV",
        },
    },
    {
        "type": "m.room_key.withheld",
        "content": {"code": "m.unverified", "session_id": "s", "room_id": ROOM},
    },
    {"type": "m.dummy", "content": {"x": 1}},
    {"type": "m.key.verification.start", "content": {"method": "m.sas.v1"}},
]

INVITE_STATE: list[dict[str, Any]] = [
    {"type": "m.room.member", "state_key": BOT, "content": {"membership": "invite"}},
    {"type": "m.room.name", "state_key": "", "content": {"name": "n"}},
    {"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "invite"}},
    {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "x"}},
]

ACCOUNT_DATA: list[dict[str, Any]] = [
    {"type": "m.fully_read", "content": {"event_id": "$x"}},
    {"type": "m.tag", "content": {"tags": {"u.work": {"order": 0.5}}}},
    {"type": "m.push_rules", "content": {"global": {"content": []}}},
    {"type": "m.ignored_user_list", "content": {"ignored_users": {PEER: {}}}},
    {"type": "m.direct", "content": {PEER: [ROOM]}},
]

# What a room member can put inside a Megolm payload, or a peer inside an Olm payload.
DECRYPTED: list[dict[str, Any]] = [
    {"type": "m.room.message", "content": {"msgtype": "m.text", "body": "!help"}},
    {
        "type": "m.room.message",
        "content": {
            "msgtype": "m.text",
            "body": "> quoted\n\n!help",
            "m.relates_to": {"m.in_reply_to": {"event_id": "$x"}},
        },
    },
    {"type": "m.reaction", "content": {"m.relates_to": {"event_id": "$x", "key": "✅"}}},
    {"type": "m.room.encrypted", "content": {"algorithm": "m.megolm.v1.aes-sha2"}},
    {"type": "m.room_key", "content": {"algorithm": "m.megolm.v1.aes-sha2", "room_id": ROOM}},
]

deep = st.integers(min_value=33, max_value=260).map(lambda n: _nest(n))
hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, -1, 2**53, 10**25, 1.5, float("inf")]),
    st.sampled_from(["", " ", "\ud800", "\x00", "@", "!", "$", "a" * 70_000, DEEP_MARK, HUGE_MARK]),
    st.text(max_size=20),
    st.builds(list),  # a fresh object each time: the harness may fill it (st.just shares one)
    st.builds(dict),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    deep,
)


def _nest(depth: int) -> Any:
    value: Any = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"d": value}
    return value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `value` (not the root)."""
    found: list[tuple[Any, ...]] = []
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, child in items:
        found.append((*prefix, key))
        found += _paths(child, (*prefix, key))
    return found


@st.composite
def mutated(draw: st.DrawFn, template: dict[str, Any]) -> Any:
    """`template` with one to three hostile changes at any depth (or replaced wholesale)."""
    if draw(st.integers(0, 19)) == 0:
        return draw(hostile_values)
    event = copy.deepcopy(template)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(event)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = event
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["drop", "replace", "replace", "add"]))
        if action == "drop":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(hostile_values)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["unsigned", "state_key", "x", "m.relates_to"]))] = draw(
                hostile_values
            )
    return event


def _envelope(event: dict[str, Any], n: int) -> dict[str, Any]:
    return {"event_id": f"$e{n}", "sender": PEER, "origin_server_ts": 1_700_000_000_000, **event}


@st.composite
def room_events(draw: st.DrawFn, n: int = 0) -> Any:
    template = _envelope(draw(st.sampled_from(ROOM_EVENTS)), n)
    return draw(mutated(template))


@st.composite
def to_device_events(draw: st.DrawFn) -> Any:
    return draw(mutated({"sender": PEER, **draw(st.sampled_from(TO_DEVICE))}))


@st.composite
def invite_events(draw: st.DrawFn) -> Any:
    return draw(mutated({"sender": PEER, **draw(st.sampled_from(INVITE_STATE))}))


@st.composite
def account_data(draw: st.DrawFn) -> Any:
    return draw(mutated(draw(st.sampled_from(ACCOUNT_DATA))))


@st.composite
def decrypted_payloads(draw: st.DrawFn) -> Any:
    return draw(mutated({"room_id": ROOM, **draw(st.sampled_from(DECRYPTED))}))


def device_object(user_id: str, device_id: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "device_id": device_id,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {f"ed25519:{device_id}": KEY, f"curve25519:{device_id}": KEY},
        "signatures": {user_id: {f"ed25519:{device_id}": "c2ln"}},
        "unsigned": {"device_display_name": "phone"},
    }


def cross_signing_object(user_id: str, usage: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "usage": [usage],
        "keys": {f"ed25519:{KEY}": KEY},
        "signatures": {user_id: {f"ed25519:{KEY}": "c2ln"}},
    }


@st.composite
def keys_query_answers(draw: st.DrawFn, user_id: str = PEER) -> Any:
    answer = {
        "device_keys": {user_id: {"DEV": device_object(user_id, "DEV")}},
        "master_keys": {user_id: cross_signing_object(user_id, "master")},
        "self_signing_keys": {user_id: cross_signing_object(user_id, "self_signing")},
        "failures": {},
    }
    return draw(mutated(answer))


@st.composite
def keys_claim_answers(draw: st.DrawFn, user_id: str = PEER) -> Any:
    key = {"key": KEY, "signatures": {user_id: {"ed25519:DEV": "c2ln"}}}
    answer = {"one_time_keys": {user_id: {"DEV": {"signed_curve25519:AAAA": key}}}, "failures": {}}
    return draw(mutated(answer))


OLM_PAYLOADS: list[dict[str, Any]] = [
    {
        "type": "m.room_key",
        "content": {
            "algorithm": "m.megolm.v1.aes-sha2",
            "room_id": ROOM,
            "session_id": "<sid>",
            "session_key": "<skey>",
        },
    },
    {
        "type": "m.forwarded_room_key",
        "content": {
            "algorithm": "m.megolm.v1.aes-sha2",
            "room_id": ROOM,
            "session_id": "<sid>",
            "session_key": "<skey>",
            "sender_key": KEY,
            "sender_claimed_ed25519_key": KEY,
            "forwarding_curve25519_key_chain": [],
        },
    },
    {"type": "m.dummy", "content": {}},
    {"type": "m.room_key.withheld", "content": {"code": "m.unverified", "session_id": "s"}},
]
OLM_ENVELOPE: dict[str, Any] = {
    "sender": PEER,
    "sender_device": "PEERDEV",
    "keys": {"ed25519": "<peer_ed>"},
    "recipient": BOT,
    "recipient_keys": {"ed25519": "<bot_ed>"},
}


@dataclass
class HostileBatch:
    """One sync batch's worth of hostile input, and the key answers that go with it."""

    room: Any  # the hostile room's sync entry: timeline, state, account data
    invite_state: list[Any]
    to_device: list[Any]
    account_data: list[Any]
    device_lists: Any
    key_counts: Any
    megolm_plaintext: Any | None  # encrypted for real (a room member's payload)
    olm_payload: Any | None  # encrypted for real (a to-device payload)
    keys_query: Any
    keys_claim: Any
    history: Any  # a /messages page, fetched when the timeline is limited


@st.composite
def hostile_batches(draw: st.DrawFn) -> HostileBatch:
    def some(strategy: st.SearchStrategy[Any], most: int) -> list[Any]:
        return draw(st.lists(strategy, max_size=most))

    room: Any = {
        "timeline": {
            "events": [draw(room_events(i)) for i in range(draw(st.integers(0, 4)))],
            "limited": draw(st.booleans()),
            "prev_batch": "p",
        },
        "state": {"events": [draw(room_events(10 + i)) for i in range(draw(st.integers(0, 2)))]},
        "account_data": {"events": some(account_data(), 1)},
    }
    if draw(st.integers(0, 7)) == 0:
        room = draw(mutated(room))  # the structure around the events, too
    olm = {**OLM_ENVELOPE, **draw(st.sampled_from(OLM_PAYLOADS))}
    return HostileBatch(
        room=room,
        invite_state=some(invite_events(), 3),
        to_device=some(to_device_events(), 3),
        account_data=some(account_data(), 2),
        device_lists=draw(st.builds(lambda: {"changed": [PEER]}) | mutated({"changed": [PEER]})),
        key_counts=draw(st.builds(dict) | mutated({"signed_curve25519": 5})),
        megolm_plaintext=draw(st.none() | decrypted_payloads()),
        olm_payload=draw(st.none() | mutated(olm)),
        keys_query=draw(keys_query_answers()),
        keys_claim=draw(keys_claim_answers()),
        history=draw(mutated({"chunk": [draw(room_events(20))], "start": "s", "end": "e"})),
    )
