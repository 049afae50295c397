"""Presence news from other processes: counted while they speak, forgotten when they go silent.

A process killed outright never says it has left; the others must stop counting its attendees.
This runs one real hub on the in-memory broker and plays the other process by publishing its
news on that broker, with the heartbeat and expiry shortened so the test takes a second.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from server.db import Database
from server.live import hub as hub_module
from server.live.broker import MemoryBroker
from server.live.hub import Connection, Hub, encode, log_readers
from server.live.presence import peak_recorder
from server.live.transport import Outgoing
from server.realtime.audience import Scope
from tests.factories import World
from tests.live.wsclient import wait_for_peak


class Inbox:
    """An outlet that keeps what the hub sends, for the test to wait on."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    def send(self, message: Outgoing) -> None:
        self.messages.append(json.loads(message.text))
        self.arrived.set()

    def close(self, code: int) -> None:
        return None

    def closed(self) -> bool:
        return False

    async def run(self, reader: Awaitable[None]) -> None:
        await reader

    async def finish(self) -> None:
        return None

    async def presence(self, match: Callable[[dict[str, int]], bool]) -> dict[str, int]:
        async def seen() -> dict[str, int]:
            while True:
                for message in self.messages:
                    if message["type"] == "presence" and match(message["data"]):
                        data: dict[str, int] = message["data"]
                        return data
                self.messages.clear()
                self.arrived.clear()
                await self.arrived.wait()

        return await asyncio.wait_for(seen(), timeout=5)


class SpokenBroker(MemoryBroker):
    """The in-memory broker, keeping the presence news this process said."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[dict[str, Any]] = []

    async def publish(self, message: str) -> None:
        news = json.loads(message)
        if "presence" in news:
            self.said.append(news["presence"])
        await super().publish(message)

    def ours(self, process: str) -> list[tuple[int, int]]:
        return [(n["attendees"], n["followers"]) for n in self.said if n["process"] == process]


Scenario = Callable[[Hub, SpokenBroker, Inbox], Coroutine[Any, Any, None]]


def in_a_room(db: Database, event_id: int, scenario: Scenario) -> None:
    """Run `scenario` with a started hub and one follower's connection to the event."""

    async def run() -> None:
        broker = SpokenBroker()
        hub = Hub(broker, *log_readers(db), record_peak=peak_recorder(db))
        await hub.start()
        try:
            inbox = Inbox()
            follower = Connection(event_id, Scope(role="public"), None, inbox)
            await hub.attach(follower)
            await inbox.presence(lambda p: p == {"attendees": 0, "followers": 1})
            await scenario(hub, broker, inbox)
            hub.detach(follower)
        finally:
            await hub.stop()

    # A thread of its own: the browser tests' Playwright leaves an event loop on this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def news(event_id: int, process: str, attendees: int, followers: int) -> str:
    said = {"process": process, "event_id": event_id}
    return encode({"presence": said | {"attendees": attendees, "followers": followers}})


def test_another_process_counts_until_it_goes_silent(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "PRESENCE_INTERVAL", 0.05)
    monkeypatch.setattr(hub_module, "PRESENCE_HEARTBEAT", 0.2)
    monkeypatch.setattr(hub_module, "PRESENCE_EXPIRES", 0.6)
    event_id = world.event.id

    async def scenario(hub: Hub, broker: SpokenBroker, inbox: Inbox) -> None:
        await broker.publish(news(event_id, "elsewhere", attendees=4, followers=2))
        await inbox.presence(lambda p: p == {"attendees": 4, "followers": 3})
        # It says nothing more (killed, say): its people stop counting after the expiry.
        await inbox.presence(lambda p: p == {"attendees": 0, "followers": 1})

    in_a_room(db, event_id, scenario)
    assert wait_for_peak(db, event_id, 4) == 4, "the other process's attendees make the peak"


def test_a_newcomer_is_answered_at_once_and_news_of_nobody_is_not(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_module, "PRESENCE_INTERVAL", 0.05)
    monkeypatch.setattr(hub_module, "PRESENCE_HEARTBEAT", 60.0)  # no heartbeat in this test
    event_id = world.event.id

    async def scenario(hub: Hub, broker: SpokenBroker, inbox: Inbox) -> None:
        assert broker.ours(hub.process) == [(0, 1)], "joining, it told the others its counts"
        await broker.publish(news(event_id, "elsewhere", attendees=2, followers=0))
        await inbox.presence(lambda p: p == {"attendees": 2, "followers": 1})
        assert broker.ours(hub.process) == [(0, 1), (0, 1)], "told the newcomer at once"
        await broker.publish(news(event_id, "elsewhere", attendees=3, followers=0))
        await inbox.presence(lambda p: p == {"attendees": 3, "followers": 1})
        assert len(broker.ours(hub.process)) == 2, "a process it knows is not answered"
        # Two processes with only facilitators connected must never echo each other.
        await broker.publish(news(event_id, "quiet", attendees=0, followers=0))
        await broker.publish(news(event_id, "elsewhere", attendees=0, followers=0))
        await inbox.presence(lambda p: p == {"attendees": 0, "followers": 1})
        assert len(broker.ours(hub.process)) == 2

    in_a_room(db, event_id, scenario)
