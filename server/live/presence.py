"""Presence: who is connected to each event, in this process and in the others.

Each process counts its own sockets per event (distinct attendees, public followers), announces
those counts to the other processes, and adds up the latest announcement of each process heard
from lately. The hub tells it who joins and leaves and what the broker brought, beats its
heartbeat, and shows the totals it is handed to the event's sockets.

The broker promises little (server/live/broker.py). In memory there is one process, and the only
announcements heard are its own, which are ignored. Through Redis pub/sub an announcement
reaches each process at most once as a rule, or never: it is lost if Redis cannot be reached
for the publish, if it is sent while a subscriber is reconnecting, or if that subscriber's queue
is full. It may rarely arrive twice (the Redis client retries a publish whose answer it did not
get), and one process's announcements may overtake each other (each is published on its own,
over a pool of connections). So an announcement states the sender's whole count, never a
change: a repeat changes nothing, a later one replaces an earlier, and the repair for anything
lost or overtaken is the heartbeat, which repeats every count, and the expiry, which stops
counting a process that has gone silent.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from server.db import Database
from server.realtime.audience import Scope
from server.services import participation

log = logging.getLogger("glimpse.presence")

Counts = tuple[int, int]  # attendees, followers
Say = Callable[[dict[str, Any]], None]  # an announcement, to publish on the broker
Show = Callable[[int, dict[str, int]], None]  # event_id, totals for its sockets here
RecordPeak = Callable[[int, int], Awaitable[int]]  # event_id, attendees → the peak now stored


class Tally:
    """One event's presence as this process knows it, while it has sockets for the event."""

    def __init__(self) -> None:
        self.sockets = 0
        self.attendees: Counter[int | None] = Counter()  # attendee → sockets open here
        self.followers = 0
        self.elsewhere: dict[str, tuple[float, Counts]] = {}  # process → (heard at, counts)
        self.announced: Counts = (0, 0)  # this process's counts as the others last heard them
        self.shown_at = -math.inf
        self.showing: asyncio.Task[None] | None = None
        self.peak = 0  # the most attendees seen at once while this process had sockets here
        self.recorded = 0  # the peak as last stored
        self.recording: asyncio.Task[None] | None = None

    def here(self) -> Counts:
        """An attendee with two sockets open (a phone that reconnected before its old socket
        timed out) counts once."""
        return len(self.attendees), self.followers

    def count(self, scope: Scope, step: int) -> None:
        self.sockets += step
        if scope.role == "attendee":
            self.attendees[scope.attendee_id] += step
            if self.attendees[scope.attendee_id] <= 0:
                del self.attendees[scope.attendee_id]
        elif scope.role == "public":
            self.followers += step


