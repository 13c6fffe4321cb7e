"""The bot's real sync path with a fake homeserver at the HTTP boundary.

A real `BotClient` (nio, Olm machine, the encrypted SQLCipher store), a real `SyncLoop`,
`Undecryptable` and `DeviceTrust`; only `client_session.request` (aiohttp's, where nio's
transport ends) is answered here. Like a real server, a sync with the same `since` gets the
same batch again, so a batch the bot fails on comes back until it is skipped past.
Used by tests/unit/test_hostile_sync.py and `python -m bench.fuzz`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import vodozemac
from nio import AsyncClientConfig
from nio.crypto.sessions import Session
from unpaddedbase64 import encode_base64

from bot.catalogue import Catalogue
from bot.config import MatrixConfig
from bot.logs import Redactor, StateLog
from bot.matrix.client import BotClient
from bot.matrix.events import decrypter
from bot.matrix.keysharing import DeviceTrust
from bot.matrix.sync import SyncLoop, SyncTuning
from bot.matrix.undecryptable import Undecryptable
from bot.members import undecryptable_notice
from store import Incoming, Store
from store.nio_store import store_class
from store.secret import parse
from tests.support.hostile import PEER, RAW, ROOM, HostileBatch

HS = "http://fake.invalid"
BOT = "@warmline:localhost"
CLEAN = "!clean:localhost"  # a room no hostile event goes to: its events must always arrive


def encode(value: Any) -> bytes:
    """JSON as a hostile server may send it: NaN and Infinity allowed, and the RAW marks
    replaced by what Python's json cannot write (nor read)."""
    text = json.dumps(value)
    for mark, raw in RAW.items():
        text = text.replace(json.dumps(mark), raw)
    return text.encode()


class FakeResponse:
    def __init__(self, body: bytes, status: int = 200) -> None:
        self.status = status
        self.content_type = "application/json"
        self.content_disposition = None
        self._body = body

    async def read(self) -> bytes:
        return self._body

    async def json(self, **_: Any) -> Any:
        return json.loads(self._body)

    async def text(self) -> str:
        return self._body.decode()


class CannedHomeserver:
    """Answers nio's requests. Sync bodies are chained by `since`; key answers are set per
    test; everything else gets a minimal success."""

    def __init__(self) -> None:
        self.batches: dict[str | None, bytes] = {}
        # bytes, or a function of the request body (nio's own query and warmline's differ)
        self.keys_query: bytes | Callable[[Any], bytes] = encode({"device_keys": {}})
        self.keys_claim: bytes = encode({"one_time_keys": {}})
        self.keys_queried: list[list[str]] = []  # the users each /keys/query asked about
        self.messages: bytes = encode({"chunk": [], "start": "s"})
        self.sync_requests = 0
        self.full_state_syncs = 0  # of them, those that asked for every room's full state
        self.joined: list[str] = []  # rooms the bot joined
        self.sync_waits: list[int] = []  # each sync's long-poll timeout (ms)
        self.sync_filters: list[Any] = []  # each sync's filter
        # Each room's joined members as /joined_members lists them (None: the request fails;
        # "never": no answer, as for a room still being joined over federation).
        self.joined_members: dict[str, list[str] | str | None] = {
            ROOM: [PEER, BOT],
            CLEAN: [PEER, BOT],
        }
        self.members_asked: list[str] = []
        self._new_batch = asyncio.Condition()

    async def add_batch(self, since: str | None, body: bytes) -> None:
        async with self._new_batch:
            self.batches[since] = body
            self._new_batch.notify_all()

    async def request(self, method: str, url: str, data: Any = None, **_: Any) -> FakeResponse:
        parsed = urlparse(url)
        path = parsed.path
        if path.endswith("/sync"):
            query = parse_qs(parsed.query)
            since = query.get("since", [None])[0]
            self.sync_requests += 1
            self.full_state_syncs += query.get("full_state") == ["true"]
            self.sync_waits.append(int(query.get("timeout", ["0"])[0]))
            self.sync_filters.append(json.loads(query.get("filter", ["null"])[0]))
            async with self._new_batch:
                await self._new_batch.wait_for(lambda: since in self.batches)
            return FakeResponse(self.batches[since])
        if path.endswith("/keys/query"):
            body = json.loads(data) if isinstance(data, str | bytes) else data
            self.keys_queried.append(sorted(body.get("device_keys", {})))
            answer = self.keys_query
            return FakeResponse(answer if isinstance(answer, bytes) else answer(data))
        if path.endswith("/keys/claim"):
            return FakeResponse(self.keys_claim)
        if path.endswith("/keys/upload"):
            return FakeResponse(encode({"one_time_key_counts": {"signed_curve25519": 50}}))
        if path.endswith("/messages"):
            return FakeResponse(self.messages)
        if path.endswith("/joined_members"):
            room_id = unquote(path.rsplit("/", 2)[-2])
            self.members_asked.append(room_id)
            listed = self.joined_members.get(room_id)
            if listed == "never":
                await asyncio.Event().wait()
            if listed is None:
                return FakeResponse(encode({"errcode": "M_FORBIDDEN", "error": "no"}), 403)
            return FakeResponse(encode({"joined": {u: {} for u in listed}}))
        if "/join/" in path:
            self.joined.append(path.rsplit("/", 1)[-1])
            return FakeResponse(encode({"room_id": path.rsplit("/", 1)[-1]}))
        if "/send/" in path:
            return FakeResponse(encode({"event_id": f"$sent{secrets.token_hex(4)}"}))
        return FakeResponse(b"{}")

    async def close(self) -> None:
        return None


