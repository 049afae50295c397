"""Load points: post changes on a schedule at a server while sockets receive, and measure.

A Rig is the client side of a run (the receiving processes and the sender); `measure` runs one
load point against one server and accounts for every delivery, `sweep` raises the rate until
the server falls behind.
"""

from __future__ import annotations

import argparse
import math
import time
from array import array
from dataclasses import dataclass, field
from typing import Protocol

from bench._clients import ReceiverPool, SocketSpec
from bench._procs import busy_seconds, cpu_seconds, rss
from bench._report import percentile, progress
from bench._sender import PostTarget, SenderProcess, SendResult

P99_LIMIT_MS = 500.0  # a sweep stops at the first step over this, or losing anything


class Target(Protocol):
    name: str

    @property
    def pid(self) -> int: ...
    def stop(self) -> None: ...
    def last_seq(self) -> int: ...
    def post_target(self) -> PostTarget: ...


@dataclass
class Load:
    """One load point on one server: what was offered, what arrived, what it cost."""

    server: str
    sockets: int
    rate: float
    changes: int
    deliveries: int
    achieved: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    lost: int
    duplicates: int
    closes: dict[int, int]  # sockets the server closed, by close code (they reconnect)
    resyncs: int  # "resync" messages: a socket was told to reload instead of being replayed
    server_cpu: float
    client_cpu: float
    other_cpu: float  # the machine's busy time that was neither ours: other work, interrupts
    wall: float
    send: SendResult
    rss_kib_per_conn: float = math.nan
    attempt: int = 1  # a sweep step that failed is measured once more
    extensions: dict[str, int] = field(default_factory=dict)

    @property
    def offered(self) -> float:
        return self.rate * self.sockets

    @property
    def post_errors(self) -> int:
        return sum(n for status, n in self.send.statuses.items() if status not in ("200", "201"))

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.duplicates == 0
            and not self.closes
            and not self.resyncs
            and self.post_errors == 0
            and self.p99_ms <= P99_LIMIT_MS
        )

    @property
    def cpu_us_per_delivery(self) -> float:
        return self.server_cpu / self.deliveries * 1e6 if self.deliveries else math.nan