class Presence:
    """Counts per event across processes, and the peak of attendees, which only ever grows."""

    def __init__(
        self,
        process: str,
        *,
        say: Say,
        show: Show,
        record_peak: RecordPeak,
        interval: float,
        expires: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.process = process  # this process, in its announcements
        self._say = say
        self._show = show
        self._record_peak = record_peak
        self._interval = interval
        self._expires = expires
        self._clock = clock
        self._events: dict[int, Tally] = {}
        self._background: set[asyncio.Task[None]] = set()

    def joined(self, event_id: int, scope: Scope) -> None:
        """A socket of this process joined the event.

        Its sockets are shown the new totals, and the others told this process's counts, at once
        or within `interval` of the last time. Told, not promised: the announcement may be lost,
        and the next heartbeat repeats it."""
        tally = self._events.setdefault(event_id, Tally())
        tally.count(scope, 1)
        self._changed(event_id, tally)

    def left(self, event_id: int, scope: Scope) -> None:
        """A socket of this process that joined the event has left it.

        When it was the event's last here, the others are told 0 at once and this process
        forgets the event. That news is sent once: if it is lost, or overtaken by an older
        announcement, the others count this process's people until the expiry."""
        tally = self._events.get(event_id)
        if tally is None:
            return
        tally.count(scope, -1)
        if tally.sockets > 0:
            self._changed(event_id, tally)
            return
        del self._events[event_id]
        if tally.showing is not None:
            tally.showing.cancel()
        self._announce(event_id, tally)

    def heard(self, news: dict[str, Any]) -> None:
        """An announcement the broker brought: one process's whole counts for the event,
        replacing what that process said before.

        This process's own come back too, and are ignored, as is news of an event with no
        socket here (joining, this process announces itself and is answered). Any may have been
        lost, may come twice (a repeat changes nothing) or be overtaken by an older one of the
        same process, which then stands until that process's next. A process not yet counted
        for the event is answered at once, so it learns this one's counts without waiting for a
        heartbeat; it knows this one once it has heard it, so it does not answer back. If the
        answer is lost, the heartbeat brings it."""
        tally = self._events.get(news["event_id"])
        process = news["process"]
        if process == self.process or tally is None:
            return
        counts = (int(news["attendees"]), int(news["followers"]))
        before = tally.elsewhere.pop(process, None)
        if counts != (0, 0):
            tally.elsewhere[process] = (self._clock(), counts)
            if before is None:
                self._announce(news["event_id"], tally, again=True)
        if (before[1] if before else (0, 0)) != counts:
            self._changed(news["event_id"], tally)

    def beat(self) -> None:
        """The heartbeat, every few seconds: what makes the broker's losses harmless.

        Every event's counts are announced again, changed or not, so once the broker carries
        messages again, every process with sockets for an event hears the others' current
        counts within one heartbeat. Processes silent for `expires` (a few heartbeats: killed, or
        cut off from the broker) stop counting, and sockets are shown the totals without them.
        A peak that could not be stored is tried again."""
        for event_id, tally in list(self._events.items()):
            heard = len(tally.elsewhere)
            self._announce(event_id, tally, again=True)
            counts = self.counts(event_id)
            if len(tally.elsewhere) != heard:
                self._changed(event_id, tally)
            self._keep_peak(event_id, tally, counts["attendees"])

    def counts(self, event_id: int) -> dict[str, int]:
        """Everyone connected to the event: here, and in every process heard from within
        `expires`, as each last said. No broker is asked; a process heard from longer ago is
        forgotten, whatever it said."""
        tally = self._events.get(event_id)
        if tally is None:
            return {"attendees": 0, "followers": 0}
        attendees, followers = tally.here()
        stale = self._clock() - self._expires
        for process, (heard, (their_attendees, their_followers)) in list(tally.elsewhere.items()):
            if heard < stale:
                del tally.elsewhere[process]
            else:
                attendees += their_attendees
                followers += their_followers
        return {"attendees": attendees, "followers": followers}

    def stop(self) -> None:
        for tally in self._events.values():
            if tally.showing is not None:
                tally.showing.cancel()

    def _changed(self, event_id: int, tally: Tally) -> None:
        if tally.showing is None or tally.showing.done():
            tally.showing = asyncio.create_task(self._show_soon(event_id, tally))

    async def _show_soon(self, event_id: int, tally: Tally) -> None:
        """At most one showing every `interval` per event, carrying the latest counts."""
        wait = tally.shown_at + self._interval - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)
        tally.shown_at = self._clock()
        counts = self.counts(event_id)
        self._show(event_id, counts)
        self._announce(event_id, tally)
        self._keep_peak(event_id, tally, counts["attendees"])

    def _announce(self, event_id: int, tally: Tally, *, again: bool = False) -> None:
        """Tell the other processes this one's counts for the event, if they changed."""
        here = tally.here()
        if here == tally.announced and not again:
            return
        tally.announced = here
        attendees, followers = here
        self._say(
            {
                "process": self.process,
                "event_id": event_id,
                "attendees": attendees,
                "followers": followers,
            }
        )

    def _keep_peak(self, event_id: int, tally: Tally, attendees: int) -> None:
        tally.peak = max(tally.peak, attendees)
        if tally.peak > tally.recorded and (tally.recording is None or tally.recording.done()):
            task = asyncio.create_task(self._store_peak(event_id, tally, tally.peak))
            tally.recording = task
            self._background.add(task)  # held, even once the event is forgotten here
            task.add_done_callback(self._background.discard)

    async def _store_peak(self, event_id: int, tally: Tally, peak: int) -> None:
        try:
            stored = await self._record_peak(event_id, peak)
        except Exception:  # the database is away: the next heartbeat tries again
            log.exception("could not record the peak of event %s", event_id)
            return
        tally.recorded = max(tally.recorded, stored)


def peak_recorder(db: Database) -> RecordPeak:
    """Presence's one write: raise an event's peak connected, queued behind other writers.
    It never lowers the stored figure, so any number of processes may call it in any order."""

    def record(event_id: int, connected: int) -> int:
        with db.session() as session:
            return participation.record_peak(session, event_id=event_id, connected=connected)

    async def record_peak(event_id: int, connected: int) -> int:
        async with db.write_gate:
            return await asyncio.to_thread(record, event_id, connected)

    return record_peak


__all__ = ["Presence", "RecordPeak", "peak_recorder"]
