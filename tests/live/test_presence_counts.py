"""Presence on its own (server/live/presence.py): what it counts from what the broker brings.

The broker may lose an announcement, bring it twice, or let an older one overtake a newer; a
process may die without a word. These drive one Presence directly, on a clock the test moves,
with the real peak write on a real database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlmodel import select

from server.db import Database
from server.live.presence import Presence, peak_recorder
from server.models.events import Event
from server.realtime.audience import Scope
from tests.factories import World

EXPIRES = 30.0
FOLLOWER = Scope(role="public")
FACILITATOR = Scope(role="facilitator")


def attendee(attendee_id: int) -> Scope:
    return Scope(role="attendee", attendee_id=attendee_id)


class Clock:
    """Monotonic time as the test says it is."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Store:
    """The real peak write, which the test can make fail, keeping what it was asked to store."""

    def __init__(self, db: Database) -> None:
        self.write = peak_recorder(db)
        self.db = db
        self.asked: list[int] = []
        self.answered = 0
        self.failing = False

    async def __call__(self, event_id: int, attendees: int) -> int:
        self.asked.append(attendees)
        try:
            if self.failing:
                raise ConnectionError("the database is away")
            return await self.write(event_id, attendees)
        finally:
            self.answered += 1

    async def stored(self, event_id: int) -> int:
        """The peak in the database, once every write asked for has finished."""
        while self.answered < len(self.asked):
            await asyncio.sleep(0.01)

        def read() -> int:
            with self.db.session(write=False) as s:
                return s.exec(select(Event.peak_connected).where(Event.id == event_id)).one()

        return await asyncio.to_thread(read)


class Here:
    """One Presence, with what it says to the other processes and shows to its sockets kept."""

    def __init__(self, db: Database, event_id: int) -> None:
        self.event_id = event_id
        self.clock = Clock()
        self.store = Store(db)
        self.said: list[tuple[int, int]] = []
        self.shown: list[dict[str, int]] = []
        self.presence = Presence(
            "here",
            say=lambda news: self.said.append((news["attendees"], news["followers"])),
            show=lambda _event_id, counts: self.shown.append(counts),
            record_peak=self.store,
            interval=0.0,
            expires=EXPIRES,
            clock=self.clock,
        )

    def news(self, process: str, attendees: int, followers: int = 0) -> dict[str, Any]:
        said = {"process": process, "event_id": self.event_id}
        return said | {"attendees": attendees, "followers": followers}

    def counts(self) -> tuple[int, int]:
        counts = self.presence.counts(self.event_id)
        return counts["attendees"], counts["followers"]


async def settle() -> None:
    """Let the showing that a change asked for run."""
    for _ in range(3):
        await asyncio.sleep(0)


def run(db: Database, world: World, scenario: Callable[[Here], Coroutine[Any, Any, None]]) -> None:
    async def main() -> None:
        here = Here(db, world.event.id)
        try:
            await scenario(here)
            await here.store.stored(world.event.id)
        finally:
            here.presence.stop()

    # A thread of its own: the browser tests' Playwright leaves an event loop on this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, main()).result()


def test_a_process_counts_until_it_has_been_silent_for_the_expiry(
    db: Database, world: World
) -> None:
    async def scenario(here: Here) -> None:
        presence = here.presence
        presence.joined(here.event_id, FOLLOWER)
        presence.heard(here.news("there", 4, 2))
        await settle()
        assert here.shown[-1] == {"attendees": 4, "followers": 3}
        here.clock.now += 20
        presence.heard(here.news("there", 4, 2))  # its heartbeat
        here.clock.now += 20  # 40 s since it first spoke, 20 since it last did
        presence.beat()
        assert here.counts() == (4, 3), "the expiry runs from what it said last"
        here.clock.now += 11  # 31 s since it last spoke
        presence.beat()
        await settle()
        assert here.counts() == (0, 1), "silent for the expiry (killed, say): it counts no one"
        assert here.shown[-1] == {"attendees": 0, "followers": 1}, "and the sockets are told"

    run(db, world, scenario)


def test_a_repeated_or_overtaken_announcement_replaces_and_never_adds(
    db: Database, world: World
) -> None:
    async def scenario(here: Here) -> None:
        presence = here.presence
        presence.joined(here.event_id, attendee(1))
        presence.heard(here.news("there", 3))
        presence.heard(here.news("there", 3))  # the same, delivered twice
        await settle()
        assert here.counts() == (4, 0)
        assert here.said == [(1, 0)], "a newcomer is answered once, a repeat is not"
        presence.heard(here.news("there", 1))
        presence.heard(here.news("elsewhere", 2))
        assert here.counts() == (4, 0)
        presence.heard(here.news("there", 3))  # its older news, overtaking the newer
        assert here.counts() == (6, 0), "it replaces what that process said; it is not added"
        presence.heard(here.news("here", 9, 9))  # this process's own, come back
        assert here.counts() == (6, 0)

    run(db, world, scenario)


def test_this_process_counts_each_attendee_once_and_says_0_when_its_last_socket_leaves(
    db: Database, world: World
) -> None:
    async def scenario(here: Here) -> None:
        presence, event_id = here.presence, here.event_id
        for scope in (FACILITATOR, attendee(1), attendee(1), FOLLOWER):
            presence.joined(event_id, scope)
        await settle()
        assert here.counts() == (1, 1), "two sockets of one attendee; facilitators not counted"
        assert here.said == [(1, 1)]
        presence.left(event_id, attendee(1))
        presence.left(event_id, FOLLOWER)
        presence.left(event_id, FACILITATOR)
        await settle()
        assert here.counts() == (1, 0), "her other socket still counts"
        presence.left(event_id, attendee(1))
        assert here.said[-1] == (0, 0), "the last socket gone, the others are told at once"
        presence.heard(here.news("there", 2))
        assert here.counts() == (0, 0), "with no socket here, other processes are not kept"

    run(db, world, scenario)


def test_the_peak_only_grows_and_a_failed_write_is_retried_at_its_height(
    db: Database, world: World
) -> None:
    async def scenario(here: Here) -> None:
        presence, event_id, store = here.presence, here.event_id, here.store
        store.failing = True
        for attendee_id in (1, 2, 3):
            presence.joined(event_id, attendee(attendee_id))
        await settle()
        presence.left(event_id, attendee(1))
        presence.left(event_id, attendee(2))
        await settle()
        assert await store.stored(event_id) == 0
        store.failing = False
        presence.beat()  # one attendee is here now; the peak was three
        await settle()
        assert await store.stored(event_id) == 3
        presence.joined(event_id, attendee(4))
        presence.heard(here.news("there", 3))  # five at once, across two processes
        await settle()
        assert await store.stored(event_id) == 5
        here.clock.now += EXPIRES + 1
        presence.beat()
        await settle()
        assert here.counts() == (2, 0)
        assert store.asked == [3, 3, 3, 5], "never asked to store less than the peak"
        assert await store.stored(event_id) == 5

    run(db, world, scenario)
