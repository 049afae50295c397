"""A small sliding-window limiter, kept per process."""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindow:
    """At most `limit` hits per key within `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when it may now."""
        with self._lock:
            hits = self._prune(key, time.monotonic())
            if not hits:
                del self._hits[key]  # keys of the well-behaved do not pile up
            if len(hits) < self.limit:
                return 0
            return int(hits[0] + self.window - time.monotonic()) + 1

    def hit(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._prune(key, now).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)

    def _prune(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits
