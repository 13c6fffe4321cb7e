"""`warmline demo`: a throw-away Synapse, the real bot, and a scripted encrypted conversation:
a member asks for a peer, an on-call supporter accepts, and both meet in a private room.

Needs no config and no network. Afterwards the server and the bot keep running so a person can
log in with a Matrix client that cross-signs its session (as Element does once recovery is set
up) as a fresh member account, until Ctrl-C; then everything is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from nio import RoomMessage

from bot.dev.botprocess import BotProcess, new_store_key, on_call_line, synapse_with_bot
from bot.dev.member import Member, Predicate
from bot.dev.synapse import DevServerError, LocalSynapse


def _say(text: str = "") -> None:
    print(text, flush=True)


def _show(who: str, arrow: str, text: str) -> None:
    for i, line in enumerate(text.splitlines() or [""]):
        _say(f"  {who if i == 0 else '':9} {arrow if i == 0 else ' '} {line}")


async def _member(server: LocalSynapse, work: Path, name: str) -> tuple[Member, str]:
    password = secrets.token_urlsafe(9)
    member = Member(server.url, server.register(name, password), password, work / name)
    await member.start()
    member.accept_invites()
    return member, password


def _from_bot(bot_id: str, room: str | None = None, text: str = "") -> Predicate:
    def matches(r: str, e: Any) -> bool:
        return (
            isinstance(e, RoomMessage)
            and e.sender == bot_id
            and text in e.body
            and (room is None or r == room)
        )

    return matches


def _edit(config: Path, change: Callable[[dict[str, Any]], object]) -> None:
    """An organizer's edit of the YAML file."""
    data = yaml.safe_load(config.read_text())
    change(data)
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


async def _in_team(sam: Member, bot_id: str, team: str, command: str, expect: str) -> None:
    start = sam.mark()
    _show("sam", ">", command)
    await sam.send(team, command)
    _show("warmline", "<", (await sam.wait_for(_from_bot(bot_id, team, expect), start=start)).body)


async def _organizer(sam: Member, bot_id: str, team: str, config: Path, kim: str) -> None:
    """The organizer's side: figures without identities, and a live roster edit."""
    _say("\n  [team room: sam is also an organizer]")
    await _in_team(sam, bot_id, team, "!sessions", "Open sessions")
    await _in_team(sam, bot_id, team, "!status", "figures only")
    start = sam.mark()
    kim_entry = {"user_id": kim, "name": "Kim", "shifts": ["daily 00:00-24:00"], "tier": 2}
    _edit(config, lambda data: data["roster"]["supporters"].append(kim_entry))
    _say(f"\n  [an organizer adds Kim to the roster in {config.name}; no restart]")
    _show(
        "warmline", "<", (await sam.wait_for(_from_bot(bot_id, team, "applied"), start=start)).body
    )
    await _in_team(sam, bot_id, team, "!shift", "On call now")
    _say()


async def _script(alex: Member, sam: Member, bot_id: str, team: str) -> None:
    dm = await alex.create_dm(bot_id)
    _say("alex opened an encrypted direct message with the bot; sam is on call in the team room.\n")
    for line in ("!help", "!hug"):
        _show("alex", ">", line)
        _show("warmline", "<", (await alex.ask(dm, line, bot_id)).body)
        _say()
    start_team = sam.mark()
    _show("alex", ">", "I need to talk")
    _show("warmline", "<", (await alex.ask(dm, "I need to talk", bot_id)).body)
    page = await sam.wait_for(_from_bot(bot_id, team, "New request"), start=start_team)
    _say("\n  [team room, what sam sees: no name, no ID, no room of the member]")
    _show("warmline", "<", page.body)
    request = re.search(r"New request (\w{4})", page.body)
    assert request is not None
    start_alex = alex.mark()
    _show("sam", ">", f"!accept {request.group(1)}")
    await sam.send(team, f"!accept {request.group(1)}")
    _say("\n  [alex's direct message]")
    _show("warmline", "<", (await alex.reply_from(bot_id, dm, start_alex)).body)
    intro = await alex.wait_for(_from_bot(bot_id, text="private, end-to-end"), start=start_alex)
    _say("\n  [the new private room with alex and sam; the bot then leaves it]")
    _show("warmline", "<", intro.body)
    _say()


_TRY_IT = """
The demo keeps running so you can try it with a Matrix client (e.g. Element: 'Sign in' →
'Edit' the homeserver):
  homeserver  {url}
  member      robin / {robin_pw}   ({robin}: a fresh account, no request yet)
  member      alex / {alex_pw}   (the scripted member: alex's session with sam is still open)
  supporter   sam / {sam_pw}   (on call; in the 'supporters' room)
  bot         {bot}   (DM it: !help, or "I need to talk")
  bot log     {log}

Your client must cross-sign its session, as the bot does and as Element does when you set up
recovery (Element offers it after the first sign-in; or Settings → Encryption). The bot
shares room keys only with cross-signed sessions (encryption.trust: cross-signed, the default):
in a session that is not cross-signed its replies show as "Unable to decrypt", and it does not
act on "I need to talk" from there (its log says such a device "gets no room keys").
Press Ctrl-C to stop and delete everything."""


async def _demo(workdir: Path, wait: bool) -> int:
    _say("Starting a throw-away Synapse on 127.0.0.1 …")
    server, bot_id, bot_password = synapse_with_bot(workdir)
    bot: BotProcess | None = None
    people: list[Member] = []
    try:
        (alex, alex_pw), (sam, sam_pw) = [
            await _member(server, workdir, n) for n in ("alex", "sam")
        ]
        people += [alex, sam]
        team, config = await on_call_line(
            workdir / "bot",
            server.url,
            bot_id,
            sam,
            {
                "resources": [
                    {"name": "Demo Crisis Line", "contact": "+1-555-0100", "topics": ["crisis"]}
                ]
            },
            name="Sam",
            pronouns="they/them",
        )
        _edit(config, lambda data: data["roster"].update(organizers=[sam.user_id]))
        kim = server.register("kim", secrets.token_urlsafe(12))
        robin_pw = secrets.token_urlsafe(9)  # a member the script never uses: yours to try
        robin = server.register("robin", robin_pw)
        bot = BotProcess(config, bot_password, new_store_key(), workdir / "bot.log")
        _say(f"Homeserver up at {server.url}; starting `warmline run` …")
        await bot.start()
        await _script(alex, sam, bot_id, team)
        await _organizer(sam, bot_id, team, config, kim)
        _say(
            "Everything above travelled end-to-end encrypted (Megolm, via vodozemac), between "
            "cross-signed devices."
        )
        if not wait:
            return 0
        _say(
            _TRY_IT.format(
                url=server.url,
                robin=robin,
                robin_pw=robin_pw,
                alex_pw=alex_pw,
                sam_pw=sam_pw,
                bot=bot_id,
                log=workdir / "bot.log",
            )
        )
        for person in people:  # free the accounts for a person's own client
            await person.close()
        people = []
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        return 0
    finally:
        for person in people:
            await person.close()
        if bot is not None:
            await bot.stop()
        server.stop()


def main(wait: bool = True) -> int:
    logging.basicConfig(level=logging.ERROR)  # the member clients' nio chatter stays out
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
