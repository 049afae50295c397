"""The change sender: posts on an absolute schedule from its own process.

The k-th post is due at t0 + k/rate whatever happened to the earlier ones, over a few keep-alive
connections. Each post carries its *scheduled* time (time.monotonic_ns(), shared by every
process on the machine) between tildes in its text. A post that waits for a free connection
is late, and the lateness counts in the delivery latency measured from that stamp, so a slow
server cannot hide its backlog by slowing the sender down (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from bench._http import HttpConnection
from bench._report import percentile

REQUEST_TIMEOUT = 30.0


@dataclass
class PostTarget:
    """Where changes are posted: host, port, path and headers (a bearer token for Glimpse)."""

    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    text_field: str = "title"  # the field that carries the text (and the due time)
    client_ids: bool = False  # each post carries a new client_id, as phones' cards do


@dataclass
class SendResult:
    t0_ns: int  # when post 0 was due
    due: int
    sent: int
    statuses: dict[str, int]
    lag_p50_ms: float  # how late the request was written, against its schedule
    lag_p99_ms: float
    lag_max_ms: float
    post_p50_ms: float  # from writing the request to reading the whole answer
    post_p99_ms: float
    post_max_ms: float
    seconds: float  # from t0 until the last answer


async def send(target: PostTarget, *, rate: float, count: int, connections: int) -> SendResult:
    pool: asyncio.Queue[HttpConnection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(HttpConnection(target.host, target.port, target.headers))
    interval = 1e9 / rate
    t0 = time.monotonic_ns() + 50_000_000
    lags: list[int] = []
    answers: list[int] = []
    statuses: Counter[str] = Counter()

    async def post(k: int, due: int) -> None:
        conn = await pool.get()
        written = time.monotonic_ns()
        lags.append(written - due)
        try:
            body = {target.text_field: f"fanout {k} ~{due}~"}
            if target.client_ids:
                body["client_id"] = str(uuid.uuid4())
            status, _ = await asyncio.wait_for(
                conn.request("POST", target.path, body), REQUEST_TIMEOUT
            )
            answers.append(time.monotonic_ns() - written)
            statuses[str(status)] += 1
        except Exception as exc:
            statuses[type(exc).__name__] += 1
            with contextlib.suppress(Exception):
                await conn.close()
        finally:
            pool.put_nowait(conn)

    tasks = []
    for k in range(count):
        due = t0 + int(k * interval)
        delay = due - time.monotonic_ns()
        if delay > 0:
            await asyncio.sleep(delay / 1e9)
        tasks.append(asyncio.create_task(post(k, due)))
    await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT * 2)
    seconds = (time.monotonic_ns() - t0) / 1e9
    while not pool.empty():
        await pool.get_nowait().close()
    ordered, answered = sorted(lags), sorted(answers)
    return SendResult(
        t0_ns=t0,
        due=count,
        sent=len(lags),
        statuses=dict(statuses),
        lag_p50_ms=percentile(ordered, 50) / 1e6,
        lag_p99_ms=percentile(ordered, 99) / 1e6,
        lag_max_ms=(ordered[-1] / 1e6) if ordered else float("nan"),
        post_p50_ms=percentile(answered, 50) / 1e6,
        post_p99_ms=percentile(answered, 99) / 1e6,
        post_max_ms=(answered[-1] / 1e6) if answered else float("nan"),
        seconds=seconds,
    )


def sender_main(conn: Connection) -> None:
    """Process entry: ("send", target, rate, count, connections) -> SendResult; None ends."""
    _use_uvloop()
    while True:
        command: Any = conn.recv()
        if command is None:
            return
        _, target, rate, count, connections = command
        conn.send(asyncio.run(send(target, rate=rate, count=count, connections=connections)))


def _use_uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


class SenderProcess:
    """The sender in its own process, so its CPU is its own and it never waits on receivers."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipe, theirs = ctx.Pipe()
        self.process = ctx.Process(target=sender_main, args=(theirs,), daemon=True)
        self.process.start()

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    def send(self, target: PostTarget, *, rate: float, count: int, connections: int) -> SendResult:
        self.pipe.send(("send", target, rate, count, connections))
        result: SendResult = self.pipe.recv()
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.pipe.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
