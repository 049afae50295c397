"""Live-blog reads: requests per second and p50/p99 latency for the public page and the Atom feed
of an event with 200 entries, cold (full render) and revalidated with If-None-Match (304), while
1,000 public follower sockets are connected to the same event.

With --scale-out, the same views again from `glimpse serve --workers 2` on PostgreSQL with the
Redis broker (started here, as the tests start theirs), in rows beside the single process's;
skipped, saying so, when PostgreSQL or Redis is not installed.

Loopback only; every run is bounded by --seconds per view.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench._clients import ReceiverPool
from bench._glimpse import ADMIN_EMAIL, GlimpseTarget, GlimpseWorld, scale_out_world
from bench._http import HttpConnection
from bench._procs import cpu_seconds, raise_nofile
from bench._report import machine, percentile, progress, table

PAGE = "/p/bench/fanout"
# /healthz first: the floor every request pays (middleware, routing, the event loop) on this box.
VIEWS = [
    ("healthz", "/healthz", False),
    ("page", PAGE, False),
    ("page", PAGE, True),
    ("feed", f"{PAGE}/feed.atom", False),
    ("feed", f"{PAGE}/feed.atom", True),
]
BODIES = [
    "Good morning from the **Hollins Mill Centre**: thirty managers are here.",
    "> Focus on what we're doing right, spread it, learn from it.",
    "Three things we heard:\n\n- residents choose the menu\n- night staff join the handover\n"
    "- families visit at any time",
    "The [action plan](https://example.org/plan) is up on the wall, with *owners* and dates.",
]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench --only liveblog", description=__doc__)
    p.add_argument("--quick", action="store_true", help="200 sockets and 2 s per view")
    p.add_argument("--entries", type=int, default=200)
    p.add_argument("--sockets", type=int, help="public followers (default 1000; quick 200)")
    p.add_argument("--seconds", type=float, help="per view (default 6; quick 2)")
    p.add_argument("--connections", type=int, default=8, help="concurrent HTTP connections")
    p.add_argument("--client-processes", type=int, default=2)
    p.add_argument("--scale-out", action="store_true", help="also 2 workers, PostgreSQL, Redis")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder and logs")
    args, _ = p.parse_known_args(argv)
    args.sockets = args.sockets or (200 if args.quick else 1000)
    args.seconds = args.seconds or (2.0 if args.quick else 6.0)
    return args


def seed(world: GlimpseWorld, count: int) -> None:
    """Entries through the service, as a facilitator would post them, a few pinned and edited."""
    from sqlmodel import select

    from server.db import Database
    from server.models.accounts import User
    from server.models.events import Event
    from server.models.liveblog import EntryCreate, EntryUpdate
    from server.services import liveblog

    db = Database(world.db_url)
    with db.session() as session:
        admin = session.exec(select(User).where(User.email == ADMIN_EMAIL)).one()
        event = session.get(Event, world.event_id)
        assert event is not None
        for i in range(count):
            kind = ("update", "quote", "key_moment")[i % 3]
            data = EntryCreate(body=f"{BODIES[i % 4]} ({i})", kind=kind, pinned=i in (0, 1))
            entry = liveblog.create_entry(session, actor=admin, event=event, data=data)
            if i % 10 == 0:
                edit = EntryUpdate(body=f"{entry.body}, edited")
                liveblog.update_entry(session, actor=admin, entry=entry, data=edit)
    db.dispose()


@dataclass
class Result:
    server: str
    view: str
    conditional: bool
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[int]
    body_bytes: int
    server_cpu: float


async def hammer(
    port: int, path: str, etag: str | None, seconds: float, connections: int
) -> tuple[list[float], Counter[int], int]:
    """`connections` keep-alive clients asking in a loop until time is up."""
    headers = {"If-None-Match": etag} if etag else {}
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    size = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal size
        conn = HttpConnection("127.0.0.1", port, {"Accept": "text/html"})
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter_ns()
                status, body = await conn.request("GET", path, headers=headers)
                latencies.append((time.perf_counter_ns() - started) / 1e6)
                statuses[status] += 1
                size = max(size, len(body))
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies, statuses, size


async def etag_of(port: int, path: str) -> str:
    """The ETag of a plain GET (HttpConnection keeps no headers, so read the head raw)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    writer.close()
    for line in head.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "etag":
            return value.strip()
    raise RuntimeError(f"{path} sent no ETag")


