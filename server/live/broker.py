"""Brokers carry committed log rows between processes: in memory, or Redis pub/sub.

The interface is ours (publish, next_published) so a backend can be swapped without the hub
noticing. Queues are bounded: a message dropped here is not lost, because the hub fills any gap
in seq from the database, and a broker that reconnects says so, so the hub can catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

log = logging.getLogger("glimpse.broker")

CHANNEL = "glimpse:log"
RECONNECTED = "\x00reconnected"  # not JSON: never confused with a published message
QUEUE_SIZE = 10_000


class Broker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, message: str) -> None: ...
    async def next_published(self) -> str: ...
    async def check(self) -> str: ...


def _offer(queue: asyncio.Queue[str], message: str) -> None:
    try:
        queue.put_nowait(message)
    except asyncio.QueueFull:
        log.warning("broker queue full; the hub will fill the gap from the database")


class MemoryBroker:
    """One process: what is published is what this process's hub receives."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, message: str) -> None:
        _offer(self._queue, message)

    async def next_published(self) -> str:
        return await self._queue.get()

    async def check(self) -> str:
        return "ok"


class RedisBroker:
    """Redis pub/sub on one channel; resubscribes with backoff when Redis goes away."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.Redis.from_url(url, health_check_interval=10)
        self._queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="redis-broker")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._redis.aclose()

    async def publish(self, message: str) -> None:
        try:
            await self._redis.publish(CHANNEL, message)
        except Exception as exc:  # the rows are committed; peers catch up on reconnect
            log.warning("publish to redis failed: %s", exc)

    async def next_published(self) -> str:
        return await self._queue.get()

    async def check(self) -> str:
        try:
            await asyncio.wait_for(self._redis.ping(), timeout=2)
        except Exception as exc:
            return f"error: {type(exc).__name__}"
        return "ok"

    async def _listen(self) -> None:
        delay = 0.1
        first = True
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    if not first:
                        _offer(self._queue, RECONNECTED)
                    first, delay = False, 0.1
                    async for item in pubsub.listen():
                        if item.get("type") == "message":
                            data = item["data"]
                            _offer(self._queue, data.decode() if isinstance(data, bytes) else data)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("redis subscription lost (%s); retrying in %.1fs", exc, delay)
                first = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


def make_broker(url: str) -> Broker:
    if not url:
        return MemoryBroker()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroker(url)
    raise ValueError(f"GLIMPSE_BROKER_URL must be empty or redis://…, not {url!r}")
