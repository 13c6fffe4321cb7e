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


def test_idle_senders_are_forgotten_by_checking_alone():
    """Without anyone calling forget_idle, a window later only the recent senders are kept."""
    now = [0.0]
    guard = FloodGuard(limit=20, window=60, clock=lambda: now[0])
    for i in range(1000):
        guard.check(f"@member{i}:hs")
    assert len(guard) == 1000
    now[0] = 61
    guard.check("@late:hs")
    assert len(guard) == 1


def test_no_raw_id_is_kept_in_memory():
    guard = FloodGuard(limit=2, window=60, clock=lambda: 0.0)
    for _ in range(5):
        guard.check("@alex:hs")
    assert "alex" not in repr(vars(guard))
    assert not any(isinstance(k, str) for k in vars(guard)["_recent"])


def test_a_flood_keeps_a_bounded_history():
    now = [0.0]
    guard = FloodGuard(limit=20, window=60, clock=lambda: now[0])
    for _ in range(10_000):
        now[0] += 0.001
        guard.check("@flood:hs")
    assert max(len(q) for q in vars(guard)["_recent"].values()) == 21
    now[0] += 61  # quiet for a window: allowed again
    assert guard.check("@flood:hs") == (True, False)
