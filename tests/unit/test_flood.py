from __future__ import annotations

from bot.flood import FloodGuard


def test_one_episode_per_flood_and_others_unaffected():
    now = [0.0]
    guard = FloodGuard(limit=20, window=60, clock=lambda: now[0])
    results = [guard.check("@flood:hs") for _ in range(100)]
    assert all(ok for ok, _ in results[:20])
    assert not any(ok for ok, _ in results[20:])
    assert [began for _, began in results].count(True) == 1
    assert guard.check("@calm:hs") == (True, False)
    now[0] = 61  # quiet for a window: allowed again, and a new flood is a new episode
    assert guard.check("@flood:hs") == (True, False)


def test_steady_typing_is_never_a_flood():
    now = [0.0]
    guard = FloodGuard(limit=20, window=60, clock=lambda: now[0])
    for _ in range(200):
        now[0] += 3.0  # one message every 3 s
        assert guard.check("@alex:hs") == (True, False)
    guard.forget_idle()
