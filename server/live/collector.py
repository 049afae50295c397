"""Keeping the garbage collector's full passes off the open sockets' objects.

A full collection walks every tracked object, and while it runs no message leaves: with 2,000
sockets open a pass takes about 60 ms, which was most of the fan-out benchmark's p99 (105 ms
with the collector, 47 ms without it). Sockets stay open for hours. So once a crowd has
connected and gone quiet, its objects are frozen out of the collector's sight (`gc.freeze`).
Frozen cycles are never collected, so frozen garbage (the objects of sockets that closed) is
swept with one full pass, and everything alive is frozen again, when the crowd has halved or
as many sockets have opened as were frozen: one pause per turnover of the room instead of one
every few seconds.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

# Below this a full pass takes a few milliseconds: the collector is left alone.
MIN_SOCKETS = 500


@dataclass
class Steward:
    min_sockets: int = MIN_SOCKETS
    frozen_at: int = 0  # sockets open at the last freeze; 0 when nothing of theirs is frozen
    opened: int = 0  # sockets opened since then

    def tick(self, sockets: int, *, quiet: bool) -> str | None:
        """Called every few seconds; `quiet` when no socket opened lately. Says what it did."""
        if not quiet:
            return None
        if self.frozen_at and (sockets < self.frozen_at // 2 or self.opened >= self.frozen_at):
            gc.unfreeze()
            gc.collect()
            gc.freeze()  # what start-up froze (server/asgi.py) and whoever is still here
            self.frozen_at, self.opened = sockets, 0
            return "swept"
        if sockets >= self.min_sockets and sockets > self.frozen_at * 5 // 4:
            gc.collect(1)  # the young garbage first, so little of it is frozen
            gc.freeze()
            self.frozen_at, self.opened = sockets, 0
            return "frozen"
        return None