@dataclass
class Rig:
    """The client side of a run: receiving processes, the sender, and the run's settings."""

    pool: ReceiverPool
    sender: SenderProcess
    args: argparse.Namespace

    def measure(
        self, target: Target, *, sockets: int, rate: float, seconds: float, drain: float = 0
    ) -> Load:
        """Post for `seconds`, then wait up to `drain` seconds (default: the run's) for the
        last deliveries; whatever has not arrived by then counts as lost."""
        lo = target.last_seq()
        client_pids = [*self.pool.pids, self.sender.pid]
        server0, client0 = cpu_seconds([target.pid]), cpu_seconds(client_pids)
        wall0, busy0 = time.monotonic(), busy_seconds()
        sent = self.sender.send(
            target.post_target(),
            rate=rate,
            count=max(1, round(rate * seconds)),
            connections=self.args.http_connections,
        )
        hi = target.last_seq()
        self.pool.wait(hi, drain or self.args.drain, target.name)
        server1, client1 = cpu_seconds([target.pid]), cpu_seconds(client_pids)
        wall1, busy1 = time.monotonic(), busy_seconds()
        parts = self.pool.collect(lo, hi, target.name)
        latencies: array[int] = array("q")
        closes: dict[int, int] = {}
        for part in parts:
            latencies.frombytes(part.latencies)
            for code, n in part.closes.items():
                closes[code] = closes.get(code, 0) + n
        ordered = sorted(latencies)
        # From when the first change was due until the last delivery, and never shorter than
        # the schedule itself: a server that keeps up achieves exactly what was offered.
        last = max(p.last_recv_ns for p in parts)
        span = max((last - sent.t0_ns) / 1e9, sent.due / rate) if last else math.nan
        return Load(
            server=target.name,
            sockets=sockets,
            rate=rate,
            changes=hi - lo,
            deliveries=len(ordered),
            achieved=len(ordered) / span if span else math.nan,
            p50_ms=percentile(ordered, 50) / 1e6,
            p99_ms=percentile(ordered, 99) / 1e6,
            max_ms=(ordered[-1] / 1e6) if ordered else math.nan,
            lost=sum(p.lost for p in parts),
            duplicates=sum(p.duplicates for p in parts),
            closes=closes,
            resyncs=sum(p.resyncs for p in parts),
            server_cpu=server1 - server0,
            client_cpu=client1 - client0,
            other_cpu=max(0.0, (busy1 - busy0) - (server1 - server0) - (client1 - client0)),
            wall=wall1 - wall0,
            send=sent,
        )

    def connect(
        self, target: Target, specs: list[SocketSpec], compression: str | None
    ) -> tuple[float, dict[str, int]]:
        """Warm the server up, then connect every socket; KiB of server RSS per connection."""
        warm = specs[:20]
        self.pool.connect(warm, compression)
        self.measure(target, sockets=len(warm), rate=50, seconds=0.2)
        self.pool.disconnect(target.name)
        time.sleep(0.3)
        now = target.last_seq()
        for spec in specs:  # subscribe from now: nothing to replay
            spec.since = None if spec.since is None else now
        before = rss(target.pid)
        info = self.pool.connect(specs, compression)
        if info["failed"]:
            raise RuntimeError(f"{info['failed']} of {len(specs)} sockets did not open")
        time.sleep(self.args.settle)
        per = (rss(target.pid) - before) / info["opened"] / 1024
        progress(
            f"{target.name}: {info['opened']} sockets open in {info['seconds']:.1f} s, "
            f"{per:.1f} KiB server RSS each"
        )
        return per, info["extensions"]

    def main_point(
        self, target: Target, specs: list[SocketSpec], rate: float, seconds: float
    ) -> Load:
        """Connect every socket (measuring idle memory), then one load point."""
        # Browsers offer permessage-deflate; the clients do too when the server would take it.
        compression = "deflate" if getattr(target, "deflate", False) else None
        per, extensions = self.connect(target, specs, compression)
        # An overloaded server may take long to catch up: that is latency, not loss.
        drain = self.args.drain * 3
        load = self.measure(target, sockets=len(specs), rate=rate, seconds=seconds, drain=drain)
        load.rss_kib_per_conn, load.extensions = per, extensions
        progress(f"{target.name}: {_one_line(load)}")
        return load

    def sweep(self, targets: list[tuple[Target, int]]) -> dict[str, list[Load]]:
        """Raise the rate step by step until p99 passes the limit or anything is lost, then try
        once between the last good step and the first bad one. Servers (each with its own
        sockets, all open) take turns at each rate, so a change in what else the machine is
        doing falls on all of them alike."""
        args = self.args
        steps: dict[str, list[Load]] = {t.name: [] for t, _ in targets}
        climbs = {t.name: _Climb(rate=args.sweep_from / n) for t, n in targets}
        for _ in range(args.sweep_steps):
            for target, sockets in targets:
                climb = climbs[target.name]
                if climb.bad:
                    continue
                if self._passes(target, sockets, climb.rate, steps[target.name]):
                    climb.good, climb.rate = climb.rate, climb.rate * args.sweep_factor
                else:
                    climb.bad = climb.rate
            if all(c.bad for c in climbs.values()):
                break
        for target, sockets in targets:
            climb = climbs[target.name]
            if climb.good and climb.bad:
                self._passes(target, sockets, math.sqrt(climb.good * climb.bad), steps[target.name])
        return steps

    def _passes(self, target: Target, sockets: int, rate: float, steps: list[Load]) -> bool:
        """One sweep step; a failed one is tried once more after the server has caught up, so
        a one-off stall (a neighbour's burst on a shared machine) does not end the sweep."""
        for attempt in (1, 2) if self.args.retry else (1,):
            if attempt == 2:
                self.pool.wait(target.last_seq(), self.args.drain, target.name)
            step = self.measure(target, sockets=sockets, rate=rate, seconds=self.args.step)
            step.attempt = attempt
            steps.append(step)
            progress(f"sweep {target.name}: {_one_line(step)}")
            if step.ok:
                return True
        return False


@dataclass
class _Climb:
    """Where one server's sweep has got to."""

    rate: float
    good: float = 0.0  # the fastest rate that passed
    bad: float = 0.0  # the rate that failed twice: the sweep is over for this server


def _one_line(load: Load) -> str:
    return (
        f"{load.rate:.1f} changes/s -> {load.achieved:,.0f}/{load.offered:,.0f} deliveries/s, "
        f"p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms, max {load.max_ms:.1f} ms, "
        f"lost {load.lost}, dup {load.duplicates}, closed {load.closes or 0}, "
        f"resync {load.resyncs}, "
        f"server CPU {load.server_cpu / load.wall:.0%}, POST p50/p99/max "
        f"{load.send.post_p50_ms:.0f}/{load.send.post_p99_ms:.0f}/{load.send.post_max_ms:.0f} ms, "
        f"errors {load.post_errors}"
    )


def sustainable(steps: list[Load]) -> float:
    """The best achieved deliveries/s of a step that passed."""
    return max((s.achieved for s in steps if s.ok), default=0.0)
