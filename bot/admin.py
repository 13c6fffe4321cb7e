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
from typing import Any

import aiofiles
from nio.crypto.key_export import decrypt, encrypt

from bot.config import Loaded
from bot.errors import StartupError
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
from bot.matrix.keyexport import fast_kdf
from bot.matrix.login import open_session
from bot.matrix.ratelimits import homeserver_findings
from bot.matrix.trust import UserKeys, is_cross_signed
from store import Store, secret
from store.records import CrossSigningSeeds

log = logging.getLogger(__name__)
IDENTITY_HEADER = "-----BEGIN WARMLINE CROSS-SIGNING KEYS-----"
IDENTITY_FOOTER = "-----END WARMLINE CROSS-SIGNING KEYS-----"
# PBKDF2 rounds for both export files: the Matrix spec asks for at least 100,000 (Key exports);
# Element uses 500,000. nio's export_keys defaults to 10,000. Imports read each file's own
# count, so older exports still open.
EXPORT_ROUNDS = 500_000


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


def seal_identity(seeds: CrossSigningSeeds, passphrase: str, rounds: int = EXPORT_ROUNDS) -> str:
    """The identity side file: the seeds as JSON, sealed like a Megolm export (nio's
    key_export, the spec's format) under its own armor."""
    with fast_kdf():
        sealed = encrypt(json.dumps(seeds.__dict__).encode(), passphrase, count=rounds)
    return f"{IDENTITY_HEADER}\n{sealed}\n{IDENTITY_FOOTER}\n"


def open_identity(armored: str, passphrase: str) -> CrossSigningSeeds:
    """The seeds in a side file, whatever round count sealed it; ValueError if the passphrase
    is wrong or the file damaged."""
    lines = armored.strip().splitlines()
    if len(lines) < 3 or lines[0] != IDENTITY_HEADER or lines[-1] != IDENTITY_FOOTER:
        raise ValueError("not a warmline identity file")
    try:
        with fast_kdf():
            plain = decrypt("".join(lines[1:-1]), passphrase)
        return CrossSigningSeeds(**json.loads(plain))
    except (TypeError, IndexError) as exc:
        raise ValueError("damaged identity file") from exc


async def export_keys(loaded: Loaded, path: Path, passphrase: str) -> str:
    async with opened(loaded) as s:
        # the standard Megolm export format
        with fast_kdf():
            await s.client.export_keys(str(path), passphrase, count=EXPORT_ROUNDS)
        await _fsync(path)
        seeds = s.store.cross_signing_seeds()
        if seeds is None:
            return f"room keys written to {path} (the bot has no cross-signing identity yet)"
        armored = await asyncio.to_thread(seal_identity, seeds, passphrase)
        side = identity_path(path)
        async with aiofiles.open(side, "w", encoding="utf-8") as fh:
            await fh.write(armored)
        await _fsync(side)
        return f"room keys written to {path}, the bot's cross-signing identity to {side}"


async def import_keys(loaded: Loaded, path: Path, passphrase: str) -> str:
    async with opened(loaded) as s:
        with fast_kdf():
            await s.client.import_keys(str(path), passphrase)
        done = [f"room keys imported from {path}"]
        side = identity_path(path)
        if side.exists():
            async with aiofiles.open(side, encoding="utf-8") as fh:
                armored = await fh.read()
            try:
                seeds = await asyncio.to_thread(open_identity, armored, passphrase)
            except ValueError as exc:
                raise CrossSigningError(f"{side}: wrong passphrase or damaged file") from exc
            s.store.save_cross_signing_seeds(seeds)
            await bootstrap(s.client, seeds, os.environ.get(PASSWORD_ENV))
            done.append(f"cross-signing identity restored from {side}")
        return "; ".join(done)


async def reset_cross_signing(loaded: Loaded) -> str:
    async with opened(loaded) as s:
        seeds = await replace_identity(s.client, s.store, os.environ.get(PASSWORD_ENV))
        return f"new cross-signing identity published (master key {public(seeds, 'master')})"


async def replace_identity(client: Any, store: Store, password: str | None) -> CrossSigningSeeds:
    """A new identity, kept in the store next to the old one (so a crash never loses a key
    the homeserver may hold) and swapped in only once the homeserver has it: a failed publish
    leaves the bot with its old identity, still able to start."""
    seeds = generate_seeds()
    store.save_pending_cross_signing_seeds(seeds)
    swapped = False

    def take_over() -> None:
        nonlocal swapped
        store.save_cross_signing_seeds(seeds)
        swapped = True

    try:
        await publish(client, seeds, password, uploaded=take_over)
    except (CrossSigningError, StartupError) as exc:  # StartupError: ActionNeeded (exit 2)
        if swapped:
            why = "the new identity is published; `warmline run` signs the device at its start"
        else:
            store.drop_pending_cross_signing_seeds()
            why = "nothing changed: the old identity stays"
        raise type(exc)(f"{exc} ({why})") from exc
    return seeds


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
            if not is_cross_signed(k.user_id, device, obj, k.master, k.self_signing)
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
        signed = device is not None and is_cross_signed(
            me, s.client.device_id, device, own.master, own.self_signing
        )
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
        results += await homeserver_findings(s.client)
        same = stored is not None and own.master_pub == public(stored, "master")
        results.append(
            (
                same,
                "the bot's master key on the server matches its store"
                if same
                else "the master key on the server is not the one in the store",
            )
        )
