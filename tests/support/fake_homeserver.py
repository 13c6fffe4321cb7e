"""A fake homeserver on 127.0.0.1 for the tests of starting and stopping: it speaks just enough
of the client-server API for `warmline run` to reach a chosen phase, and from a chosen path on
it accepts requests and never answers (what a wrong, overloaded or half-dead server does).
Integration tests use the real Synapse; this is for states a real one is hard to put in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

USER_ID = "@bot:fake.test"
DEVICE_ID = "FAKEDEVICE"
TOKEN = "fake-token"


class FakeHomeserver:
    def __init__(self, hang_at: str | None = None, well_known: Any = None) -> None:
        """`hang_at`: a path fragment (e.g. "/login"); a request whose path contains it is
        accepted and never answered. `well_known`: the JSON served at
        /.well-known/matrix/client (None: 404)."""
        self.hang_at = hang_at
        self.well_known = well_known
        # what /keys/device_signing/upload answers with 401 (user-interactive auth), if set
        self.signing_challenge: dict[str, Any] | None = None
        # access token → (user id, device id or None), as /whoami answers
        self.tokens: dict[str, tuple[str, str | None]] = {TOKEN: (USER_ID, DEVICE_ID)}
        self.seen: list[str] = []
        self.hanging = asyncio.Event()  # set when the first request is held
        self._never = asyncio.Event()
        self._device_keys: dict[str, Any] | None = None
        self._cross_signing: dict[str, Any] = {}
        self._synced = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._never.set()  # lets held requests end so the runner can shut down
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.seen.append(path)
        held = self.hang_at is not None and self.hang_at in path
        if held or (path.endswith("/sync") and self._synced):  # the 2nd sync: a long poll, idle
            self.hanging.set()
            await self._never.wait()
            return web.Response(status=503)
        body = await request.json() if request.can_read_body else {}
        if path.endswith("/account/whoami"):
            return self._whoami(request)
        if path.endswith("/device_signing/upload") and self.signing_challenge is not None:
            return web.json_response(self.signing_challenge, status=401)
        for suffix, answer in self._routes():
            if path.endswith(suffix):
                return web.json_response(answer(body))
        return web.json_response({"errcode": "M_UNRECOGNIZED"}, status=404)

    def _routes(self) -> list[tuple[str, Callable[[Any], Any]]]:
        return [
            ("/.well-known/matrix/client", self._discovery),
            ("/_matrix/client/versions", lambda _: {"versions": ["v1.11"]}),
            (
                "/login",
                lambda _: {"user_id": USER_ID, "device_id": DEVICE_ID, "access_token": TOKEN},
            ),
            ("/keys/upload", self._keys_upload),
            ("/keys/query", self._keys_query),
            ("/keys/device_signing/upload", self._signing_upload),
            ("/keys/signatures/upload", self._signatures_upload),
            ("/sync", self._sync),
        ]

    def _whoami(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            body = {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."}
            return web.json_response(body, status=401)
        user_id, device_id = self.tokens[token]
        device = {"device_id": device_id} if device_id else {}
        return web.json_response({"user_id": user_id, **device})

    def published(self) -> dict[str, Any] | None:
        return self._device_keys

    def publish_device_keys(self, keys: dict[str, Any] | None) -> None:
        """What /keys/query lists for the bot's device (None: no keys)."""
        self._device_keys = keys

    def _discovery(self, _: Any) -> Any:
        if self.well_known is None:
            raise web.HTTPNotFound()
        return self.well_known

    def _keys_upload(self, body: Any) -> Any:
        if "device_keys" in body:
            self._device_keys = body["device_keys"]
        return {"one_time_key_counts": {"signed_curve25519": len(body.get("one_time_keys", {}))}}

    def _keys_query(self, _: Any) -> Any:
        devices = {DEVICE_ID: self._device_keys} if self._device_keys else {}
        return {"device_keys": {USER_ID: devices}, "failures": {}, **self._cross_signing}

    def _signing_upload(self, body: Any) -> Any:
        for usage in ("master", "self_signing", "user_signing"):
            if f"{usage}_key" in body:
                self._cross_signing[f"{usage}_keys"] = {USER_ID: body[f"{usage}_key"]}
        return {}

    def _signatures_upload(self, body: Any) -> Any:
        signed = body.get(USER_ID, {}).get(DEVICE_ID)
        if signed and self._device_keys is not None:
            self._device_keys = json.loads(json.dumps(signed))
        return {"failures": {}}

    def _sync(self, _: Any) -> Any:
        self._synced = True
        return {"next_batch": "s1"}


@asynccontextmanager
async def web_server(
    answers: dict[str, tuple[int, Any]], port: int = 0, hang: bool = False
) -> AsyncIterator[str]:
    """A web server answering path → (status, JSON or text); 404 for anything else."""

    async def handle(request: web.Request) -> web.StreamResponse:
        if hang:
            await asyncio.Event().wait()
        status, body = answers.get(request.path, (404, "<html>Not Found</html>"))
        if isinstance(body, str):
            return web.Response(status=status, text=body, content_type="text/html")
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        await runner.cleanup()
