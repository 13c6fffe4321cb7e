"""Nothing a stranger or a homeserver sends stops the sync loop (issue #10, section 1), and
trust follows the keys nio encrypts to (section 2): the real client, store and sync loop, a fake
homeserver at the HTTP boundary (tests/support/syncpath.py). `python -m bench.fuzz` runs the same
fuzz test with many more examples."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from signedjson.key import encode_verify_key_base64, generate_signing_key, get_verify_key
from signedjson.sign import sign_json

from bot.matrix.crosssign import generate_seeds, sign_device, upload_body
from bot.matrix.sync import MAX_TRIES
from bot.ports import Verdict
from tests.support.hostile import (
    DEEP_MARK,
    HUGE_MARK,
    KEY,
    PEER,
    ROOM,
    HostileBatch,
    hostile_batches,
)
from tests.support.syncpath import CLEAN, FakeResponse, FuzzBot, HostileRun, encode, marker


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as running:
        yield running


@pytest.fixture
def bot(tmp_path: Path, runner: asyncio.Runner) -> Iterator[FuzzBot]:
    fuzz = FuzzBot(tmp_path)
    runner.run(fuzz.start())
    yield fuzz
    runner.run(fuzz.close())


def test_hostile_batches_never_stop_the_loop(bot: FuzzBot, runner: asyncio.Runner):
    run = HostileRun(bot)

    @settings(
        max_examples=250,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(plan=hostile_batches())
    def survives(plan: HostileBatch) -> None:
        runner.run(run.survives(plan))

    survives()
    assert run.dropped, "the generator must produce malformed input"


def timeline_batch(*events: Any, room: str = ROOM) -> dict[str, Any]:
    return {"rooms": {"join": {room: {"timeline": {"events": list(events)}}}}}


def encrypted(**content: Any) -> dict[str, Any]:
    body = {
        "algorithm": "m.megolm.v1.aes-sha2",
        "sender_key": KEY,
        "session_id": "session",
        "ciphertext": "AwgAEhAx",
        "device_id": "DEV",
        **content,
    }
    return {**marker("bad"), "type": "m.room.encrypted", "content": body, "event_id": "$bad"}


@pytest.mark.parametrize(
    "bad",
    [
        encrypted(sender_key=""),
        encrypted(session_id=""),
        {**marker("x"), "origin_server_ts": "yesterday"},  # nio's BadEvent: max(0, str)
        "an event that is a string",
        {**marker("x"), "unsigned": {"redacted_because": "x"}},
        {**marker("x"), "content": {"body": DEEP_MARK}},
        {**marker("x"), "origin_server_ts": HUGE_MARK},
        {**marker("x"), "origin_server_ts": float("nan")},
    ],
    ids=[
        "empty sender_key",
        "empty session_id",
        "timestamp a string",
        "not an object",
        "redacted_because a string",
        "nested 3000 deep",
        "5000-digit number",
        "NaN",
    ],
)
def test_a_bad_timeline_event_loses_only_itself(bot: FuzzBot, runner: asyncio.Runner, bad: Any):
    runner.run(bot.run_batch(timeline_batch(bad, marker("after"))))
    assert bot.delivered("$markafter"), "the event after the bad one must arrive"
    runner.run(bot.run_batch(timeline_batch(marker("next"))))
    assert bot.delivered("$marknext")
    assert bot.loop.skipped_total == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "m.room_key_request", "sender": PEER, "content": {"request_id": "r"}},
        {
            "type": "m.room.encrypted",
            "sender": PEER,
            "content": {
                "algorithm": "m.olm.v1.curve25519-aes-sha2",
                "sender_key": KEY,
                "ciphertext": "<own key>",
            },
        },
        {
            "type": "m.room.encrypted",
            "sender": PEER,
            "content": {"algorithm": "x", "sender_key": ""},
        },
        {"type": "m.dummy", "sender": PEER, "content": {"x": 1}, "unsigned": "x"},
    ],
    ids=["key request without action", "olm body not base64", "empty sender_key", "unsigned"],
)
def test_a_bad_to_device_message_loses_only_itself(bot: FuzzBot, runner: asyncio.Runner, bad):
    if bad["content"].get("ciphertext") == "<own key>":
        own = bot.client.olm.account.identity_keys["curve25519"]
        bad = copy.deepcopy(bad)
        bad["content"]["ciphertext"] = {own: {"type": 0, "body": "!!not base64!!"}}
    batch = timeline_batch(marker("after"), room=CLEAN)
    batch["to_device"] = {"events": [bad]}
    runner.run(bot.run_batch(batch))
    assert bot.delivered("$markafter")


def test_an_olm_message_nio_cannot_take_loses_only_itself(bot: FuzzBot, runner: asyncio.Runner):
    payload = {**bot.peer.olm_envelope(bot.client), "type": "m.room_key", "content": []}
    batch = timeline_batch(marker("after"), room=CLEAN)
    batch["to_device"] = {"events": [bot.peer.olm(bot.client, json.dumps(payload))]}
    runner.run(bot.run_batch(batch))
    assert bot.delivered("$markafter")


@pytest.mark.parametrize(
    "plaintext",
    [
        json.dumps({"type": "m.room.message", "content": 5, "room_id": ROOM}),
        json.dumps([1, 2]),
        json.dumps({"content": {"body": "no type"}, "room_id": ROOM}),
        "[" * 3000 + "]" * 3000,
        json.dumps({"type": "m.room.message", "content": {"msgtype": "m.text", "body": "\ud800"}}),
        json.dumps(
            {
                "type": "m.room.message",
                "content": {
                    "msgtype": "m.text",
                    "body": "hi",
                    "m.relates_to": {"m.in_reply_to": {"event_id": "$\udfff"}},
                },
            }
        ),
    ],
    ids=[
        "content a number",
        "a list",
        "no type",
        "nested 3000 deep",
        "unpaired surrogate",
        "reply to an unpaired surrogate",
    ],
)
def test_a_megolm_payload_nio_cannot_take_loses_only_itself(
    bot: FuzzBot, runner: asyncio.Runner, plaintext: str, caplog: pytest.LogCaptureFixture
):
    hostile = bot.peer.megolm(bot.client, plaintext, "payload")
    with caplog.at_level(logging.ERROR):
        runner.run(bot.run_batch(timeline_batch(hostile, marker("after"))))
        runner.run(bot.run_batch(timeline_batch(marker("next"), room=CLEAN)))
    assert bot.delivered("$markafter") and bot.delivered("$marknext")
    assert not bot.delivered("$mpayload")
    # lost on its own: no failed batch, and no retry of it that fails on every sync after
    assert [r.getMessage() for r in caplog.records if r.name.startswith("bot.")] == []


@pytest.mark.parametrize(
    "answer",
    [
        {"device_keys": {PEER: {"DEV": {"device_id": "DEV", "algorithms": [], "keys": {}}}}},
        {"device_keys": {PEER: {"DEV": "a device that is a string"}}},
        {"device_keys": {PEER: {"DEV": {"user_id": PEER, "device_id": "DEV", "unsigned": 5}}}},
    ],
    ids=["no user_id", "a string", "unsigned a number"],
)
def test_a_bad_key_query_answer_stops_nothing(bot: FuzzBot, runner: asyncio.Runner, answer):
    bot.hs.keys_query = encode(answer)
    bot.client.olm.users_for_key_query.add(PEER)
    runner.run(bot.run_batch(timeline_batch(marker("after"), room=CLEAN)))
    assert bot.delivered("$markafter")
    assert runner.run(bot.trust.verdict(PEER, "DEV")) is Verdict.NOT_CROSS_SIGNED


@pytest.mark.parametrize(
    "answer",
    [
        {"one_time_keys": {PEER: {"DEV": {}}}},  # nio: next(iter({})) raises StopIteration
        {"one_time_keys": {PEER: {"DEV": {"signed_curve25519:A": "a string"}}}},
        {"one_time_keys": {PEER: {"DEV": {"signed_curve25519:A": {"key": "!", "signatures": {}}}}}},
    ],
    ids=["no key", "key a string", "key not base64"],
)
def test_a_bad_key_claim_answer_stops_nothing(bot: FuzzBot, runner: asyncio.Runner, answer):
    bot.hs.keys_claim = encode(answer)
    runner.run(bot.client.keys_claim({PEER: ["DEV"]}))
    runner.run(bot.run_batch(timeline_batch(marker("after"), room=CLEAN)))
    assert bot.delivered("$markafter")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[" * 5000 + b"]" * 5000, b'{"rooms": {}}', b'{"next_batch": 5}'],
    ids=["not json", "nested 5000 deep", "no next_batch", "next_batch a number"],
)
def test_a_sync_answer_with_nowhere_to_go_is_retried_not_fatal(
    bot: FuzzBot, runner: asyncio.Runner, body: bytes
):
    async def scenario() -> None:
        asked = bot.hs.sync_requests
        await bot.hs.add_batch(bot.last, body)
        async with asyncio.timeout(10):
            while bot.hs.sync_requests < asked + 3:  # it keeps asking, with backoff
                await asyncio.sleep(0.01)
        assert bot.task is not None and not bot.task.done()
        bot.hs.batches.pop(bot.last)
        await bot.run_batch(timeline_batch(marker("after"), room=CLEAN))

    runner.run(scenario())
    assert bot.delivered("$markafter")


def test_a_batch_that_always_fails_is_skipped_after_a_few_tries(
    bot: FuzzBot, runner: asyncio.Runner, caplog: pytest.LogCaptureFixture
):
    real_commit = bot.store.commit_batch
    tries: list[str] = []

    def commit(next_batch: str, events: list[Any], rooms: Any = None) -> list[Any]:
        if next_batch == "b1" and events:
            tries.append(next_batch)
            raise RuntimeError("a bug nobody foresaw")
        return real_commit(next_batch, events, rooms)

    bot.store.commit_batch = commit  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING):
        runner.run(bot.run_batch(timeline_batch(marker("doomed"), room=CLEAN)))
        runner.run(bot.run_batch(timeline_batch(marker("after"), room=CLEAN)))
    assert len(tries) == MAX_TRIES
    assert bot.loop.skipped_total == 1
    assert bot.delivered("$markafter") and not bot.delivered("$markdoomed")
    skipped = [r.getMessage() for r in caplog.records if "skipped past it" in r.getMessage()]
    assert len(skipped) == 1 and "RuntimeError" in skipped[0]


def test_dropped_events_are_logged_once_per_batch_without_content_or_ids(
    bot: FuzzBot, runner: asyncio.Runner, caplog: pytest.LogCaptureFixture
):
    secret = "my secret words"
    bad = [
        {**encrypted(sender_key=""), "event_id": f"$bad{i}", "content": {"body": secret}}
        for i in range(8)
    ]
    with caplog.at_level(logging.INFO):
        runner.run(bot.run_batch(timeline_batch(*bad, marker("after"))))
    # warmline's own lines (nio's loggers are held at ERROR by bot.logs.setup)
    lines = [
        r.getMessage()
        for r in caplog.records
        if r.levelno > logging.DEBUG and r.name.startswith("bot.")
    ]
    dropped = [line for line in lines if "left out" in line]
    assert len(dropped) == 1 and "left out 8 malformed" in dropped[0]
    assert "and 3 more" in dropped[0]
    for line in lines:
        assert secret not in line and PEER not in line and ROOM not in line


# -- trust follows the keys nio encrypts to (section 2), with nio's real device store --------


def peer_device(device_id: str, seeds: Any = None) -> tuple[dict[str, Any], str, str]:
    """A device key object self-signed by its own key (as nio requires), cross-signed by
    `seeds` if given; and its (ed25519, curve25519) keys."""
    device_key = generate_signing_key(device_id)
    ed = encode_verify_key_base64(get_verify_key(device_key))
    curve = encode_verify_key_base64(get_verify_key(generate_signing_key("c")))
    obj = {
        "user_id": PEER,
        "device_id": device_id,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {f"ed25519:{device_id}": ed, f"curve25519:{device_id}": curve},
    }
    obj = sign_json(obj, PEER, device_key)
    if seeds is not None:
        obj = sign_device(PEER, obj, seeds)
    return obj, ed, curve


def answers(nio_sees: dict[str, Any], we_see: dict[str, Any]) -> Any:
    """Two different /keys/query answers: one for nio's own query, one for warmline's."""

    def answer(data: Any) -> bytes:
        return encode(we_see if '"timeout"' in str(data) else nio_sees)

    return answer


def test_a_device_is_trusted_only_with_the_keys_its_owner_signed(
    bot: FuzzBot, runner: asyncio.Runner
):
    seeds = generate_seeds()
    cross = upload_body(PEER, seeds)
    genuine, _, _ = peer_device("PHONE", seeds)
    injected, evil_ed, _ = peer_device("PHONE")  # the server's own device, under the same ID
    we_see = {
        "device_keys": {PEER: {"PHONE": genuine}},
        "master_keys": {PEER: cross["master_key"]},
        "self_signing_keys": {PEER: cross["self_signing_key"]},
    }
    bot.hs.keys_query = answers({"device_keys": {PEER: {"PHONE": injected}}}, we_see)
    bot.client.olm.users_for_key_query.add(PEER)
    runner.run(bot.run_batch(timeline_batch(marker("x"), room=CLEAN)))
    (nio_device,) = bot.client.device_store.active_user_devices(PEER)
    assert nio_device.ed25519 == evil_ed  # nio took the injected keys
    runner.run(bot.trust.prepare_room(ROOM))
    assert bot.client.olm.is_device_blacklisted(nio_device)
    assert not bot.client.olm.is_device_verified(nio_device)
    assert runner.run(bot.trust.verdict(PEER, "PHONE")) is Verdict.NOT_CROSS_SIGNED


def cross_signed_phone() -> dict[str, Any]:
    """A /keys/query answer: PEER's PHONE, cross-signed by PEER's own keys."""
    seeds = generate_seeds()
    cross = upload_body(PEER, seeds)
    genuine, _, _ = peer_device("PHONE", seeds)
    return {
        "device_keys": {PEER: {"PHONE": genuine}},
        "master_keys": {PEER: cross["master_key"]},
        "self_signing_keys": {PEER: cross["self_signing_key"]},
    }


def test_the_same_device_with_its_signed_keys_is_trusted(bot: FuzzBot, runner: asyncio.Runner):
    same = cross_signed_phone()
    bot.hs.keys_query = answers(same, same)
    bot.client.olm.users_for_key_query.add(PEER)
    runner.run(bot.run_batch(timeline_batch(marker("x"), room=CLEAN)))
    runner.run(bot.trust.prepare_room(ROOM))
    (nio_device,) = bot.client.device_store.active_user_devices(PEER)
    assert bot.client.olm.is_device_verified(nio_device)
    assert runner.run(bot.trust.verdict(PEER, "PHONE")) is Verdict.TRUSTED


def test_nios_key_query_after_a_sync_also_answers_the_trust_policy(
    bot: FuzzBot, runner: asyncio.Runner
):
    """A sync names a member whose devices changed: nio's own /keys/query (right after the
    sync) carries the cross-signing keys too, and the trust policy keeps them, so the send
    that follows does not ask the homeserver the same question again (#16: with lazy-loaded
    members, Synapse names every member whose membership it sends, which was a second query
    before nearly every answer in a burst). Trust is still given only to the keys nio holds."""
    same = cross_signed_phone()
    bot.hs.keys_query = encode(same)
    batch = timeline_batch(marker("x"), room=CLEAN)
    batch["device_lists"] = {"changed": [PEER]}
    runner.run(bot.run_batch(batch))
    assert any(PEER in asked for asked in bot.hs.keys_queried)  # nio's, after the sync
    before = len(bot.hs.keys_queried)
    runner.run(bot.trust.prepare_room(ROOM))
    assert all(PEER not in asked for asked in bot.hs.keys_queried[before:])
    (nio_device,) = bot.client.device_store.active_user_devices(PEER)
    assert bot.client.olm.is_device_verified(nio_device)


def test_an_answer_asked_before_a_later_device_change_is_not_kept(bot: FuzzBot):
    """A sync names the member again while nio's query is on its way: that answer may be
    older than the change, so the next send asks again."""
    bot.trust.invalidate([PEER])
    answered = bot.trust._nio_asks([PEER])
    bot.trust.invalidate([PEER])  # the second change, mid-query
    answered({"device_keys": {PEER: {}}, "master_keys": {}, "self_signing_keys": {}})
    assert PEER not in bot.trust._keys
    answered = bot.trust._nio_asks([PEER])
    answered({"device_keys": {PEER: {}}, "master_keys": {}, "self_signing_keys": {}})
    assert PEER in bot.trust._keys


def test_nios_answer_to_a_query_a_device_change_overtook_is_not_kept(
    bot: FuzzBot, runner: asyncio.Runner
):
    """The member's devices change again while nio's query is on its way (the sync runs
    beside it): that answer may predate the change, so the trust policy does not keep it."""

    def answer(data: Any) -> bytes:
        if '"timeout"' not in str(data):  # nio's query: a change arrives meanwhile
            bot.trust.invalidate([PEER])
        return encode({"device_keys": {PEER: {}}})

    bot.hs.keys_query = answer
    batch = timeline_batch(marker("x"), room=CLEAN)
    batch["device_lists"] = {"changed": [PEER]}
    runner.run(bot.run_batch(batch))
    assert any(PEER in asked for asked in bot.hs.keys_queried)
    assert PEER not in bot.trust._keys


def test_keys_a_device_change_overtook_are_asked_for_again(bot: FuzzBot, runner: asyncio.Runner):
    """The same for the trust policy's own query: the member is asked about again (at most
    twice more); an answer overtaken every time is never kept, and none of the member's
    devices counts as cross-signed by it (nothing trusted, nothing pinned)."""
    changes = {"left": 1}

    def answer(data: Any) -> bytes:
        if '"timeout"' in str(data) and changes["left"] > 0:  # warmline's own query
            changes["left"] -= 1
            bot.trust.invalidate([PEER])
        return encode({"device_keys": {PEER: {}}})

    def asked() -> int:
        return sum(PEER in users for users in bot.hs.keys_queried)

    bot.hs.keys_query = answer
    bot.trust.invalidate([PEER])
    before = asked()
    found = runner.run(bot.trust._user_keys([PEER]))
    assert PEER in found and PEER in bot.trust._keys
    assert asked() == before + 2
    changes["left"] = 99
    bot.trust.invalidate([PEER])
    found = runner.run(bot.trust._user_keys([PEER]))
    assert PEER in found and PEER not in bot.trust._keys
    assert found[PEER].master is None and found[PEER].self_signing is None  # trusts nothing
    assert asked() == before + 2 + 3


def test_a_device_with_an_unreadable_key_does_not_hide_the_users_after_it(
    bot: FuzzBot, runner: asyncio.Runner
):
    """A /keys/query answer lists first a device whose ed25519 key is not a key: nio's
    handling of the answer stopped there, and every user after it kept no devices (so got
    no room keys). nio is not shown such a device now; the next user's device is known."""
    bad = "@bad:localhost"
    broken = {
        "user_id": bad,
        "device_id": "BAD",
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {"ed25519:BAD": "abc", "curve25519:BAD": "abc"},
        "signatures": {bad: {"ed25519:BAD": "c2ln"}},
    }
    genuine = cross_signed_phone()["device_keys"][PEER]["PHONE"]
    bot.hs.keys_query = encode({"device_keys": {bad: {"BAD": broken}, PEER: {"PHONE": genuine}}})
    bot.client.olm.users_for_key_query.update({bad, PEER})
    runner.run(bot.run_batch(timeline_batch(marker("x"), room=CLEAN)))
    assert [d.id for d in bot.client.device_store.active_user_devices(PEER)] == ["PHONE"]


