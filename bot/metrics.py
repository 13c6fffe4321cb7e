"""Optional Prometheus metrics (`metrics.listen`): counters, a time-to-accept histogram and a
few gauges. No label ever names a person, a room or a request."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, Protocol, get_args

from bot.errors import StartupError
from bot.roster import Roster
from store import Store

log = logging.getLogger(__name__)

# What SupportLine records: what happened, never who.
LineEvent = Literal["request", "accept", "escalate", "give_up", "cancel", "expire", "lapse", "done"]
# each → (counter name, help); every LineEvent has one (a test checks)
EVENTS: dict[LineEvent, tuple[str, str]] = {
    "request": ("requests", "talk requests opened"),
    "accept": ("accepts", "requests accepted by a supporter"),
    "escalate": ("escalations", "escalations to tier 2 after an unanswered page"),
    "give_up": ("give_ups", "members told honestly that nobody is free"),
    "cancel": ("cancellations", "requests withdrawn by the member"),
    "expire": ("expired_sessions", "sessions closed by the session timeout"),
    "lapse": ("lapsed_requests", "open requests closed because nobody could take them in time"),
    "done": ("done_sessions", "sessions a supporter ended with !done"),
}
assert set(EVENTS) == set(get_args(LineEvent))


class Record(Protocol):
    """Counts one line event ("accept" with the seconds it took)."""

    def __call__(self, event: LineEvent, seconds: float | None = None) -> None: ...


class MetricsUnavailable(StartupError):
    """metrics.listen is set but prometheus-client is not installed."""


class Metrics:
    """`record` counts what happened; `refresh` reads the gauges. Both run on the event loop:
    the HTTP server answers scrapes from its own thread with the last values, so the store is
    never touched from that thread."""

    def __init__(self, gauges: dict[str, tuple[str, Callable[[], float]]]) -> None:
        try:
            from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
        except ImportError as exc:
            raise MetricsUnavailable(
                "metrics.listen needs prometheus-client: pip install 'warmline[metrics]'"
            ) from exc
        self.registry = CollectorRegistry()
        self._counters = {
            event: Counter(f"warmline_{name}", what, registry=self.registry)
            for event, (name, what) in EVENTS.items()
        }
        self._accept = Histogram(
            "warmline_time_to_accept_seconds",
            "from a talk request to a supporter's accept",
            buckets=(15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200),
            registry=self.registry,
        )
        self._gauges = [
            (Gauge(f"warmline_{name}", what, registry=self.registry), read)
            for name, (what, read) in gauges.items()
        ]
        self.refresh()

    def refresh(self) -> None:
        for gauge, read in self._gauges:
            gauge.set(read())

    def record(self, event: LineEvent, seconds: float | None = None) -> None:
        self._counters[event].inc()  # an event without a counter is a bug: let it show
        if event == "accept" and seconds is not None:
            self._accept.observe(seconds)
        self.refresh()  # what just happened changed the gauges

    def serve(self, host: str, port: int) -> None:
        from prometheus_client import start_http_server

        start_http_server(port, addr=host, registry=self.registry)
        log.info("metrics on http://%s:%d/metrics", host, port)


def line_metrics(store: Store, roster: Callable[[], Roster]) -> Metrics:
    """The support line's metrics: its counters, and gauges read from the store."""
    return Metrics(
        {
            "open_requests": (
                "requests waiting for a supporter",
                lambda: len(store.open_requests()),
            ),
            "open_sessions": ("handoffs in progress", lambda: len(store.accepted_requests())),
            "on_call_supporters": (
                "supporters on call now",
                lambda: len(roster().on_call(datetime.now(UTC), store.overrides(time.time()))),
            ),
        }
    )
