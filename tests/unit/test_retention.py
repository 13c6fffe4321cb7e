"""The retention purge with a fake clock: closed requests become anonymous daily counts once
privacy.retention has passed, and the organizers' figures stay the same across the purge."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot import handoff, stats
from bot.config import Config, MatrixConfig, PrivacyConfig, RosterConfig, StoreConfig
from bot.retention import purge
from store import Store
from store.records import OnCallOverride
from store.secret import parse

KEY = parse("cd" * 32, "test")
TIMING = handoff.Timing(300, 1800, 86400)
DAY0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp()  # a Monday
CONFIG = Config(
    MatrixConfig("https://hs", "@bot:hs"),
    StoreConfig("x"),
    roster=RosterConfig(timezone="UTC"),
    privacy=PrivacyConfig(retention=86400),
)


@pytest.fixture
def store(tmp_path: Path):
    s = Store(tmp_path / "data", KEY)
    yield s
    s.close()


def day_of(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).date().isoformat()


def lifecycle(store: Store) -> None:
    """Three requests on DAY0: one accepted after 120 s and done, one escalated and
    cancelled, one still open (never purged)."""
    a = handoff.open_request("AAAA", "@a:hs", "!a", "en", DAY0, TIMING, nobody_on_call=False)
    store.add_request(a)
    accepted = handoff.accept(a, "@sam:hs", DAY0 + 120, TIMING)
    store.update_request(a, accepted)
    store.update_request(accepted, handoff.finish(accepted, DAY0 + 3600))
    b = handoff.open_request("BBBB", "@b:hs", "!b", "ar", DAY0 + 10, TIMING, nobody_on_call=False)
    store.add_request(b)
    escalated, _ = handoff.due(b, DAY0 + 400, TIMING) or (b, None)
    store.update_request(b, escalated)
    store.update_request(escalated, handoff.cancel(escalated, DAY0 + 500))
    c = handoff.open_request("CCCC", "@c:hs", "!c", "en", DAY0 + 20, TIMING, nobody_on_call=True)
    store.add_request(c)


def figures(store: Store) -> stats.Period:
    since = "2026-11-23"
    start = stats.day_start(date.fromisoformat(since), "UTC")
    return stats.period(since, store.request_figures(start, since), store.counts_since(since))


def test_a_request_counts_from_the_first_moment_of_its_local_day(store: Store):
    lifecycle(store)
    monday = date(2026, 11, 23)
    assert store.request_figures(stats.day_start(monday, "UTC"), "2026-11-23").requests == 3
    tuesday = stats.day_start(date(2026, 11, 24), "UTC")
    assert store.request_figures(tuesday, "2026-11-24").requests == 0
    # in Asia/Tokyo, Monday began at 15:00 UTC on the Sunday; DAY0 is 19:00 there
    assert day_of(stats.day_start(monday, "Asia/Tokyo")) == "2026-11-22"
    tokyo = stats.day_start(monday, "Asia/Tokyo")
    assert store.request_figures(tokyo, "2026-11-23").requests == 3
    tokyo_tuesday = stats.day_start(date(2026, 11, 24), "Asia/Tokyo")
    assert store.request_figures(tokyo_tuesday, "2026-11-24").requests == 0


def test_closed_requests_keep_no_identity_even_before_the_purge(store: Store):
    lifecycle(store)
    closed = [r for r in store.all_requests() if not r.active]
    assert len(closed) == 2
    assert all(r.member == "" and r.member_room == "" and r.handoff_room is None for r in closed)


def test_within_retention_nothing_is_folded(store: Store):
    lifecycle(store)
    assert purge(store, CONFIG, now=DAY0 + 500 + 86399).requests == 0  # first closed at +500
    assert len(store.all_requests()) == 3


def test_after_retention_closed_requests_become_counts_and_figures_do_not_change(store: Store):
    lifecycle(store)
    before = figures(store)
    assert before == stats.Period(
        requests=3, accepts=1, escalations=1, give_ups=1, median_accept=120.0
    )
    done = purge(store, CONFIG, now=DAY0 + 3600 + 86401)
    assert done.requests == 2
    left = store.all_requests()
    assert [r.id for r in left] == ["CCCC"]  # the open one keeps its member until it closes
    assert figures(store) == before
    # nothing about the purged requests is left but day-level numbers
    assert store.request("AAAA") is None and store.requests_paged_as("$page") == []
    assert store.counts_since("2026-11-23") == {
        ("2026-11-23", "requests"): 2,
        ("2026-11-23", "accepts"): 1,
        ("2026-11-23", "escalations"): 1,
        ("2026-11-23", "cancels"): 1,
    }


def test_counts_go_after_five_weeks_and_expired_overrides_go(store: Store):
    lifecycle(store)
    purge(store, CONFIG, now=DAY0 + 2 * 86400)
    store.set_override(OnCallOverride("@sam:hs", False, DAY0 + 3 * 86400))
    late = DAY0 + 40 * 86400
    done = purge(store, CONFIG, now=late)
    assert store.counts_since("2000-01-01") == {}
    assert store.accept_waits_since("2000-01-01") == []
    assert store.overrides(DAY0) == {}  # deleted, not merely expired
    assert done.other >= 5


def test_the_purge_is_idempotent(store: Store):
    lifecycle(store)
    purge(store, CONFIG, now=DAY0 + 3 * 86400)
    counts = store.counts_since("2026-11-23")
    assert purge(store, CONFIG, now=DAY0 + 3 * 86400).requests == 0
    assert store.counts_since("2026-11-23") == counts


def test_the_median_time_to_accept_spans_folded_and_stored_requests(store: Store):
    db = store._db
    db.executemany(
        "INSERT INTO accept_waits (day, seconds) VALUES (?, ?)",
        [("2026-11-23", 10), ("2026-11-23", 30), ("2026-11-22", 1000), ("2026-11-24", 20)],
    )
    monday = stats.day_start(date(2026, 11, 23), "UTC")
    assert store.request_figures(monday, "2026-11-23").median_accept == 20  # 10, 20, 30
    a = handoff.open_request("AAAA", "@a:hs", "!a", "en", DAY0, TIMING, nobody_on_call=False)
    store.add_request(a)
    store.update_request(a, handoff.accept(a, "@sam:hs", DAY0 + 40, TIMING))
    assert store.request_figures(monday, "2026-11-23").median_accept == 25  # and 40
    assert store.request_figures(monday + 86400, "2026-11-25").median_accept is None
