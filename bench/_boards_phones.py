"""Phones for bench/boards.py: one client process runs many, each on its own connections.

A phone joins at its moment in the storm (POST /api/v1/join, GET /state, socket, hello), timing
each stage, then reads its socket to the end, as a phone must or be closed as too slow. Active
phones post cards and set votes over the socket at random intervals during the load. The
process reports what it measured; the screen's side is read by the controlling process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from bench._http import HttpConnection

WORDS = [
    "residents",
    "staff",
    "families",
    "garden",
    "music",
    "rota",
    "handover",
    "meals",
    "trust",
    "calm",
    "choice",
    "dignity",
    "kitchen",
    "visits",
    "training",
    "night",
    "laundry",
    "activities",
    "volunteers",
    "medicines",
]
# A phone that waits this long for any one step of joining gives up (and counts an error).
STEP_TIMEOUT = 30.0
# The stages of a phone's join, in order; each is timed from the end of the one before.
STAGES = ("join POST", "GET /state", "socket open", "hello")


@dataclass
class Plan:
    port: int
    event_id: int
    board_id: int
    join_code: str
    phones: list[int]  # this process's phone numbers, out of `total`
    total: int
    active: int  # phones numbered below this post and vote
    start: float  # time.monotonic() of the storm's first join
    storm: float
    load_at: float
    end: float
    drain: float
    post_every: float
    vote_every: float


@dataclass
class Worker:
    plan: Plan
    joined: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    first_start: float = 0.0
    last_connected: float = 0.0
    sent: dict[str, float] = field(default_factory=dict)
    acks: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    cards: list[int] = field(default_factory=list)  # visible card ids, for votes
    collector: bool = False  # one socket per process parses card.created for `cards`


def run_worker(plan: Plan) -> dict[str, Any]:
    """Run this process's phones to the end of the plan; what they measured, as plain data."""
    worker = Worker(plan)
    asyncio.run(_run(worker))
    return {
        "joined": worker.joined,
        "stages": worker.stages,
        "first_start": worker.first_start,
        "last_connected": worker.last_connected,
        "sent": worker.sent,
        "acks": dict(worker.acks),
        "errors": dict(worker.errors),
    }


async def _run(worker: Worker) -> None:
    await asyncio.gather(*(Phone(worker, n).run() for n in worker.plan.phones))