def _state(event_type: str, state_key: str, content: dict[str, Any], n: str) -> dict[str, Any]:
    return {
        "type": event_type,
        "state_key": state_key,
        "content": content,
        "event_id": f"$s{n}",
        "sender": PEER,
        "origin_server_ts": 1,
    }


def first_batch() -> dict[str, Any]:
    """The bot is in ROOM (encrypted, with the peer) and CLEAN (plain)."""

    def room(encrypted: bool, tag: str) -> dict[str, Any]:
        state = [
            _state("m.room.create", "", {"creator": PEER}, f"{tag}1"),
            _state("m.room.member", PEER, {"membership": "join"}, f"{tag}2"),
            _state("m.room.member", BOT, {"membership": "join"}, f"{tag}3"),
        ]
        if encrypted:
            algorithm = {"algorithm": "m.megolm.v1.aes-sha2"}
            state.append(_state("m.room.encryption", "", algorithm, f"{tag}4"))
        return {"state": {"events": state}, "timeline": {"events": []}}

    return {"next_batch": "b0", "rooms": {"join": {ROOM: room(True, "h"), CLEAN: room(False, "c")}}}


def marker(n: str) -> dict[str, Any]:
    return {
        "type": "m.room.message",
        "content": {"msgtype": "m.text", "body": "!help"},
        "event_id": f"$mark{n}",
        "sender": PEER,
        "origin_server_ts": 1_700_000_000_000,
    }


class Peer:
    """A member's device with real Olm and Megolm keys, to put fuzzed plaintext inside real
    ciphertext (what any room member, or anyone who claims the bot's one-time key, can do)."""

    def __init__(self) -> None:
        self.account = vodozemac.Account()
        self.curve = self.account.curve25519_key.to_base64()
        self.ed = self.account.ed25519_key.to_base64()

    def megolm(self, client: BotClient, plaintext: str, n: str) -> dict[str, Any]:
        session = vodozemac.GroupSession()
        client.olm.create_group_session(
            self.curve, self.ed, ROOM, session.session_id, session.session_key.to_base64()
        )
        content = {
            "algorithm": "m.megolm.v1.aes-sha2",
            "sender_key": self.curve,
            "session_id": session.session_id,
            "device_id": "PEERDEV",
            "ciphertext": session.encrypt(plaintext.encode()).to_base64(),
        }
        return {**marker(n), "type": "m.room.encrypted", "content": content, "event_id": f"$m{n}"}

    def olm(self, client: BotClient, plaintext: str) -> dict[str, Any]:
        client.olm.account.generate_one_time_keys(1)
        otk = next(iter(client.olm.account.one_time_keys["curve25519"].values()))
        own_curve = client.olm.account.identity_keys["curve25519"]
        session = Session(
            self.account.create_outbound_session(
                vodozemac.Curve25519PublicKey.from_base64(own_curve),
                vodozemac.Curve25519PublicKey.from_base64(otk),
            )
        )
        kind, body = session.encrypt(plaintext).to_parts()
        return {
            "type": "m.room.encrypted",
            "sender": PEER,
            "content": {
                "algorithm": "m.olm.v1.curve25519-aes-sha2",
                "sender_key": self.curve,
                "ciphertext": {own_curve: {"type": kind, "body": encode_base64(body)}},
            },
        }

    def olm_envelope(self, client: BotClient) -> dict[str, Any]:
        return {
            "sender": PEER,
            "sender_device": "PEERDEV",
            "keys": {"ed25519": self.ed},
            "recipient": BOT,
            "recipient_keys": {"ed25519": client.olm.account.identity_keys["ed25519"]},
        }