def test_an_encrypted_payload_cannot_change_what_the_bot_knows_of_a_room(
    bot: FuzzBot, runner: asyncio.Runner
):
    """Real state comes from the server; a payload inside Megolm claiming to be state (a
    member joining, the bot's own join, power levels) is the sender's say-so only."""
    eve = "@eve:localhost"

    def state(kind: str, key: str, content: dict[str, Any]) -> str:
        return json.dumps({"type": kind, "state_key": key, "content": content, "room_id": ROOM})

    forged = [
        state("m.room.member", eve, {"membership": "join"}),
        state("m.room.member", bot.client.user_id, {"membership": "join"}),
        state("m.room.power_levels", "", {"users": {PEER: 100, eve: 100}}),
    ]
    events = [marker("before")]
    events += [bot.peer.megolm(bot.client, text, f"forged{i}") for i, text in enumerate(forged)]
    runner.run(bot.run_batch(timeline_batch(*events)))
    room = bot.client.rooms[ROOM]
    assert eve not in room.users  # the bot would share room keys with eve's devices
    assert room.power_levels.get_user_level(eve) == 0
    assert bot.delivered("$markbefore"), "a forged own join hid what came before it"


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        (b'[{"type": "m.room.create"}]', [{"type": "m.room.create"}]),  # what /state answers
        (b'{"a": 1}', {"a": 1}),
        (b"not json", {}),
        (b'"a string"', {}),
    ],
)
def test_every_body_is_decoded_without_raising(
    bot: FuzzBot, runner: asyncio.Runner, body: bytes, parsed: Any
):
    assert runner.run(bot.client.parse_body(FakeResponse(body))) == parsed
    deep = runner.run(bot.client.parse_body(FakeResponse(b"[" * 5000 + b"]" * 5000)))
    assert isinstance(deep, list)  # cut at rawjson.DECODE_DEPTH, not an error
