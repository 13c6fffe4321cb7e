"""Every event the support line records has a counter; a name without one is an error, not
a silent drop (`!done` went uncounted that way)."""

from __future__ import annotations

from typing import get_args

import pytest

from bot.handoff import Step
from bot.line import STEP_EVENTS
from bot.metrics import EVENTS, LineEvent, Metrics


def counted(metrics: Metrics, name: str) -> float:
    value = metrics.registry.get_sample_value(f"warmline_{name}_total")
    assert value is not None, name
    return value


def test_every_line_event_and_deadline_step_has_a_counter():
    assert set(EVENTS) == set(get_args(LineEvent))
    assert set(STEP_EVENTS) == set(Step)
    metrics = Metrics({})
    for event, (name, _) in EVENTS.items():
        metrics.record(event)
        assert counted(metrics, name) == 1, event


def test_done_is_counted_and_an_unknown_name_is_an_error():
    metrics = Metrics({})
    metrics.record("done")
    assert counted(metrics, "done_sessions") == 1
    with pytest.raises(KeyError):
        metrics.record("finished")  # type: ignore[arg-type]
