"""The crowd for bench.scale: thousands of members over plain HTTP, each with an encrypted DM.

Accounts are made with Synapse's shared-secret registration (`/_synapse/admin/v1/register`,
the admin API): it is not subject to `rc_registration`, which at Synapse's defaults (0.17/s,
burst 3) would take about eight hours for 5,000 accounts. The bot's joins go through an admin
"puppet" token for the bot's account (`/_synapse/admin/v1/users/<id>/login`: no device, so
no keys, nothing the bot's own device would see as a second session of itself); that is the
state the bot finds after being offline while the DMs arrived. Each member uploads the device
keys of a real device (made with nio's OlmAccount and signed like a client's, so the bot's
nio checks and keeps them as it would anyone's; the bot's policy gives such a device no room
key, as it is not cross-signed). They never encrypt: they write notices (which the bot reads
and ignores), so each DM has history and the bot's syncs carry it. A few real E2EE members
(bot.dev.member) do the measuring.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import aiohttp
import canonicaljson
from nio.crypto import OlmAccount

ENCRYPTED = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


@dataclass
class Crowd:
    """What a bench run keeps in its work directory, so a larger size only adds members."""

    members: list[tuple[str, str, str]]  # (user id, access token, DM room id)
    admin_token: str = ""
    bot_token: str = ""  # the admin's puppet token for the bot account (no device)
    keyed: int = 0  # the first this many members have uploaded device keys

    @staticmethod
    def load(path: Path) -> Crowd:
        if not path.exists():
            return Crowd([])
        raw = json.loads(path.read_text())
        members = [(str(u), str(t), str(r)) for u, t, r in raw["members"]]
        return Crowd(members, raw["admin_token"], raw["bot_token"], raw.get("keyed", 0))

    def save(self, path: Path) -> None:
        raw = {"members": self.members, "admin_token": self.admin_token, "keyed": self.keyed}
        path.write_text(json.dumps({**raw, "bot_token": self.bot_token}))


class Http:
    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base, self.session = base, session

    async def call(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for _ in range(20):
            async with self.session.request(
                method, self.base + path, json=body, headers=headers
            ) as resp:
                data = await resp.json(content_type=None)
                if resp.status == 429:  # only if the limits were not lifted
                    await asyncio.sleep(data.get("retry_after_ms", 1000) / 1000)
                    continue
                if resp.status >= 400:
                    raise RuntimeError(f"{method} {path.split('?')[0]}: {resp.status} {data}")
                return dict(data)
        raise RuntimeError(f"{method} {path}: still rate-limited")

    async def register(self, secret: str, localpart: str, admin: bool = False) -> tuple[str, str]:
        """(user id, access token) through shared-secret registration."""
        nonce = (await self.call("GET", "/_synapse/admin/v1/register"))["nonce"]
        password = "crowd-" + localpart
        mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join(p.encode() for p in (nonce, localpart, password)))
        mac.update(b"\x00" + (b"admin" if admin else b"notadmin"))
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        got = await self.call("POST", "/_synapse/admin/v1/register", body=body)
        return str(got["user_id"]), str(got["access_token"])

    async def upload_device_keys(self, token: str) -> None:
        """Device keys for the token's device, as a client uploads them (no one-time keys)."""
        me = await self.call("GET", "/_matrix/client/v3/account/whoami", token)
        user_id, device_id = str(me["user_id"]), str(me["device_id"])
        account = OlmAccount()
        keys = account.identity_keys
        device: dict[str, Any] = {
            "user_id": user_id,
            "device_id": device_id,
            "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
            "keys": {f"{k}:{device_id}": v for k, v in keys.items()},
        }
        signature = account.sign(canonicaljson.encode_canonical_json(device).decode())
        device["signatures"] = {user_id: {f"ed25519:{device_id}": signature}}
        await self.call("POST", "/_matrix/client/v3/keys/upload", token, {"device_keys": device})

    async def send_notice(self, token: str, room: str, body: str) -> None:
        path = f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/{uuid4().hex}"
        await self.call("PUT", path, token, {"msgtype": "m.notice", "body": body})


