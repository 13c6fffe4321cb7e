"""Operator commands that use the bot's session without running it: key export/import,
cross-signing reset, and the self-check (`warmline doctor`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiofiles
from nio.crypto.key_export import decrypt, encrypt

from bot.config import Loaded
from bot.logs import Redactor, StateLog, setup
from bot.matrix.client import PASSWORD_ENV, BotClient, build_client
from bot.matrix.crosssign import (
    CrossSigningError,
    bootstrap,
    generate_seeds,
    public,
    publish,
    query_keys,
)
from bot.matrix.discovery import discover
from bot.matrix.login import open_session
from bot.matrix.trust import UserKeys, is_cross_signed
from store import Store, secret
from store.records import CrossSigningSeeds

log = logging.getLogger(__name__)
IDENTITY_HEADER = "-----BEGIN WARMLINE CROSS-SIGNING KEYS-----"
IDENTITY_FOOTER = "-----END WARMLINE CROSS-SIGNING KEYS-----"


@dataclass
class Session:
    store: Store
    client: BotClient
    redactor: Redactor


@contextlib.asynccontextmanager
async def opened(loaded: Loaded, homeserver: str | None = None) -> AsyncIterator[Session]:
    """The store (locked: the bot must be stopped) and a restored client, closed after.
    `homeserver`: the client API's URL if already discovered."""
    key = await secret.load(loaded.key_file())
    redactor = Redactor(key.log_key)
    setup("WARNING", redactor)
    store = Store(loaded.store_path(), key)
    try:
        client = build_client(loaded, store, StateLog("homeserver"))
        try:
            client.homeserver = homeserver or (await discover(loaded.config.matrix.homeserver)).url
            await open_session(loaded, store, client)
            yield Session(store, client, redactor)
        finally:
            await client.close()
    finally:
        store.close()


async def _fsync(path: Path) -> None:
    def sync() -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    await asyncio.to_thread(sync)


def identity_path(path: Path) -> Path:
    return path.with_name(path.name + ".identity")


async def export_keys(loaded: Loaded, path: Path, passphrase: str) -> str:
    async with opened(loaded) as s:
        await s.client.export_keys(str(path), passphrase)  # the standard Megolm export format
        await _fsync(path)
        seeds = s.store.cross_signing_seeds()
        if seeds is None:
            return f"room keys written to {path} (the bot has no cross-signing identity yet)"
        payload = json.dumps(seeds.__dict__).encode()
        armored = f"{IDENTITY_HEADER}\n{encrypt(payload, passphrase)}\n{IDENTITY_FOOTER}\n"
        side = identity_path(path)
        async with aiofiles.open(side, "w", encoding="utf-8") as fh:
            await fh.write(armored)
        await _fsync(side)
        return f"room keys written to {path}, the bot's cross-signing identity to {side}"


async def import_keys(loaded: Loaded, path: Path, passphrase: str) -> str:
    async with opened(loaded) as s:
        await s.client.import_keys(str(path), passphrase)
        done = [f"room keys imported from {path}"]
        side = identity_path(path)
        if side.exists():
            async with aiofiles.open(side, encoding="utf-8") as fh:
                lines = (await fh.read()).strip().splitlines()
            try:
                seeds = CrossSigningSeeds(**json.loads(decrypt("".join(lines[1:-1]), passphrase)))
            except (ValueError, TypeError) as exc:
                raise CrossSigningError(f"{side}: wrong passphrase or damaged file") from exc
            s.store.save_cross_signing_seeds(seeds)
            await bootstrap(s.client, seeds, os.environ.get(PASSWORD_ENV))
            done.append(f"cross-signing identity restored from {side}")
        return "; ".join(done)


async def reset_cross_signing(loaded: Loaded) -> str:
    async with opened(loaded) as s:
        seeds = generate_seeds()
        s.store.save_cross_signing_seeds(seeds)
        await publish(s.client, seeds, os.environ.get(PASSWORD_ENV))
        return f"new cross-signing identity published (master key {public(seeds, 'master')})"


async def _roster_report(s: Session, loaded: Loaded) -> list[tuple[bool, str]]:
    roster = loaded.config.roster
    people = sorted({p.user_id for p in roster.supporters} | set(roster.organizers))
    if not people:
        return [(True, "no supporters or organizers in the roster yet")]
    response = await query_keys(s.client, people)
    keys = [UserKeys.from_query(response, u) for u in people]
    with_identity = [k for k in keys if k.master_pub is not None]
    results = [
        (
            len(with_identity) == len(keys),
            f"{len(with_identity)} of {len(keys)} supporters and organizers have cross-signing",
        )
    ]
    for k in keys:
        excluded = sorted(
            device
            for device, obj in k.devices.items()
            if not is_cross_signed(k.user_id, obj, k.master, k.self_signing)
        )
        if excluded:
            results.append(
                (
                    False,
                    f"{k.user_id}: sessions that get no room keys (not "
                    f"cross-signed): {', '.join(excluded)}",
                )
            )
    return results


DOCTOR_SECONDS = 25  # a verdict within 30 s, whatever state the homeserver is in
DOCTOR_REQUEST_SECONDS = 8


async def doctor(loaded: Loaded) -> list[tuple[bool, str]]:
    """Plain-words checks: (ok, what was found), within DOCTOR_SECONDS."""
    results: list[tuple[bool, str]] = [(True, "the config file is valid")]
    try:
        async with asyncio.timeout(DOCTOR_SECONDS):
            await _checks(loaded, results)
    except TimeoutError:
        results.append(
            (
                False,
                f"no verdict within {DOCTOR_SECONDS} s: the homeserver answers too slowly, or "
                "stopped answering",
            )
        )
    except Exception as exc:  # every failure is a finding here, in the operator's words
        results.append((False, str(exc) or type(exc).__name__))
    return results


async def _checks(loaded: Loaded, results: list[tuple[bool, str]]) -> None:
    key = await secret.load(loaded.key_file())
    Store(loaded.store_path(), key).close()
    results.append((True, "the store key opens the store, and the store is intact"))
    found = await discover(loaded.config.matrix.homeserver, timeout=DOCTOR_REQUEST_SECONDS)
    results.append((True, f"the homeserver answers at {found.url} ({found.via})"))
    async with opened(loaded, found.url) as s:
        who = await s.client.whoami()
        ok = getattr(who, "user_id", None) == s.client.user_id
        results.append(
            (
                ok,
                "the bot's session is valid"
                if ok
                else f"the homeserver refused the bot's session: {who}",
            )
        )
        me = s.client.user_id
        own = UserKeys.from_query(await query_keys(s.client, [me]), me)
        device = own.devices.get(s.client.device_id)
        signed = device is not None and is_cross_signed(me, device, own.master, own.self_signing)
        stored = s.store.cross_signing_seeds()
        results.append(
            (
                signed,
                "the bot's device is cross-signed: Element users can reach it"
                if signed
                else "the bot's device is NOT cross-signed: Element users "
                "cannot reach it (start `warmline run` once to fix it)",
            )
        )
        results += await _roster_report(s, loaded)
        same = stored is not None and own.master_pub == public(stored, "master")
        results.append(
            (
                same,
                "the bot's master key on the server matches its store"
                if same
                else "the master key on the server is not the one in the store",
            )
        )