def measure(target: GlimpseTarget, args: argparse.Namespace) -> list[Result]:
    results = []
    for view, path, conditional in VIEWS:
        etag = asyncio.run(etag_of(target.port, path)) if conditional else None
        cpu = cpu_seconds([target.pid])
        started = time.monotonic()
        latencies, statuses, size = asyncio.run(
            hammer(target.port, path, etag, args.seconds, args.connections)
        )
        wall = time.monotonic() - started
        latencies.sort()
        results.append(
            Result(target.name, view, conditional, len(latencies), wall, latencies, statuses, size,
                   cpu_seconds([target.pid]) - cpu)
        )  # fmt: skip
        progress(f"{view} {'If-None-Match' if conditional else 'cold'}: {len(latencies)} requests")
    return results


def report(results: list[Result], args: argparse.Namespace, connected: int) -> str:
    rows = [
        [
            r.server,
            r.view,
            "If-None-Match" if r.conditional else "cold",
            r.requests,
            r.requests / r.seconds,
            percentile(r.latencies_ms, 50),
            percentile(r.latencies_ms, 99),
            r.latencies_ms[-1] if r.latencies_ms else float("nan"),
            " ".join(f"{s}x{n}" for s, n in sorted(r.statuses.items())),
            r.body_bytes,
            r.server_cpu / r.seconds,
        ]
        for r in results
    ]
    title = (
        f"Live-blog reads: {args.entries} entries, {connected} follower sockets connected, "
        f"{args.connections} keep-alive connections, {args.seconds:g} s per view"
    )
    headers = [
        "server",
        "view",
        "request",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "status",
        "bytes",
        "server cores",
    ]
    return table(title, headers, rows)


def main(argv: list[str]) -> int:
    args = parse(argv)
    limit = raise_nofile()
    folder = Path(tempfile.mkdtemp(prefix="glimpse-bench-liveblog-"))
    print(machine())
    print(f"liveblog: open-file limit {limit}; data in {folder}", flush=True)
    pool = ReceiverPool(args.client_processes)
    try:
        world = GlimpseWorld.create(folder)
        results, opened = run(pool, world, GlimpseTarget(world), args)
        if args.scale_out:
            results += run_scale_out(pool, folder, args)
    finally:
        pool.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print(report(results, args, opened))
    print(machine())
    bad = [r for r in results if set(r.statuses) != {304 if r.conditional else 200}]
    return 1 if bad or opened < args.sockets else 0


def run(
    pool: ReceiverPool, world: GlimpseWorld, target: GlimpseTarget, args: argparse.Namespace
) -> tuple[list[Result], int]:
    """Seed the world, serve it, connect the followers, measure every view."""
    seed(world, args.entries)
    progress(f"seeded {args.entries} entries")
    target.start()
    try:
        opened = pool.connect(target.specs([], args.sockets)[: args.sockets], None)
        progress(
            f"{target.name}: {opened['opened']} follower sockets open, {opened['failed']} failed"
        )
        results = measure(target, args)
        pool.disconnect()
    finally:
        target.stop()
    return results, opened["opened"]


def run_scale_out(pool: ReceiverPool, folder: Path, args: argparse.Namespace) -> list[Result]:
    """The same on `glimpse serve --workers 2`, PostgreSQL and Redis, or nothing if missing."""
    from server.devservers import Unavailable

    try:
        with scale_out_world(folder / "scale-out") as world:
            results, opened = run(pool, world, GlimpseTarget(world, workers=2), args)
    except Unavailable as exc:
        print(f"scale-out rows skipped: {exc} is not installed here")
        return []
    if opened < args.sockets:
        progress(f"scale-out: only {opened} of {args.sockets} follower sockets opened")
    return results