class FuzzBot:
    """The bot's sync path over a CannedHomeserver; `run_batch` feeds one batch after another."""

    def __init__(self, directory: Path, key: str | None = None) -> None:
        """`key`: the store's key, to start again on a store an earlier FuzzBot left."""
        directory.mkdir(parents=True, exist_ok=True)
        self.hs = CannedHomeserver()
        self.key = key or secrets.token_hex(32)
        self.store = Store(directory / "data", parse(self.key, "test"))
        self.client = BotClient(
            HS,
            BOT,
            store_path=str(self.store.directory),
            config=AsyncClientConfig(
                store=store_class(self.store.secret),
                pickle_key=self.store.secret.pickle_key,
                encryption_enabled=True,
                store_sync_tokens=False,
            ),
            connectivity=StateLog("homeserver"),
            forgotten=self.store.drop_room_state,
        )
        self.client.client_session = self.hs  # the HTTP boundary: every request ends here
        self.client.restore_login(BOT, "BOTDEVICE", "token")
        redactor = Redactor(b"fuzz")
        self.trust = DeviceTrust(self.client, self.store, "tofu", redactor)
        self.submitted: list[Incoming] = []
        self.stop = asyncio.Event()

        async def send(room_id: str, message: Any) -> None:
            return None

        self.undecryptable = Undecryptable(
            self.store,
            decrypter(self.client),
            send,
            lambda sender, why: undecryptable_notice(Catalogue(), None, why),
            redactor,
            grace=3600,
        )
        self.loop = SyncLoop(
            self.client,
            self.store,
            MatrixConfig(HS, BOT),
            self.submitted.append,
            redactor,
            self.stop,
            self.undecryptable,
            devices_changed=self.trust.invalidate,
            tuning=SyncTuning(retry_pause=0.01),
        )
        self.peer = Peer()
        self.task: asyncio.Task[None] | None = None
        self.last = "b0"
        self.count = 0

    async def start(self, first: dict[str, Any] | None = None) -> None:
        """Starts the loop; a fresh store is sent `first_batch()` (else the store's position
        gets `first`, or an empty batch)."""
        since = self.store.sync_token()
        if since is None:
            first = first_batch()
        else:
            first = {**(first or {}), "next_batch": f"{since}r"}
            self.last = first["next_batch"]
        await self.hs.add_batch(since, encode(first))
        self.task = asyncio.create_task(self.loop.run())
        await asyncio.wait_for(self.loop.first_sync_done.wait(), 30)

    async def run_batch(self, body: dict[str, Any], timeout: float = 30) -> str:
        """Feeds `body` as the next batch; returns once the bot's position is past it."""
        self.count += 1
        next_batch = f"b{self.count}"
        body["next_batch"] = next_batch
        since = self.last
        await self.hs.add_batch(since, encode(body))
        self.last = next_batch
        async with asyncio.timeout(timeout):
            while self.store.sync_token() != next_batch:
                assert self.task is not None and not self.task.done(), "the sync loop stopped"
                await asyncio.sleep(0.002)
        self.hs.batches.pop(since, None)  # served and passed: a long fuzz run keeps no history
        return next_batch

    def delivered(self, event_id: str) -> bool:
        return any(item.event_id == event_id for item in self.submitted)

    async def close(self) -> None:
        self.stop.set()
        if self.task is not None:
            await self.task
        await self.undecryptable.close()
        self.client.client_session = None
        await self.client.close()
        self.store.close()