class Phone:
    def __init__(self, worker: Worker, n: int) -> None:
        self.worker, self.plan, self.n = worker, worker.plan, n
        self.rng = random.Random(n)
        self.dots: dict[int, int] = {}
        self.pending: dict[str, str] = {}  # ref -> message type
        self.ws: ClientConnection | None = None
        self.collects = False

    async def run(self) -> None:
        plan = self.plan
        await _sleep_until(plan.start + plan.storm * self.n / plan.total)
        try:
            await self.join()
        except (OSError, WebSocketException, TimeoutError, RuntimeError) as exc:
            self.worker.errors[f"join: {type(exc).__name__}: {str(exc)[:60]}"] += 1
            return
        assert self.ws is not None
        reading = asyncio.create_task(self.read())
        if self.n < plan.active:
            await self.act()
        await _sleep_until(plan.end + plan.drain)
        reading.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), STEP_TIMEOUT)
        for kind in self.pending.values():
            self.worker.errors[f"{kind}: no reply"] += 1

    async def join(self) -> None:
        started = time.monotonic()
        if not self.worker.first_start or started < self.worker.first_start:
            self.worker.first_start = started
        marks = [started]
        http = HttpConnection("127.0.0.1", self.plan.port)
        try:
            body = {"code": self.plan.join_code, "display_name": f"Phone {self.n}"}
            joined = await _ok(http.request("POST", "/api/v1/join", body))
            marks.append(time.monotonic())
            headers = {"Authorization": f"Bearer {json.loads(joined)['token']}"}
            path = f"/api/v1/events/{self.plan.event_id}/state"
            seq = json.loads(await _ok(http.request("GET", path, headers=headers)))["seq"]
            marks.append(time.monotonic())
        finally:
            await http.close()
        url = f"ws://127.0.0.1:{self.plan.port}/ws/events/{self.plan.event_id}?since={seq}"
        opening = connect(url, additional_headers=headers, ping_interval=None, max_size=None)
        self.ws = await asyncio.wait_for(opening, STEP_TIMEOUT)
        marks.append(time.monotonic())
        hello = await asyncio.wait_for(self.ws.recv(), STEP_TIMEOUT)
        if '"hello"' not in str(hello):
            raise RuntimeError("the first message was not hello")
        connected = time.monotonic()
        marks.append(connected)
        for stage, (begun, ended) in zip(STAGES, itertools.pairwise(marks), strict=True):
            self.worker.stages[stage].append(ended - begun)
        self.worker.joined.append(connected - started)
        self.worker.last_connected = max(self.worker.last_connected, connected)
        if not self.worker.collector:
            self.worker.collector = self.collects = True

    async def read(self) -> None:
        """Read everything; only replies, and the collector's cards, are parsed."""
        assert self.ws is not None
        try:
            async for text in self.ws:
                if not isinstance(text, str):
                    continue
                if text.startswith(('{"type":"ack"', '{"type":"error"')):
                    self.settle(json.loads(text))
                elif self.collects and '"type":"card.created"' in text:
                    data = json.loads(text)["data"]
                    if data["status"] == "visible":
                        self.worker.cards.append(data["id"])
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code not in (1000, 1001):
                self.worker.errors[f"socket closed {exc.rcvd.code}"] += 1

    def settle(self, reply: dict[str, Any]) -> None:
        kind = self.pending.pop(reply.get("ref", ""), "unknown")
        if reply["type"] == "ack":
            self.worker.acks[kind] += 1
        else:
            self.worker.errors[f"{kind}: {reply['error']['code']}"] += 1

    async def act(self) -> None:
        """Post and vote at random moments until the load ends."""
        plan = self.plan
        # Phones start at random moments, not in step: a room does not post on a signal.
        next_post = plan.load_at + self.rng.uniform(0, plan.post_every)
        next_vote = plan.load_at + self.rng.uniform(0, plan.vote_every)
        while (now := time.monotonic()) < plan.end:
            if now >= next_post:
                await self.post()
                next_post = now + self.rng.expovariate(1 / plan.post_every)
            if now >= next_vote:
                await self.vote()
                next_vote = now + self.rng.expovariate(1 / plan.vote_every)
            await _sleep_until(min(next_post, next_vote, plan.end))

    async def post(self) -> None:
        client_id = str(uuid.uuid4())
        text = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(3, 16)))
        column = self.rng.choice(["Going well", "Concerning"])
        data = {"board_id": self.plan.board_id, "client_id": client_id, "text": text.capitalize()}
        self.worker.sent[client_id] = time.monotonic()
        await self.send("card.create", {**data, "column": column})

    async def vote(self) -> None:
        """A dot on a card not yet chosen, or one taken back when all are spent."""
        choices = [c for c in self.worker.cards[-200:] if c not in self.dots]
        if not choices and not self.dots:
            return
        if choices and sum(self.dots.values()) < 10:
            card, count = self.rng.choice(choices), 1
            self.dots[card] = 1
        else:
            card, count = self.rng.choice(list(self.dots)), 0
            del self.dots[card]
        await self.send("vote.set", {"card_id": card, "count": count})

    async def send(self, kind: str, data: dict[str, Any]) -> None:
        assert self.ws is not None
        ref = f"{self.n}-{len(self.pending)}-{time.monotonic_ns()}"
        self.pending[ref] = kind
        try:
            await self.ws.send(json.dumps({"type": kind, "ref": ref, "data": data}))
        except ConnectionClosed:
            self.pending.pop(ref, None)
            self.worker.errors[f"{kind}: socket closed"] += 1


async def _ok(request: Any) -> bytes:
    status, body = await asyncio.wait_for(request, STEP_TIMEOUT)
    if status != 200:
        raise RuntimeError(f"answered {status}: {body[:80]!r}")
    return bytes(body)


async def _sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))
