"""The sliding window behind the login limit."""

from __future__ import annotations

from server.ratelimit import SlidingWindow


def test_allows_the_limit_then_asks_to_wait() -> None:
    window = SlidingWindow(limit=3, window=60)
    for _ in range(3):
        assert window.retry_after("ip:1") == 0
        window.hit("ip:1")
    assert 0 < window.retry_after("ip:1") <= 61
    assert window.retry_after("ip:2") == 0


def test_old_hits_expire_and_keys_do_not_pile_up() -> None:
    window = SlidingWindow(limit=1, window=0.01)
    window.hit("a")
    import time

    time.sleep(0.02)
    assert window.retry_after("a") == 0
    assert "a" not in window._hits
