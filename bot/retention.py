"""Retention: nothing about a member is kept longer than it is needed.

A closed request already holds no member identity (bot.handoff erases it at once). What is
left (id, language, times, which supporter) is folded into anonymous daily counts once
`privacy.retention` has passed; the counts themselves go after five weeks. Handled event ids
(kept only to dedupe replays), expired on-call overrides and old schedule claims go too. The
purge runs at every start, every quarter hour, and on `warmline purge`.

A request nobody could take is closed by the line's own deadlines (bot.handoff: `lapsed`,
`privacy.retention` after its last activity, the page edited); the purge only gives a deadline
to such requests stored by a version that did not set one.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.stats import local_day
from store import Store
from store.records import Purged

log = logging.getLogger(__name__)
PROCESSED_KEPT_FOR = 7 * 24 * 3600  # event ids, to dedupe replays; nothing else about them
PURGE_EVERY_MINUTES = 15
COUNTS_KEPT_DAYS = 35
WORK_KEPT_FOR = 8 * 24 * 3600  # supporters' sessions: for max_hours_per_week and `!status`


def counts_kept_from(now: float, zone: str, days: int = COUNTS_KEPT_DAYS) -> str:
    """Daily counts older than this ISO day are deleted by the purge."""
    return (datetime.fromtimestamp(now, ZoneInfo(zone)).date() - timedelta(days=days)).isoformat()


def purge(store: Store, config: Config, now: float | None = None) -> Purged:
    """The retention purge: closed requests older than privacy.retention become anonymous
    daily counts; old event ids, overrides and schedule claims go."""
    now = time.time() if now is None else now
    zone = config.roster.timezone
    if store.schedule_unscheduled_lapses(now + config.privacy.retention):
        log.info("retention: open requests nobody took now close after privacy.retention")
    done = store.purge(
        closed_before=now - config.privacy.retention,
        day_of=local_day(zone),
        now=now,
        counts_kept_from=counts_kept_from(now, zone),
        event_ids_before=now - PROCESSED_KEPT_FOR,
    )
    if done.requests:
        log.info("retention: %d closed request(s) reduced to anonymous counts", done.requests)
    store.purge_support(now, WORK_KEPT_FOR)  # questions and observers of closed requests too
    store.purge_safety(now)  # expired blocks, requests noted more than a week ago
    store.drop_finished_relays()  # the relay's event ids, should a session's end have missed them
    return done
