"""A store as a big line has it after months: bench.scale seeds it while the bot is stopped.

10,000 closed requests (closed within privacy.retention, so `!status` reads them all) and 35
days of daily counts; the retention purge is then timed in-process on that store, as `warmline
purge` runs it, with the clock moved past privacy.retention so every one of them is folded.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from pathlib import Path

from bot.config import load_config
from bot.retention import purge
from store import Store
from store.db import transaction
from store.records import REQUEST_COLUMNS
from store.secret import parse

METRICS = ("requests", "accepts", "escalations", "give_ups", "cancels")


async def open_store(config: Path, store_key: str) -> tuple[Store, object]:
    loaded = await load_config(config)
    return Store(loaded.store_path(), parse(store_key, "bench")), loaded.config


def seed(store: Store, closed: int, days: int, now: float) -> float:
    """Adds `closed` closed requests (closed within the last hour) and `days` days of counts;
    returns the seconds it took (one transaction)."""
    t = time.perf_counter()
    rng = random.Random(16)
    cols = ", ".join(REQUEST_COLUMNS)
    marks = ", ".join("?" for _ in REQUEST_COLUMNS)
    rows = []
    for i in range(closed):
        created = now - rng.uniform(600, 3000)
        accepted = created + rng.uniform(10, 300) if i % 3 else None
        values = {
            "id": f"Z{i:06d}",  # never a real id (those are four letters)
            "member": "",
            "member_room": "",
            "language": "en",
            "created_at": created,
            "state": "done" if accepted else "cancelled",
            "page_event": None,
            "escalations": i % 2,
            "next_deadline": None,
            "gave_up": 0,
            "supporter": None,
            "accepted_at": accepted,
            "handoff_room": None,
            "introduced": 0,
            "closed_at": now - 60,
        }
        rows.append(tuple(values.get(c) for c in REQUEST_COLUMNS))  # later columns: NULL
    today = date.fromtimestamp(now)
    counts = [
        ((today - timedelta(days=d)).isoformat(), metric, rng.randint(1, 300))
        for d in range(1, days + 1)
        for metric in METRICS
    ]
    db = store._db
    with transaction(db):
        db.execute("DELETE FROM requests WHERE id LIKE 'Z%'")  # a run that stopped halfway
        db.executemany(f"INSERT INTO requests ({cols}) VALUES ({marks})", rows)
        db.executemany(
            "INSERT INTO daily_counts (day, metric, n) VALUES (?, ?, ?) "
            "ON CONFLICT (day, metric) DO UPDATE SET n = excluded.n",
            counts,
        )
    return time.perf_counter() - t


def timed_purge(store: Store, config: object, retention: float) -> tuple[float, int]:
    """(seconds, requests folded) for one purge, the clock past privacy.retention."""
    t = time.perf_counter()
    done = purge(store, config, now=time.time() + retention + 60)  # type: ignore[arg-type]
    return time.perf_counter() - t, done.requests
