"""The composition root: builds every part and starts/stops them in one place."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.catalogue import Catalogue
from bot.checkins import Checkins
from bot.client import PASSWORD_ENV, BotClient, build_client, open_session
from bot.config import Loaded, ScheduleConfig
from bot.crosssign import bootstrap, public
from bot.devicetrust import DeviceTrust
from bot.dispatch import Dispatcher
from bot.events import decrypter
from bot.flood import FloodGuard
from bot.line import SupportLine, Team
from bot.logs import Redactor, StateLog, setup
from bot.members import Members
from bot.messenger import MatrixMessenger
from bot.phrases import talk_language
from bot.rooms import MatrixRooms, RoomError
from bot.roster import Roster
from bot.router import Router
from bot.schedules import Schedules, make_scheduler
from bot.sync import SyncLoop
from bot.text import render
from bot.undecryptable import Undecryptable
from bot.watch import DeviceWatch
from commands import ALL
from store import Store, secret

log = logging.getLogger(__name__)
PROCESSED_KEPT_FOR = 7 * 24 * 3600  # event ids, to dedupe replays; nothing else about them


@dataclass
class Parts:
    scheduler: AsyncIOScheduler
    schedules: Schedules
    checkins: Checkins
    dispatcher: Dispatcher
    sync: SyncLoop
    line: SupportLine
    undecryptable: Undecryptable
    watch: DeviceWatch
    background: set[asyncio.Task[None]]


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
            await _cross_sign(client, store)
            parts = await _build(loaded, store, client, redactor, stop)
            await _serve(store, parts, stop)
        finally:
            await client.close()  # never logout(): that would delete the device and its keys
    finally:
        store.close()
        log.info("stopped")


async def _cross_sign(client: BotClient, store: Store) -> None:
    seeds, created = await bootstrap(
        client,
        store.cross_signing_seeds(),
        os.environ.get(PASSWORD_ENV),
        persist=store.save_cross_signing_seeds,
    )
    if created:
        log.warning(
            "created the bot's cross-signing identity (master key %s). It lives only in the "
            "encrypted store: back up store.path and its key (see README, Backups), or run "
            "`warmline export-keys` — losing both means members must trust a new identity",
            public(seeds, "master"),
        )


async def _build(
    loaded: Loaded, store: Store, client: BotClient, redactor: Redactor, stop: asyncio.Event
) -> Parts:
    config = loaded.config
    trust = DeviceTrust(client, store, config.encryption.trust, redactor)
    messenger = MatrixMessenger(client, trust, redactor)
    roster = Roster(config.roster)
    rooms = MatrixRooms(client, redactor)
    team = Team(await join_team_room(rooms, config.rooms.supporters))
    texts = Catalogue(config.messages, default=config.language)
    line = SupportLine(
        store, lambda: config, lambda: roster, messenger, rooms, team, redactor, texts=texts
    )
    scheduler = make_scheduler()
    checkins = Checkins(store, texts, messenger, config.roster.timezone, scheduler)
    members = Members(store, line, texts, checkins)

    async def post(schedule: ScheduleConfig) -> None:
        language = schedule.language or texts.default
        if schedule.message is not None:
            message = render("{text}", texts.direction(language), text=schedule.message)
        else:
            topic = schedule.resources[0] if len(schedule.resources) == 1 else None
            message = line.resources_message(language, topic)
        await messenger.send(await rooms.join(schedule.room), message)

    schedules = Schedules(config.schedules, config.schedule_grace, store, post, scheduler=scheduler)
    watch = DeviceWatch(trust, store, lambda: roster, line, redactor)
    router = Router(
        ALL,
        messenger,
        redactor,
        roles=roster,
        trust=trust,
        services={
            SupportLine: line,
            DeviceTrust: trust,
            Members: members,
            Checkins: checkins,
            MatrixRooms: rooms,
        },
        natural=lambda body: ("talk", lang) if (lang := talk_language(body)) else None,
        on_reaction=line.reaction_command,
        flood=FloodGuard(config.flood.limit, config.flood.window),
        on_flood=line.flood_notice,
        texts=texts,
        member_language=members.language_of,
    )
    dispatcher = Dispatcher(router.handle, store, redactor)
    undecryptable = Undecryptable(
        store,
        decrypter(client),
        messenger.send,
        redactor,
        grace=float(config.encryption.undecryptable_grace),
    )
    background: set[asyncio.Task[None]] = set()

    def devices_changed(users: list[str]) -> None:
        trust.invalidate(users)
        if set(users) & set(watch.watched()):
            task = asyncio.create_task(watch.check(users))
            background.add(task)
            task.add_done_callback(background.discard)

    sync = SyncLoop(
        client,
        store,
        config.matrix,
        dispatcher.submit,
        redactor,
        stop,
        undecryptable,
        devices_changed=devices_changed,
        after_batch=line.on_sync,
    )
    return Parts(
        scheduler, schedules, checkins, dispatcher, sync, line, undecryptable, watch, background
    )


async def _serve(store: Store, parts: Parts, stop: asyncio.Event) -> None:
    waiting = store.pending()
    if waiting:
        log.info("%d event(s) from before the restart are handled now", len(waiting))
    sync_task = asyncio.create_task(parts.sync.run())
    # Rooms must be known (first sync) before replies to older events can be sent.
    await asyncio.wait(
        {sync_task, asyncio.create_task(parts.sync.first_sync_done.wait())},
        return_when=asyncio.FIRST_COMPLETED,
    )
    for event in waiting:
        parts.dispatcher.submit(event)
    parts.undecryptable.resume()
    await parts.line.resume()
    deadlines = asyncio.create_task(parts.line.run_deadlines(stop))
    try:
        await parts.schedules.catch_up()
    except Exception:  # a failed catch-up must not keep the line from running
        log.exception("catching up on missed schedules failed")
    parts.schedules.add_jobs()
    parts.checkins.add_jobs()
    parts.scheduler.start()
    try:
        await parts.watch.check()
    except Exception:  # a failed check must not keep the line from running
        log.exception("checking the roster's sessions failed")
    try:
        await sync_task
    finally:
        stop.set()
        await deadlines
    parts.scheduler.shutdown(wait=False)
    await parts.dispatcher.drain(timeout=10)
    await parts.undecryptable.close()
    for task in list(parts.background):
        task.cancel()


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
