"""The composition root: builds every part and starts/stops them in one place."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time

from bot.client import PASSWORD_ENV, build_client, open_session
from bot.config import Loaded
from bot.crosssign import bootstrap, public
from bot.devicetrust import DeviceTrust
from bot.dispatch import Dispatcher
from bot.events import decrypter
from bot.flood import FloodGuard
from bot.line import SupportLine, Team
from bot.logs import Redactor, StateLog, setup
from bot.messenger import MatrixMessenger
from bot.phrases import talk_language
from bot.rooms import MatrixRooms, RoomError
from bot.roster import Roster
from bot.router import Router
from bot.sync import SyncLoop
from bot.undecryptable import Undecryptable
from commands import ALL
from store import Store, secret

log = logging.getLogger(__name__)
PROCESSED_KEPT_FOR = 7 * 24 * 3600  # event ids, to dedupe replays; nothing else about them


async def run(loaded: Loaded, stop: asyncio.Event | None = None) -> None:
    """Runs the bot until `stop` is set (SIGTERM/SIGINT set it when run from the CLI)."""
    stop = stop or asyncio.Event()
    key = await secret.load(loaded.key_file())
    redactor = Redactor(key.log_key)
    setup(loaded.config.logging.level, redactor)
    store = Store(loaded.store_path(), key)
    try:
        store.forget_processed(time.time() - PROCESSED_KEPT_FOR)
        client = build_client(loaded, store, StateLog("homeserver"))
        try:
            await open_session(loaded, store, client)
            seeds, created = await bootstrap(
                client,
                store.cross_signing_seeds(),
                os.environ.get(PASSWORD_ENV),
                persist=store.save_cross_signing_seeds,
            )
            if created:
                log.warning(
                    "created the bot's cross-signing identity (master key %s). It lives only "
                    "in the encrypted store: back up store.path and its key (see README, "
                    "Backups) — losing both means members must re-verify a new identity",
                    public(seeds, "master"),
                )
            config = loaded.config
            trust = DeviceTrust(client, store, config.encryption.trust, redactor)
            messenger = MatrixMessenger(client, trust, redactor)
            roster = Roster(config.roster)
            rooms = MatrixRooms(client, redactor)
            team = Team(await join_team_room(rooms, config.rooms.supporters))
            line = SupportLine(
                store, lambda: config, lambda: roster, messenger, rooms, team, redactor
            )
            router = Router(
                ALL,
                messenger,
                redactor,
                roles=roster,
                trust=trust,
                services={SupportLine: line},
                natural=lambda body: ("talk", lang) if (lang := talk_language(body)) else None,
                on_reaction=line.reaction_command,
                flood=FloodGuard(),
                on_flood=line.flood_notice,
            )
            dispatcher = Dispatcher(router.handle, store, redactor)
            undecryptable = Undecryptable(
                store,
                decrypter(client),
                messenger.send,
                redactor,
                grace=float(loaded.config.encryption.undecryptable_grace),
            )
            sync = SyncLoop(
                client,
                store,
                loaded.config.matrix,
                dispatcher.submit,
                redactor,
                stop,
                undecryptable,
                devices_changed=trust.invalidate,
                after_batch=line.on_sync,
            )
            waiting = store.pending()
            if waiting:
                log.info("%d event(s) from before the restart are handled now", len(waiting))
            sync_task = asyncio.create_task(sync.run())
            # Rooms must be known (first sync) before replies to older events can be sent.
            await asyncio.wait(
                {sync_task, asyncio.create_task(sync.first_sync_done.wait())},
                return_when=asyncio.FIRST_COMPLETED,
            )
            for event in waiting:
                dispatcher.submit(event)
            undecryptable.resume()
            await line.resume()
            deadlines = asyncio.create_task(line.run_deadlines(stop))
            try:
                await sync_task
            finally:
                stop.set()
                await deadlines
            await dispatcher.drain(timeout=10)
            await undecryptable.close()
        finally:
            await client.close()  # never logout(): that would delete the device and its keys
    finally:
        store.close()
        log.info("stopped")


async def join_team_room(rooms: MatrixRooms, ref: str | None) -> str | None:
    if ref is None:
        log.warning("no rooms.supporters: talk requests get the honest 'nobody available' answer")
        return None
    try:
        return await rooms.join(ref)
    except RoomError as exc:
        log.error("%s; talk requests get the honest 'nobody available' answer until then", exc)
        return None


def install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
