"""Receiving sockets, in one or more client processes, each an asyncio loop of many sockets.

Every socket reads continuously and records, for each message with a seq: the seq, the send
time stamped in it (between tildes) and the receive time, all on time.monotonic_ns(). Messages
without a seq (hello, presence) are ignored. A socket the server closes comes straight back:
with `since=<last seq seen>` when the server can resume (Glimpse), plainly otherwise; the close
codes are counted. The controlling process drives them with commands over a pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

OPEN_TIMEOUT = 60.0
CONNECT_CONCURRENCY = 64
MAX_OPEN_FAILURES = 5


@dataclass
class SocketSpec:
    url: str  # without query
    headers: dict[str, str]
    since: int | None  # None: the server cannot resume, reconnect without `since`
    hello: bool = False  # the server says hello once subscribed: not ready until then
    group: str = ""  # which server: sockets of several servers can be open at once


@dataclass
class Sock:
    spec: SocketSpec
    last: int = 0
    opened: bool = False
    failed: bool = False
    stopping: bool = False
    ws: ClientConnection | None = None
    task: asyncio.Task[None] | None = None
    extensions: str = ""
    closes: Counter[int] = field(default_factory=Counter)
    resyncs: int = 0
    seqs: array[int] = field(default_factory=lambda: array("q"))
    sent: array[int] = field(default_factory=lambda: array("q"))
    recv: array[int] = field(default_factory=lambda: array("q"))


@dataclass
class Collected:
    """What one process saw of the seqs in (lo, hi]."""

    sockets: int
    connected: int
    deliveries: int
    duplicates: int
    lost: int
    latencies: bytes  # array("q") of receive - send, ns, one per delivery
    last_recv_ns: int
    closes: dict[int, int]
    resyncs: int


class Receiver:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.socks: list[Sock] = []
        self.sample: str | None = None

    async def main(self) -> None:
        """Answer commands one at a time; the pipe is read in a thread so sockets keep flowing."""
        while True:
            command: Any = await asyncio.to_thread(self.conn.recv)
            if command is None:
                return
            name, *args = command
            try:
                result = await getattr(self, f"do_{name}")(*args)
            except Exception as exc:
                result = RuntimeError(f"{type(exc).__name__}: {exc}")
            self.conn.send(result)

    def _group(self, group: str | None) -> list[Sock]:
        return [s for s in self.socks if group is None or s.spec.group == group]

    # -- commands ------------------------------------------------------------------------
    async def do_connect(self, specs: list[SocketSpec], compression: str | None) -> dict[str, Any]:
        """Open every socket (a bounded number at a time); answer once all are open (subscribed,
        when the server says hello) or have failed."""
        started = time.monotonic()
        limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
        new = [Sock(spec, last=spec.since or 0) for spec in specs]
        self.socks += new
        for s in new:
            s.task = asyncio.create_task(self._run(s, limit, compression))
        deadline = started + OPEN_TIMEOUT * 2
        while any(not s.opened and not s.failed for s in new) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        # Thousands of long-lived connection objects make every full collection a pause of
        # tenths of a second; the measuring side must not add those to what it measures.
        gc.collect()
        gc.freeze()
        return {
            "opened": sum(s.opened for s in new),
            "failed": sum(not s.opened for s in new),
            "seconds": time.monotonic() - started,
            "extensions": dict(Counter(s.extensions for s in new if s.opened)),
        }

    async def do_wait(self, hi: int, timeout: float, group: str | None = None) -> int:
        """Wait until every open socket (of the group) has seen seq `hi`; answer how many have
        not."""
        socks = self._group(group)
        deadline = time.monotonic() + timeout
        while True:
            behind = sum(1 for s in socks if s.last < hi and not s.failed)
            if not behind or time.monotonic() > deadline:
                return behind
            await asyncio.sleep(0.02)

    async def do_collect(self, lo: int, hi: int, group: str | None = None) -> Collected:
        """Account for seqs in (lo, hi] on every socket (of the group), then forget them."""
        socks = self._group(group)
        latencies: array[int] = array("q")
        deliveries = duplicates = lost = last_recv = 0
        for s in socks:
            seen: set[int] = set()
            keep = (array("q"), array("q"), array("q"))
            for seq, sent, recv in zip(s.seqs, s.sent, s.recv, strict=True):
                if seq > hi:
                    keep[0].append(seq)
                    keep[1].append(sent)
                    keep[2].append(recv)
                elif seq > lo:
                    if seq in seen:
                        duplicates += 1
                        continue
                    seen.add(seq)
                    latencies.append(recv - sent)
                    last_recv = max(last_recv, recv)
            deliveries += len(seen)
            lost += hi - lo - len(seen)
            s.seqs, s.sent, s.recv = keep
            await asyncio.sleep(0)
        closes: Counter[int] = Counter()
        for s in socks:
            closes.update(s.closes)
            s.closes.clear()
        resyncs = sum(s.resyncs for s in socks)
        for s in socks:
            s.resyncs = 0
        return Collected(
            sockets=len(socks),
            connected=sum(1 for s in socks if s.ws is not None),
            deliveries=deliveries,
            duplicates=duplicates,
            lost=lost,
            latencies=latencies.tobytes(),
            last_recv_ns=last_recv,
            closes=dict(closes),
            resyncs=resyncs,
        )

    async def do_sample(self) -> str | None:
        return self.sample

    async def do_disconnect(self, group: str | None = None) -> int:
        """Close every socket (of the group) cleanly and forget them."""
        socks = self._group(group)
        for s in socks:
            s.stopping = True
        open_ = [s.ws for s in socks if s.ws is not None]
        for i in range(0, len(open_), 200):
            await asyncio.gather(*(ws.close() for ws in open_[i : i + 200]))
        tasks = [s.task for s in socks if s.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.socks = [s for s in self.socks if s not in socks]
        return len(socks)

    # -- one socket ------------------------------------------------------------------------
    async def _run(self, s: Sock, limit: asyncio.Semaphore, compression: str | None) -> None:
        failures = 0
        while not s.stopping:
            resume = f"?since={s.last}" if s.spec.since is not None else ""
            try:
                async with limit:
                    ws = await connect(
                        s.spec.url + resume,
                        additional_headers=s.spec.headers,
                        compression=compression,
                        ping_interval=None,
                        open_timeout=OPEN_TIMEOUT,
                        close_timeout=2,
                    )
            except Exception:
                failures += 1
                if failures >= MAX_OPEN_FAILURES and not s.opened:
                    s.failed = True
                    return
                await asyncio.sleep(0.2 * failures)
                continue
            s.ws = ws
            s.opened = s.opened or not s.spec.hello
            s.extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "none")
            await self._read(s, ws)
            s.ws = None
            if not s.stopping:
                s.closes[ws.close_code or 0] += 1

    async def _read(self, s: Sock, ws: ClientConnection) -> None:
        clock = time.monotonic_ns
        try:
            async for message in ws:
                now = clock()
                if not isinstance(message, str) or not message.startswith('{"seq":'):
                    if isinstance(message, str) and message.startswith('{"type":"resync"'):
                        s.resyncs += 1
                    continue
                if message[7] == "n":  # "seq":null — hello, presence
                    s.opened = s.opened or message.startswith('{"seq":null,"type":"hello"')
                    continue
                comma = message.index(",", 7)
                seq = int(message[7:comma])
                mark = message.find("~", comma)
                sent = int(message[mark + 1 : message.index("~", mark + 1)]) if mark > 0 else now
                s.seqs.append(seq)
                s.sent.append(sent)
                s.recv.append(now)
                if seq > s.last:
                    s.last = seq
                if self.sample is None:
                    self.sample = message
        except ConnectionClosed:
            pass


def receiver_main(conn: Connection) -> None:
    from bench._procs import raise_nofile
    from bench._sender import _use_uvloop

    raise_nofile()
    _use_uvloop()
    asyncio.run(Receiver(conn).main())


class ReceiverPool:
    """The client processes, driven together; sockets are dealt out round-robin."""

    def __init__(self, processes: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(processes):
            mine, theirs = ctx.Pipe()
            process = ctx.Process(target=receiver_main, args=(theirs,), daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def _all(self, commands: list[tuple[Any, ...]], timeout: float = 600) -> list[Any]:
        for pipe, command in zip(self.pipes, commands, strict=True):
            pipe.send(command)
        results = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise TimeoutError(f"client process did not answer {commands[0][0]!r}")
            result = pipe.recv()
            if isinstance(result, Exception):
                raise result
            results.append(result)
        return results

    def _same(self, *command: Any) -> list[Any]:
        return self._all([command] * len(self.pipes))

    def connect(self, specs: list[SocketSpec], compression: str | None) -> dict[str, Any]:
        n = len(self.pipes)
        parts = self._all([("connect", specs[i::n], compression) for i in range(n)])
        extensions: Counter[str] = Counter()
        for part in parts:
            extensions.update(part["extensions"])
        return {
            "opened": sum(p["opened"] for p in parts),
            "failed": sum(p["failed"] for p in parts),
            "seconds": max(p["seconds"] for p in parts),
            "extensions": dict(extensions),
        }

    def wait(self, hi: int, timeout: float, group: str | None = None) -> int:
        """Wait until the group's sockets (all, for None) have seen seq `hi`; how many have not."""
        return sum(self._same("wait", hi, timeout, group))

    def collect(self, lo: int, hi: int, group: str | None = None) -> list[Collected]:
        return list(self._same("collect", lo, hi, group))

    def sample(self) -> str | None:
        return next((s for s in self._same("sample") if s), None)

    def disconnect(self, group: str | None = None) -> int:
        return sum(self._same("disconnect", group))

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(None)
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
