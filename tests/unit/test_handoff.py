"""The request state machine and escalation timing, with a fake clock."""

from __future__ import annotations

import pytest

from bot import handoff
from bot.handoff import Refused, Step, Timing

T = Timing(ack_timeout=300, give_up_after=1800, session_timeout=86400)


def opened(now: float = 1000.0, nobody: bool = False):
    return handoff.open_request("K7F2", "@alex:hs", "!dm:hs", "en", now, T, nobody_on_call=nobody)


def test_new_request_waits_one_ack_timeout():
    r = opened()
    assert (r.state, r.next_deadline, r.gave_up) == ("open", 1300, False)


def test_nobody_on_call_is_told_at_once_and_kept_until_it_lapses():
    r = opened(nobody=True)
    assert r.gave_up and r.state == "open"
    assert r.next_deadline == 1000 + T.lapse_after  # no escalation; only its retention


def test_accept_then_done_erases_the_member():
    r = handoff.accept(opened(), "@sam:hs", 1100, T)
    assert (r.state, r.supporter, r.accepted_at, r.next_deadline) == (
        "accepted",
        "@sam:hs",
        1100,
        87500,
    )
    done = handoff.finish(r, 2000)
    assert done.state == "done" and done.closed_at == 2000
    assert (done.member, done.member_room, done.handoff_room, done.next_deadline) == (
        "",
        "",
        None,
        None,
    )
    assert done.supporter == "@sam:hs"  # for !status figures; not a member identity


@pytest.mark.parametrize(
    ("prepare", "reason"),
    [
        (lambda r: handoff.accept(r, "@sam:hs", 1100, T), "taken"),
        (lambda r: handoff.cancel(r, 1100), "cancelled"),
        (lambda r: handoff.finish(handoff.accept(r, "@sam:hs", 1100, T), 1200), "done"),
    ],
)
def test_accept_is_refused_unless_open(prepare, reason):
    with pytest.raises(Refused) as info:
        handoff.accept(prepare(opened()), "@kim:hs", 1300, T)
    assert info.value.reason == reason


def test_cancel_only_while_open_and_finish_only_when_accepted():
    with pytest.raises(Refused):
        handoff.cancel(handoff.accept(opened(), "@sam:hs", 1100, T), 1200)
    with pytest.raises(Refused):
        handoff.finish(opened(), 1200)
    cancelled = handoff.cancel(opened(), 1200)
    assert cancelled.state == "cancelled" and cancelled.member == ""


def test_escalation_timeline_until_give_up():
    r, steps = opened(), []
    now = 1000.0
    while r.next_deadline is not None:
        now = r.next_deadline
        r, step = handoff.due(r, now, T)
        steps.append((now - 1000, step))
    assert steps == [(300 * k, Step.ESCALATE) for k in range(1, 6)] + [
        (1800, Step.GIVE_UP),
        (1800 + T.lapse_after, Step.LAPSE),
    ]
    assert r.gave_up and r.escalations == 5 and r.state == "lapsed"
    assert (r.member, r.member_room, r.closed_at) == ("", "", 1000 + 1800 + T.lapse_after)


def test_nothing_is_due_early_and_a_late_wake_gives_up_once():
    r = opened()
    assert handoff.due(r, 1299, T) is None
    late, step = handoff.due(r, 1000 + 5000, T)  # the bot was down for over an hour
    assert step is Step.GIVE_UP and late.next_deadline == 6000 + T.lapse_after
    assert handoff.due(late, 10_000, T) is None


def test_a_request_nobody_took_lapses_after_its_last_activity():
    """It does not hold the member's ID and DM room for ever: privacy.retention after the
    give-up, or after the member last asked again, it is closed like any other."""
    r = opened(nobody=True)
    again = handoff.asked_again(r, 1000 + 3600, T)  # the member asked again an hour later
    assert again.next_deadline == 1000 + 3600 + T.lapse_after
    assert handoff.due(again, 1000 + T.lapse_after, T) is None
    closed, step = handoff.due(again, 1000 + 3600 + T.lapse_after, T)
    assert step is Step.LAPSE and closed.state == "lapsed"
    assert (closed.member, closed.member_room, closed.next_deadline) == ("", "", None)
    taken = handoff.accept(r, "@sam:hs", 1100, T)  # a supporter still takes it in time
    assert handoff.asked_again(taken, 1200, T) == taken


def test_ack_timeout_longer_than_give_up():
    t = Timing(ack_timeout=600, give_up_after=300, session_timeout=60)
    r = handoff.open_request("X", "@a:hs", "!r:hs", "en", 0, t, nobody_on_call=False)
    assert r.next_deadline == 300
    assert handoff.due(r, 300, t)[1] is Step.GIVE_UP


def test_accepted_session_expires():
    r = handoff.accept(opened(), "@sam:hs", 1100, T)
    expired, step = handoff.due(r, 1100 + 86400, T)
    assert step is Step.EXPIRE and expired.state == "expired" and expired.member == ""


def test_ids_are_unambiguous_and_unique():
    taken = {"AAAA"}
    ids = {handoff.new_id(taken) for _ in range(200)}
    assert "AAAA" not in ids
    assert all(len(i) == 4 and not set(i) & set("01OI") for i in ids)