async def grow(
    http: Http, crowd: Crowd, secret: str, bot_id: str, size: int, save: Path, parallel: int = 6
) -> float:
    """Adds members until the crowd has `size`; each opens an encrypted DM with the bot (the bot
    joins) and writes two notices. Returns the seconds it took."""
    t = time.perf_counter()
    if not crowd.admin_token:
        _, crowd.admin_token = await http.register(secret, "crowd-admin", admin=True)
        login = f"/_synapse/admin/v1/users/{quote(bot_id)}/login"
        crowd.bot_token = (await http.call("POST", login, crowd.admin_token, {}))["access_token"]
    # Lifted while the crowd is set up: the bot's joins (through the admin's puppet token, so
    # as the bot) wait on rc_joins otherwise (0.1/s after a burst of 10: 20 DMs took 100 s),
    # and 5,000 would take hours. Synapse looks the override up for the request's
    # authenticated entity, which for a puppet token is the admin: the admin is lifted with
    # the bot (a fresh 1,000-member run was refused its joins with the bot alone lifted).
    # Both are put back after: the restarts are measured under Synapse's defaults.
    admin = await http.call("GET", "/_matrix/client/v3/account/whoami", crowd.admin_token)
    lifted = [
        f"/_synapse/admin/v1/users/{quote(user)}/override_ratelimit"
        for user in (bot_id, str(admin["user_id"]))
    ]
    for limits in lifted:
        await http.call(
            "POST", limits, crowd.admin_token, {"messages_per_second": 0, "burst_count": 0}
        )
    try:
        await _grow(http, crowd, bot_id, secret, size, save, parallel, t)
    finally:
        for limits in lifted:
            await http.call("DELETE", limits, crowd.admin_token)
    return time.perf_counter() - t


async def _grow(
    http: Http,
    crowd: Crowd,
    bot_id: str,
    secret: str,
    size: int,
    save: Path,
    parallel: int,
    t: float,
) -> None:
    todo = list(range(len(crowd.members), size))
    run = uuid4().hex[:4]  # an interrupted run may have registered names it did not save
    lock = asyncio.Semaphore(parallel)

    async def one(i: int) -> None:
        async with lock:
            user_id, token = await http.register(secret, f"crowd{i}x{run}")
            await http.upload_device_keys(token)
            made = await http.call(
                "POST",
                "/_matrix/client/v3/createRoom",
                token,
                {
                    "preset": "trusted_private_chat",
                    "is_direct": True,
                    "invite": [bot_id],
                    "initial_state": [ENCRYPTED],
                },
            )
            room = str(made["room_id"])
            await http.call("POST", f"/_matrix/client/v3/join/{quote(room)}", crowd.bot_token, {})
            for n in range(2):
                await http.send_notice(token, room, f"hello {n}")
            crowd.members.append((user_id, token, room))

    await add_keys(http, crowd, parallel)  # members made by a version without keys
    for start in range(0, len(todo), 200):
        await asyncio.gather(*(one(i) for i in todo[start : start + 200]))
        crowd.keyed = len(crowd.members)
        crowd.save(save)
        print(f"  crowd: {len(crowd.members)} of {size} ({time.perf_counter() - t:.0f} s)")


async def add_keys(http: Http, crowd: Crowd, parallel: int) -> None:
    lock = asyncio.Semaphore(parallel)

    async def one(token: str) -> None:
        async with lock:
            await http.upload_device_keys(token)

    await asyncio.gather(*(one(token) for _, token, _ in crowd.members[crowd.keyed :]))
    crowd.keyed = len(crowd.members)


async def offline_traffic(http: Http, crowd: Crowd, every: int, parallel: int = 6) -> int:
    """Every `every`-th member writes while the bot is down; returns how many wrote."""
    lock = asyncio.Semaphore(parallel)
    writers = crowd.members[::every]

    async def one(token: str, room: str) -> None:
        async with lock:
            await http.send_notice(token, room, "are you there?")

    await asyncio.gather(*(one(token, room) for _, token, room in writers))
    return len(writers)
