"""A self-hoster's first hour against the real Synapse: logging in with an access token (first
start, and again after the session was signed out), a server address found through
`.well-known` on a plain web server, approvals the bot cannot give, and the demo's fresh
member account asking for a peer."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from bot.dev.botprocess import BotProcess
from bot.dev.member import Member
from bot.dev.synapse import LocalSynapse
from bot.matrix.crosssign import query_keys
from bot.matrix.trust import UserKeys, is_cross_signed
from tests.support.harness import BotSetup, Members, unique

pytestmark = pytest.mark.integration


async def call(
    synapse: LocalSynapse, method: str, path: str, token: str | None = None, body: Any = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, synapse.url + path, json=body, headers=headers) as resp,
    ):
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def password_login(synapse: LocalSynapse, user_id: str, password: str) -> str:
    """A token for a new device, as `mas-cli manage issue-compatibility-token` gives one."""
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user_id},
        "password": password,
    }
    return str((await call(synapse, "POST", "/_matrix/client/v3/login", body=body))["access_token"])


def with_token(setup: BotSetup, token: str) -> BotProcess:
    proc = setup.process()
    del proc.env["WARMLINE_PASSWORD"]  # the token is the only credential
    proc.env["WARMLINE_ACCESS_TOKEN"] = token
    return proc


@asynccontextmanager
async def well_known_site(homeserver: str) -> AsyncIterator[str]:
    """A plain-http web server on loopback that serves only /.well-known/matrix/client."""
    document = {"m.homeserver": {"base_url": homeserver}}

    async def handle(request: web.Request) -> web.Response:
        return web.json_response(document)

    app = web.Application()
    app.router.add_get("/.well-known/matrix/client", handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


async def test_token_login_first_start_and_after_the_session_was_signed_out(
    synapse: LocalSynapse, bot_setup: BotSetup, members: Members
):
    bot_id = bot_setup.user_id
    async with well_known_site(synapse.url) as site:
        config = yaml.safe_load(bot_setup.config.read_text())
        config["matrix"]["homeserver"] = site  # it serves no client API, only .well-known
        bot_setup.config.write_text(yaml.safe_dump(config))

        first = await password_login(synapse, bot_id, bot_setup.password)
        proc = with_token(bot_setup, first)
        await proc.start()
        assert any(
            f"homeserver: {synapse.url} (named by {site}/.well-known/matrix/client)" in line
            for line in proc.lines
        )
        assert any("logged in with the access token as a new device" in line for line in proc.lines)
        alex = await members.new("alex")
        room = await alex.create_dm(bot_id)
        assert "Commands you can use" in (await alex.ask(room, "!help", bot_id)).body
        await proc.stop()

        # Someone signs the bot's session out (Element's session list, an admin): the device
        # and its keys are gone. The admin issues a new token, for a new device.
        await call(synapse, "POST", "/_matrix/client/v3/logout", first, {})
        second = await password_login(synapse, bot_id, bot_setup.password)
        proc = with_token(bot_setup, second)
        await proc.start()
        assert any("saved access token was rejected" in line for line in proc.lines)
        assert "Commands you can use" in (await alex.ask(room, "!help", bot_id)).body
        await proc.stop()

    keys = UserKeys.from_query(await query_keys(alex.client, [bot_id]), bot_id)
    ((device_id, device),) = keys.devices.items()  # only the new device is left
    assert is_cross_signed(bot_id, device_id, device, keys.master, keys.self_signing)


async def test_tokens_that_cannot_work_are_refused_with_what_to_do(
    synapse: LocalSynapse, bot_setup: BotSetup, tmp_path: Path
):
    admin_pw = "admin password 1"
    admin = synapse.register(unique("admin"), admin_pw, admin=True)
    admin_token = await password_login(synapse, admin, admin_pw)
    path = f"/_synapse/admin/v1/users/{bot_setup.user_id}/login"
    deviceless = (await call(synapse, "POST", path, admin_token, {}))["access_token"]
    proc = with_token(bot_setup, deviceless)
    await proc.start(wait_ready=False)
    assert await proc.wait_exit() == 2
    assert "WARMLINE_ACCESS_TOKEN is not tied to a device" in proc.lines[-1]

    # a token copied from another client's session, whose device has keys already
    other = Member(synapse.url, bot_setup.user_id, bot_setup.password, tmp_path / "other", False)
    await other.start()
    token = other.client.access_token
    await other.close()
    proc = with_token(bot_setup, token)
    await proc.start(wait_ready=False)
    assert await proc.wait_exit() == 2
    assert "already has encryption keys" in proc.lines[-1]


async def test_a_reset_without_the_password_the_homeserver_wants_exits_2(bot_setup: BotSetup):
    proc = bot_setup.process()
    await proc.start()
    await proc.stop()
    env = {**os.environ, "WARMLINE_STORE_KEY": bot_setup.store_key}
    env.pop("WARMLINE_PASSWORD", None)
    argv = [sys.executable, "-m", "bot", "reset-cross-signing", "--yes"]
    result = await asyncio.to_thread(
        subprocess.run,
        [*argv, "--config", str(bot_setup.config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "wants the bot account's password as approval" in result.stderr
    assert "set WARMLINE_PASSWORD" in result.stderr


async def test_the_demo_runs_its_script_and_its_fresh_member_can_ask_for_a_peer(tmp_path: Path):
    with (tmp_path / "stderr").open("wb") as stderr:
        demo = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "demo", stdout=asyncio.subprocess.PIPE, stderr=stderr
        )
    assert demo.stdout is not None
    out = ""
    try:
        while "Press Ctrl-C" not in out:
            line = await asyncio.wait_for(demo.stdout.readline(), 180)
            assert line, out + (tmp_path / "stderr").read_text()
            out += line.decode()
        url = re.search(r"homeserver  (\S+)", out)
        robin = re.search(r"member      robin / (\S+)\s+\((@\S+?): a fresh account", out)
        bot = re.search(r"bot         (@\S+)", out)
        assert url and robin and bot, out
        member = Member(url[1], robin[2], robin[1], tmp_path / "robin")
        await member.start()
        try:
            dm = await member.create_dm(bot[1])
            reply = await member.ask(dm, "I need to talk", bot[1])
            assert "I'm contacting a peer supporter" in reply.body
        finally:
            await member.close()
    finally:
        demo.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(demo.communicate(), 60)
    out += rest.decode()
    assert demo.returncode == 0, (tmp_path / "stderr").read_text()
    for expected in (
        "alex      > !help",
        "Commands you can use",
        "I don't know the command `!hug`",
        "alex      > I need to talk",
        "are you somewhere safe",
        "New request",
        "Sam (they/them) is here for you",
        "private, end-to-end encrypted room",
        "must cross-sign its session",
        "Unable to decrypt",
        "deleted",
    ):
        assert expected in out, expected
    page = out[out.index("New request") : out.index("sam       > !accept")]
    assert "alex" not in page, "the page must not name the member"
    assert "Traceback" not in (tmp_path / "stderr").read_text()