def _fill(value: Any, slots: dict[str, str]) -> Any:
    """`value` with every string that names a slot (`<sid>`, …) replaced by its value."""
    if isinstance(value, dict):
        return {k: _fill(v, slots) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, slots) for v in value]
    return slots.get(value, value) if isinstance(value, str) else value


class _Errors(logging.Handler):
    """warmline's own ERROR lines (a failed batch, a retry that fails on every sync)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class HostileRun:
    """Feeds HostileBatch plans to a FuzzBot and checks the line goes on after each."""

    def __init__(self, bot: FuzzBot) -> None:
        self.bot = bot
        self.dropped: list[Any] = []
        taken = bot.client.take_dropped

        def take() -> list[Any]:
            items = taken()
            self.dropped += items
            return items

        bot.client.take_dropped = take  # type: ignore[method-assign]
        self.errors = _Errors()
        logging.getLogger("bot").addHandler(self.errors)

    def body(self, plan: HostileBatch, n: str) -> dict[str, Any]:
        bot, client = self.bot, self.bot.client
        room = plan.room
        timeline = room.get("timeline") if isinstance(room, dict) else None
        events = timeline.get("events") if isinstance(timeline, dict) else None
        if plan.megolm_plaintext is not None and isinstance(events, list):
            events.append(bot.peer.megolm(client, encode(plan.megolm_plaintext).decode(), n))
        to_device = list(plan.to_device)
        if plan.olm_payload is not None:
            group = vodozemac.GroupSession()
            slots = {
                "<peer_ed>": bot.peer.ed,
                "<bot_ed>": client.olm.account.identity_keys["ed25519"],
                "<sid>": group.session_id,
                "<skey>": group.session_key.to_base64(),
            }
            plaintext = encode(_fill(plan.olm_payload, slots)).decode()
            to_device.append(bot.peer.olm(client, plaintext))
        return {
            "rooms": {
                "join": {ROOM: room, CLEAN: {"timeline": {"events": [marker(n)]}}},
                "invite": {f"!inv{n}:localhost": {"invite_state": {"events": plan.invite_state}}},
            },
            "to_device": {"events": to_device},
            "account_data": {"events": plan.account_data},
            "device_lists": plan.device_lists,
            "device_one_time_keys_count": plan.key_counts,
        }

    async def survives(self, plan: HostileBatch) -> None:
        bot = self.bot
        n = str(bot.count + 1)
        bot.hs.keys_query = encode(plan.keys_query)
        bot.hs.keys_claim = encode(plan.keys_claim)
        bot.hs.messages = encode(plan.history)
        bot.client.olm.users_for_key_query.add(PEER)  # nio asks: it gets the hostile answer
        await bot.run_batch(self.body(plan, n))
        assert bot.delivered(f"$mark{n}"), "a good event in the same batch was lost"
        # What every send into the room runs: the trust code's raw query and nio's claim.
        await bot.trust.prepare_room(ROOM)
        await bot.trust.verdict(PEER, "DEV")
        await bot.client.keys_claim({PEER: ["DEV"]})
        after = {CLEAN: {"timeline": {"events": [marker(f"g{n}")]}}}
        await bot.run_batch({"rooms": {"join": after}})
        assert bot.delivered(f"$markg{n}"), "the batch after a hostile one was lost"
        assert bot.loop.skipped_total == 0, "a batch had to be skipped whole"
        assert self.errors.lines == [], "warmline logged an error: something failed whole"
        # Each batch retries every kept undecryptable event: over thousands of examples that
        # would measure the kept events, not this batch (capping them is issue #10, §5).
        bot.store.drop_undecryptable(time.time() + 1)
