"""The composition root: builds every part and starts/stops them in one place."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.blocks import Blocks
from bot.care import Care, build_care
from bot.catalogue import Catalogue
from bot.checkins import Checkins
from bot.config import Loaded, ScheduleConfig
from bot.discreet import DiscreetMessenger
from bot.dispatch import Dispatcher
from bot.flood import FloodGuard
from bot.line import SupportLine
from bot.live import Live, LiveParts
from bot.logs import Redactor, StateLog, setup
from bot.matrix.client import PASSWORD_ENV, BotClient, build_client
from bot.matrix.crosssign import bootstrap, public
from bot.matrix.discovery import wait_for_homeserver
from bot.matrix.erase import MatrixEraser
from bot.matrix.events import decrypter
from bot.matrix.followup import Followup
from bot.matrix.keysharing import DeviceTrust
from bot.matrix.login import open_session
from bot.matrix.messenger import MatrixMessenger
from bot.matrix.reach import unreachable
from bot.matrix.relay_out import MatrixRelayOut
from bot.matrix.rooms import MatrixRooms
from bot.matrix.sync import SyncLoop, SyncTuning
from bot.matrix.undecryptable import Undecryptable
from bot.members import Members
from bot.metrics import Metrics, line_metrics
from bot.phrases import talk_language
from bot.ports import RoomError, Rooms
from bot.quick_exit import QuickExit
from bot.relay import RelaySessions, with_relay
from bot.relay_pass import RelayPass
from bot.reload import Reloader
from bot.retention import PURGE_EVERY_MINUTES, purge
from bot.roster import Roster
from bot.router import Router
from bot.schedules import Schedules, make_scheduler
from bot.services import Services
from bot.session_alerts import SessionAlerts
from bot.shift_end import CHECK_EVERY_SECONDS
from bot.staffing import Staffing
from bot.stale import LateEvents
from bot.stopping import SERVING, Phase, until_stopped
from bot.team import TeamRoom
from bot.text import render
from commands import ALL
from store import Incoming, Store, secret

log = logging.getLogger(__name__)
DRAIN_SECONDS = 1.5  # of bot.stopping.STOP_GRACE, for handlers already running


@dataclass
class Parts:
    live: Live
    reloader: Reloader
    metrics: Metrics | None
    scheduler: AsyncIOScheduler
    schedules: Schedules
    checkins: Checkins
    dispatcher: Dispatcher
    sync: SyncLoop
    line: SupportLine
    care: Care
    undecryptable: Undecryptable
    watch: SessionAlerts
    background: set[asyncio.Task[None]]


async def run(
    loaded: Loaded, stop: asyncio.Event | None = None, tuning: SyncTuning | None = None
) -> None:
    """Runs the bot until `stop` is set (SIGTERM/SIGINT set it when run from the CLI): at
    once in a start phase, within a few seconds while serving (bot.stopping). Either way the
    client and then the store are closed, and the last log line says so."""
    stop = stop or asyncio.Event()
    key = await secret.load(loaded.key_file())
    redactor = Redactor(key.log_key)
    setup(loaded.config.logging.level, redactor)
    store = Store(loaded.store_path(), key)
    phase = Phase()
    try:
        purge(store, loaded.config)
        client = build_client(loaded, store, StateLog("homeserver"))
        try:
            await until_stopped(
                _lifecycle(loaded, store, client, redactor, stop, tuning, phase), stop, phase
            )
        finally:
            await client.close()  # never logout(): that would delete the device and its keys
    finally:
        store.close()
        log.info("stopped%s; the store is closed", phase.interrupted)


async def _lifecycle(
    loaded: Loaded,
    store: Store,
    client: BotClient,
    redactor: Redactor,
    stop: asyncio.Event,
    tuning: SyncTuning | None,
    phase: Phase,
) -> None:
    phase.name = "waiting for the homeserver"
    first_start = store.load_session() is None
    found = await wait_for_homeserver(loaded.config.matrix.homeserver, first_start)
    client.homeserver = found.url
    log.info("homeserver: %s (%s)", found.url, found.via)
    phase.name = "logging in"
    await open_session(loaded, store, client)
    phase.name = "setting up cross-signing"
    await _cross_sign(client, store)
    phase.name = "starting"
    parts = await _build(loaded, store, client, redactor, stop, tuning)
    phase.name = SERVING
    await _serve(store, parts, stop)


async def _cross_sign(client: BotClient, store: Store) -> None:
    seeds, created = await bootstrap(
        client,
        store.cross_signing_seeds(),
        os.environ.get(PASSWORD_ENV),
        persist=store.save_cross_signing_seeds,
        pending=store.pending_cross_signing_seeds(),
    )
    if created:
        log.warning(
            "created the bot's cross-signing identity (master key %s). It lives only in the "
            "encrypted store: back up store.path and its key (see README, Backups), or run "
            "`warmline export-keys` — losing both means members must trust a new identity",
            public(seeds, "master"),
        )


async def _build(
    loaded: Loaded,
    store: Store,
    client: BotClient,
    redactor: Redactor,
    stop: asyncio.Event,
    tuning: SyncTuning | None,
) -> Parts:
    config = loaded.config
    live = Live(loaded, Roster(config.roster))
    trust = DeviceTrust(client, store, config.encryption.trust, redactor)
    rooms = MatrixRooms(client, redactor, discreet=lambda: live.config.discreet)
    texts = Catalogue(config.messages, default=config.language)
    matrix_messenger = MatrixMessenger(
        client,
        trust,
        redactor,
        team_room=lambda: team.room_id,
        handoff_room=rooms.handoff_room,
        on_rate_limit=lambda: team.to_organizers(team.text("rate_limited"), bot=client.user_id),
    )
    messenger = DiscreetMessenger(  # discreet: true puts a neutral first line to members
        matrix_messenger, texts, lambda: live.config.discreet, rooms.shared
    )
    team = TeamRoom(
        await join_team_room(rooms, config.rooms.supporters), messenger, texts, lambda: live.roster
    )
    metrics = line_metrics(store, lambda: live.roster) if config.metrics.listen else None
    staffing = Staffing(store, lambda: live.roster, lambda: live.config.roster.timezone, team)
    care = build_care(
        store,
        lambda: live.config,
        lambda: live.roster,
        team,
        rooms,
        messenger,
        texts,
        staffing,
        lambda tier: line.pageable(tier),
    )
    blocks = Blocks(
        store,
        lambda: live.config,
        team,
        messenger,
        texts,
        lambda: live.roster,
        lambda member: line.withdraw_all(member),
    )
    relay_out = MatrixRelayOut(  # relayed copies are the people's words, as they wrote them
        client,
        trust,
        matrix_messenger,
        redactor,
        lambda: live.config.handoff.max_attachment_mb,
        room_version=rooms.room_version,  # one reading of the server's versions for both
    )
    relay = RelaySessions(
        store, relay_out, messenger, texts, lambda: live.config, lambda: live.roster
    )
    line = SupportLine(
        store,
        lambda: live.config,
        lambda: live.roster,
        messenger,
        rooms,
        team,
        redactor,
        texts=texts,
        record=metrics.record if metrics else None,
        hooks=with_relay(blocks.hooks(care.line_hooks), relay),
    )
    relay.end_session = line.withdraw_all
    scheduler = make_scheduler()
    checkins = Checkins(store, texts, messenger, rooms, config.roster.timezone, scheduler)
    members = Members(store, line, texts, checkins)

    async def post(schedule: ScheduleConfig, once: str) -> str | None:
        language = schedule.language or texts.default
        if schedule.message is not None:
            message = render("{text}", texts.direction(language), text=schedule.message)
        else:
            topic = schedule.resources[0] if len(schedule.resources) == 1 else None
            message = line.resources_message(language, topic)
        return await messenger.send(await rooms.join(schedule.room), message, once)

    schedules = Schedules(config.schedules, config.schedule_grace, store, post, scheduler=scheduler)
    watch = SessionAlerts(trust, store, lambda: live.roster, team, redactor)
    flood = FloodGuard(config.flood.limit, config.flood.window)
    background: set[asyncio.Task[None]] = set()

    def in_background(work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        background.add(task)
        task.add_done_callback(background.discard)

    reloader = live.reloader(
        LiveParts(team, rooms, texts, flood, schedules, checkins),
        join_team_room,
        lambda: in_background(watch.check()),  # new supporters' sessions
    )

    def reaction_command(event: Incoming) -> tuple[str, str] | None:
        return (
            care.consents.answer_command(event)  # 👍 / 👎 on a member's consent question
            or care.handovers.reaction_command(event)
            or line.reaction_command(event)
        )

    router = Router(
        ALL,
        messenger,
        redactor,
        trust=trust,
        roles=live,
        services=Services(
            line=line,
            members=members,
            checkins=checkins,
            staffing=staffing,
            reloader=reloader,
            team=team,
            rooms=rooms,
            identities=trust,
            consents=care.consents,
            handovers=care.handovers,
            observers=care.observers,
            workload=care.workload,
            wellbeing=care.wellbeing,
            quick_exit=QuickExit(
                members, MatrixEraser(client, redactor), messenger, rooms, texts, redactor
            ),
            blocks=blocks,
            relay=relay,
        ),
        natural=lambda body: ("talk", lang) if (lang := talk_language(body)) else None,
        on_reaction=reaction_command,
        answers=care.consents.answer_command,
        unreachable=unreachable,
        flood=flood,
        on_flood=lambda: team.send("flood"),
        texts=texts,
        member_language=members.language_of,
        rooms=rooms,
        team_room=lambda: team.room_id,
        own_id=client.user_id,
    )
    late = LateEvents(
        lambda: live.config.stale_after,
        line.too_late,
        lambda user_id: members.language_of(user_id) or texts.default,
        flood,
    )
    relaying = RelayPass(
        store,
        relay,
        relay_out,
        messenger,
        trust,
        claimed=lambda event: (
            (care.consents.answer_command(event) or reaction_command(event)) is not None
        ),
    )
    dispatcher = Dispatcher(
        relaying.wrap(router.handle), store, redactor, late, unreachable=unreachable
    )
    undecryptable = Undecryptable(
        store,
        decrypter(client),
        messenger.send,
        members.undecryptable_notice,
        redactor,
        grace=float(config.encryption.undecryptable_grace),
    )

    def devices_changed(users: list[str]) -> None:
        trust.invalidate(users)
        if set(users) & set(watch.watched()):
            in_background(watch.check(users))

    sync = SyncLoop(
        client,
        store,
        config.matrix,
        dispatcher.submit,
        redactor,
        stop,
        undecryptable,
        devices_changed=devices_changed,
        after_batch=Followup(lambda: _after_sync(line, care), in_background),
        tuning=tuning,
        store_down=line.store_down,
    )
    if metrics is not None and (address := config.metrics.address) is not None:
        metrics.serve(*address)
    return Parts(
        live,
        reloader,
        metrics,
        scheduler,
        schedules,
        checkins,
        dispatcher,
        sync,
        line,
        care,
        undecryptable,
        watch,
        background,
    )


async def _after_sync(line: SupportLine, care: Care) -> None:
    await line.on_sync()  # introductions
    await care.on_sync()


async def _serve(store: Store, parts: Parts, stop: asyncio.Event) -> None:
    waiting = store.pending()
    if waiting:
        log.info("%d event(s) from before the restart are handled now", len(waiting))
    # Rooms must be known (first sync) before replies to older events can be sent; they take
    # their place before the sync starts, so a member's message from before the restart is
    # handled before their newer ones (bench.chaos: a !talk replayed after the !cancel that
    # followed it opened a second request).
    for event in waiting:
        parts.dispatcher.submit(event, after=parts.sync.first_sync_done)
    sync_task = asyncio.create_task(parts.sync.run())
    first_sync = asyncio.create_task(parts.sync.first_sync_done.wait())
    helpers = [sync_task, first_sync]
    try:
        await asyncio.wait({sync_task, first_sync}, return_when=asyncio.FIRST_COMPLETED)
        parts.undecryptable.resume()
        try:
            await parts.line.resume()
        except Exception:  # e.g. the store could not list them: the rest still starts
            log.exception("resuming accepted requests failed; see to them with !queue")
        helpers.append(asyncio.create_task(parts.line.run_deadlines(stop)))
        try:
            await parts.care.consents.resume()  # unsent questions asked, yeses carried out
        except Exception:  # must not keep the line from running
            log.exception("resuming the members' consent questions failed")
        helpers.append(asyncio.create_task(parts.care.consents.run(stop)))
        try:
            await parts.checkins.resume()
        except Exception:  # must not keep the line from running
            log.exception("resuming the check-ins failed")
        try:
            await parts.schedules.catch_up()
        except Exception:  # a failed catch-up must not keep the line from running
            log.exception("catching up on missed schedules failed")
        _add_jobs(store, parts)
        parts.scheduler.start()
        helpers.append(asyncio.create_task(parts.reloader.watch(stop)))
        try:
            await parts.watch.check()
        except Exception:  # a failed check must not keep the line from running
            log.exception("checking the roster's sessions failed")
        await sync_task
    finally:
        stop.set()
        if parts.scheduler.running:
            parts.scheduler.shutdown(wait=False)
        await _wind_down(parts, helpers)


def _add_jobs(store: Store, parts: Parts) -> None:
    parts.schedules.add_jobs()
    parts.checkins.add_jobs()

    async def retention_purge() -> None:  # a coroutine: runs on the loop, not in a thread
        purge(store, parts.live.config)

    parts.scheduler.add_job(
        retention_purge, "interval", minutes=PURGE_EVERY_MINUTES, id="retention_purge"
    )
    shift_ends = parts.care.shift_ends

    async def shift_end_reminders() -> None:  # shifts end without any event
        await shift_ends.check()

    parts.scheduler.add_job(
        shift_end_reminders, "interval", seconds=CHECK_EVERY_SECONDS, id="shift_end_reminders"
    )
    if parts.metrics is not None:
        metrics = parts.metrics

        async def refresh_gauges() -> None:  # shifts begin and end without any event
            metrics.refresh()

        parts.scheduler.add_job(refresh_gauges, "interval", seconds=15, id="metrics_gauges")


async def _wind_down(parts: Parts, helpers: list[asyncio.Task[Any]]) -> None:
    """The loops end by themselves once `stop` is set, unless a homeserver request holds one;
    handlers get DRAIN_SECONDS to finish (an unfinished one runs again at the next start)."""
    for task in list(parts.background):
        task.cancel()
    _, held = await asyncio.wait(helpers, timeout=0.5)
    for task in held:
        task.cancel()
    await parts.dispatcher.drain(timeout=DRAIN_SECONDS)
    await parts.undecryptable.close()


async def join_team_room(rooms: Rooms, ref: str | None) -> str | None:
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
        loop.add_signal_handler(sig, _signalled, sig, stop)


def _signalled(sig: signal.Signals, stop: asyncio.Event) -> None:
    log.info("%s received", sig.name)
    stop.set()
