"""A Matrix client that is nothing but HTTP: it sends exactly the JSON it is given, as a
hostile user's own client would (no nio, no crypto, no checks)."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import quote

import aiohttp

API = "/_matrix/client/v3"


class RawClient:
    def __init__(self, homeserver: str) -> None:
        self.homeserver = homeserver
        self.user_id = ""
        self._token = ""
        self._http = aiohttp.ClientSession()

    async def call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        async with self._http.request(
            method,
            self.homeserver + API + path,
            json=body,
            headers={"Authorization": f"Bearer {self._token}"} if self._token else {},
        ) as resp:
            data = await resp.json(content_type=None)
            if resp.status != 200:
                raise RuntimeError(f"{method} {path}: HTTP {resp.status} {data}")
            return dict(data)

    async def login(self, user_id: str, password: str) -> None:
        identifier = {"type": "m.id.user", "user": user_id}
        body = {"type": "m.login.password", "identifier": identifier, "password": password}
        answer = await self.call("POST", "/login", body)
        self.user_id, self._token = answer["user_id"], answer["access_token"]

    async def create_dm(self, other: str) -> str:
        encryption = {
            "type": "m.room.encryption",
            "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"},
        }
        body = {"is_direct": True, "invite": [other], "initial_state": [encryption]}
        return str((await self.call("POST", "/createRoom", body))["room_id"])

    async def join(self, room_id: str) -> None:
        await self.call("POST", f"/join/{quote(room_id)}", {})

    async def wait_joined(self, room_id: str, user_id: str, timeout: float = 30) -> None:
        async with asyncio.timeout(timeout):
            while True:
                members = await self.call("GET", f"/rooms/{quote(room_id)}/joined_members")
                if user_id in members.get("joined", {}):
                    return
                await asyncio.sleep(0.1)

    async def send(self, room_id: str, event_type: str, content: Any) -> str:
        path = f"/rooms/{quote(room_id)}/send/{event_type}/{secrets.token_hex(8)}"
        return str((await self.call("PUT", path, content))["event_id"])

    async def close(self) -> None:
        await self._http.close()
