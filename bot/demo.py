"""`warmline demo`: a throw-away Synapse, the real bot, and a scripted encrypted conversation.

Needs no config and no network. Afterwards the server and the bot keep running so a person can
log in with any Matrix client, until Ctrl-C; then everything is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from bot.devbot import BotProcess, new_store_key, synapse_with_bot, write_config
from bot.devclient import Member
from bot.devserver import DevServerError

SCRIPT = ("!help", "!hug", "hello")


def _say(text: str = "") -> None:
    print(text, flush=True)


async def _demo(workdir: Path, wait: bool) -> int:
    _say("Starting a throw-away Synapse on 127.0.0.1 …")
    server, bot_id, bot_password = synapse_with_bot(workdir)
    bot: BotProcess | None = None
    member: Member | None = None
    try:
        member_password = secrets.token_urlsafe(9)
        member_id = server.register("alex", member_password)
        config = write_config(workdir / "bot", server.url, bot_id)
        bot = BotProcess(config, bot_password, new_store_key(), workdir / "bot.log")
        _say(f"Homeserver up at {server.url}; starting `warmline run` …")
        await bot.start()
        member = Member(server.url, member_id, member_password, workdir / "alex")
        await member.start()
        room = await member.create_dm(bot_id)
        _say(f"{member_id} opened an encrypted direct message with {bot_id}.\n")
        for line in SCRIPT:
            reply = await member.ask(room, line, bot_id)
            _say(f"  alex     > {line}")
            for i, text in enumerate(reply.body.splitlines() or [""]):
                _say(f"  {'warmline' if i == 0 else '':8} {'<' if i == 0 else ' '} {text}")
            _say()
        await member.close()
        member = None
        _say("Everything above travelled end-to-end encrypted (Megolm, via vodozemac).")
        if not wait:
            return 0
        _say(
            "\nThe demo keeps running so you can try it with any Matrix client "
            "(e.g. Element, 'Sign in' → 'Edit' homeserver):\n"
            f"  homeserver  {server.url}\n"
            f"  member      alex / {member_password}\n"
            f"  bot         {bot_id} (DM it and send !help)\n"
            f"  bot log     {workdir / 'bot.log'}\n"
            "Press Ctrl-C to stop and delete everything."
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        return 0
    finally:
        if member is not None:
            await member.close()
        if bot is not None:
            await bot.stop()
        server.stop()


def main(wait: bool = True) -> int:
    logging.basicConfig(level=logging.ERROR)  # the member client's nio chatter stays out
    workdir = Path(tempfile.mkdtemp(prefix="warmline-demo-"))
    try:
        return asyncio.run(_demo(workdir, wait))
    except DevServerError as exc:
        print(f"warmline demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(workdir)
        print("Demo stopped; its server, accounts and data are deleted.", flush=True)
