"""Fan-out: one event, N attendee sockets and the screen, changes posted through the REST API.

Prints, for Glimpse and for a bare `websockets.broadcast()` server taking the same POSTs:
offered and achieved deliveries per second, p50/p99/max post-to-delivery latency over every
delivery, lost and duplicated deliveries (by seq, per socket), server and client CPU seconds,
server memory per idle connection, the ratios between the two, a saturation sweep for each,
a crowd of 10,000 public followers on the one event at 5 changes/s (beside the baseline with
as many sockets), and a comparison of uvicorn's WebSocket implementations with
permessage-deflate on and off.

With --scale-out, the main point is measured once more on `glimpse serve --workers 2` with
PostgreSQL and the Redis broker (started here, as the tests start theirs), and printed in the
main table beside the single process and the baseline; skipped, saying so, when PostgreSQL or
Redis is not installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import shutil
import tempfile
from pathlib import Path

from bench._baseline import NAME as BASELINE
from bench._baseline import BaselineTarget
from bench._clients import ReceiverPool
from bench._fanout_tables import goals, impl_table, main_table, sweep_table
from bench._glimpse import GlimpseTarget, GlimpseWorld, join_attendees, scale_out_world
from bench._load import Load, Rig, Target, sustainable
from bench._procs import raise_nofile
from bench._report import machine, progress
from bench._sender import SenderProcess
from server.live.transport import WS_PROTOCOL


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench --only fanout", description=__doc__)
    p.add_argument("--quick", action="store_true", help="200 sockets and short runs")
    p.add_argument("--sockets", type=int, help="attendee sockets (default 2000; quick 200)")
    p.add_argument("--rate", type=float, default=20.0, help="changes/s at the main point")
    p.add_argument("--seconds", type=float, help="main point duration (default 15; quick 3)")
    p.add_argument("--step", type=float, help="sweep step duration (default 4; quick 1.5)")
    p.add_argument("--sweep-from", type=float, help="first sweep step, deliveries/s")
    p.add_argument("--sweep-factor", type=float, default=1.4)
    p.add_argument("--sweep-steps", type=int, default=12)
    p.add_argument("--impl-seconds", type=float, help="per WS configuration (default 6; quick 1.5)")
    p.add_argument(
        "--impl-rate", type=float, help="changes/s (default: 0.6 x the fastest good sweep step)"
    )
    p.add_argument("--crowd", type=int, help="public followers in the crowd point (default 10000)")
    p.add_argument("--crowd-rate", type=float, default=5.0, help="changes/s at the crowd point")
    p.add_argument("--no-crowd", action="store_true")
    p.add_argument("--client-processes", type=int, default=2)
    p.add_argument("--http-connections", type=int, default=4)
    p.add_argument("--followers", action="store_true", help="public followers, not attendees")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--no-sweep", action="store_true")
    p.add_argument("--no-impls", action="store_true")
    p.add_argument("--scale-out", action="store_true", help="also 2 workers, PostgreSQL, Redis")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder and logs")
    args, _ = p.parse_known_args(argv)
    quick = args.quick
    args.sockets = args.sockets or (200 if quick else 2000)
    args.crowd = 0 if args.no_crowd else args.crowd or (1000 if quick else 10_000)
    args.seconds = args.seconds or (3.0 if quick else 15.0)
    args.step = args.step or (1.5 if quick else 4.0)
    args.sweep_from = args.sweep_from or (4_000.0 if quick else 5_000.0)
    args.impl_seconds = args.impl_seconds or (1.5 if quick else 6.0)
    # After the last post, how long deliveries may still arrive; after connecting, how long
    # to wait before reading the server's memory.
    args.drain, args.settle = (3.0, 0.5) if quick else (10.0, 2.0)
    args.retry = not quick  # a failed sweep step is measured once more
    if quick and "--sweep-factor" not in argv:
        args.sweep_factor = 3.0
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    limit = raise_nofile()
    folder = Path(tempfile.mkdtemp(prefix="glimpse-bench-"))
    print(machine())
    kind = "public followers" if args.followers else "attendees joined via POST /api/v1/join"
    print(
        f"fanout: {args.sockets} {kind} + 1 screen socket (admin bearer) on one event, "
        f"{args.client_processes} client processes, {args.http_connections} HTTP connections, "
        f"changes = POST /api/v1/boards/ID/cards (as the admin); open-file limit {limit}; "
        f"data in {folder}",
    )
    print(
        "clients: websockets.asyncio.client, compression off (deflate offered only in the deflate "
        "rows); latency = receive time - the post's scheduled send time (time.monotonic_ns)",
        flush=True,
    )
    pool, sender = ReceiverPool(args.client_processes), SenderProcess()
    rig = Rig(pool, sender, args)
    try:
        return run(rig, folder)
    finally:
        pool.close()
        sender.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def run(rig: Rig, folder: Path) -> int:
    args = rig.args
    world = GlimpseWorld.create(folder)
    glimpse = GlimpseTarget(world).start()
    baseline: BaselineTarget | None = None
    tokens: list[str] = []
    try:
        if not args.followers:
            tokens, seconds = join_attendees(glimpse.port, world.join_code, args.sockets)
            progress(f"joined {len(tokens)} attendees in {seconds:.1f} s")
        specs = glimpse.specs(tokens, 0 if tokens else args.sockets)
        main = rig.main_point(glimpse, specs, args.rate, args.seconds)
        sample = rig.pool.sample()
        targets: list[tuple[Target, int]] = [(glimpse, len(specs))]
        base_main = None
        if not args.no_baseline:
            # Its sockets open beside Glimpse's, so the sweep can take turns between the two.
            baseline = BaselineTarget(folder, sample).start()
            base_specs = baseline.specs(len(specs))
            base_main = rig.main_point(baseline, base_specs, args.rate, args.seconds)
            targets.append((baseline, len(base_specs)))
        sweeps = {} if args.no_sweep else rig.sweep(targets)
        rig.pool.disconnect()
        crowd = measure_crowd(rig, glimpse, baseline)
        scaled = measure_scale_out(rig, folder) if args.scale_out else None
    finally:
        glimpse.stop()
        if baseline is not None:
            baseline.stop()
    impls: list[Load] = []
    # Well inside what the default configuration sustained, so the flavours are compared on
    # cost and latency rather than on how they fall over.
    best = max((s.rate for s in sweeps.get(glimpse.name, []) if s.ok), default=0)
    impl_rate = args.impl_rate or round(0.6 * best, 1) or args.rate
    if not args.no_impls:
        impls = compare_impls(rig, world, tokens, impl_rate)
    print()
    header = (
        f"Fan-out: {len(specs)} sockets, {args.rate:g} changes/s for {args.seconds:g} s "
        f"({main.changes} changes, {len((sample or '').encode())}-byte messages; lost = not "
        f"delivered within {args.drain * 3:g} s of the last post)"
    )
    print(main_table(main, base_main, header, [scaled] if scaled else []))
    print(LEGEND)
    ratio = math.nan
    if sweeps:
        print()
        print(sweep_table(sweeps))
        ratio = print_sustainable(sweeps, glimpse.name)
    if crowd:
        print()
        title = (
            f"Crowd: {args.crowd:,} public followers + 1 screen socket on the one event, "
            f"{args.crowd_rate:g} changes/s for {args.seconds:g} s"
        )
        print(main_table(crowd[0], crowd[1], title))
    if impls:
        print()
        rate = impls[0].rate
        title = f"uvicorn WebSocket implementations and permessage-deflate at {rate:.1f} changes/s"
        print(impl_table(impls, title))
    print()
    print(goals(main, base_main, ratio, crowd[0] if crowd else None))
    print(machine())
    return 0 if main.lost == 0 and main.duplicates == 0 else 1


LEGEND = (
    "offered/achieved = deliveries per second (sockets x changes/s; achieved counts from the "
    "first post's due time to the last delivery); CPU s = user+system of the server process / "
    "of the client and sender processes / of everything else on the machine; us/deliv = CPU "
    "microseconds per delivery; RSS KiB/conn = (server RSS with every socket open and idle - "
    "RSS with none) / sockets"
)


def print_sustainable(sweeps: dict[str, list[Load]], glimpse: str) -> float:
    best = {name: sustainable(steps) for name, steps in sweeps.items()}
    for name, value in best.items():
        final = {s.rate: s for s in sweeps[name]}  # a second try replaces the first
        capped = all(s.ok for s in final.values())
        note = " (never saturated: raise --sweep-steps)" if capped else ""
        print(f"max sustainable deliveries/s, {name}: {value:,.0f}{note}")
    if best.get(BASELINE):
        ratio = best[glimpse] / best[BASELINE]
        print(f"sustainable throughput, glimpse / baseline: {ratio:.2f}")
        return ratio
    return math.nan


def measure_crowd(
    rig: Rig, glimpse: GlimpseTarget, baseline: BaselineTarget | None
) -> tuple[Load, Load | None] | None:
    """Many public followers at a calm rate: Glimpse, then the baseline with as many sockets."""
    args = rig.args
    if not args.crowd:
        return None
    loads: list[Load] = []
    for target in (glimpse, baseline):
        if target is None:
            continue
        specs = (
            target.specs([], args.crowd) if isinstance(target, GlimpseTarget)
            else target.specs(args.crowd + 1)
        )  # fmt: skip
        try:
            loads.append(rig.main_point(target, specs, args.crowd_rate, args.seconds))
        finally:
            rig.pool.disconnect()
    return loads[0], (loads[1] if len(loads) > 1 else None)


def measure_scale_out(rig: Rig, folder: Path) -> Load | None:
    """The main point on `glimpse serve --workers 2`, PostgreSQL and Redis; None if missing."""
    from server.devservers import Unavailable

    args = rig.args
    try:
        with scale_out_world(folder / "scale-out") as world:
            target = GlimpseTarget(world, workers=2).start()
            try:
                tokens: list[str] = []
                if not args.followers:
                    tokens, seconds = join_attendees(target.port, world.join_code, args.sockets)
                    progress(f"scale-out: joined {len(tokens)} attendees in {seconds:.1f} s")
                specs = target.specs(tokens, 0 if tokens else args.sockets)
                return rig.main_point(target, specs, args.rate, args.seconds)
            finally:
                rig.pool.disconnect()
                target.stop()
    except Unavailable as exc:
        print(f"scale-out row skipped: {exc} is not installed here")
        return None


def compare_impls(rig: Rig, world: GlimpseWorld, tokens: list[str], rate: float) -> list[Load]:
    """Every uvicorn WebSocket flavour, deflate off and on, at one load point."""
    flavours = [WS_PROTOCOL, "websockets-sansio", "websockets"]
    if importlib.util.find_spec("wsproto") is not None:
        flavours.append("wsproto")
    else:
        progress("wsproto is not installed: skipped")
    loads = []
    for deflate in (False, True):
        for ws in flavours:
            target = GlimpseTarget(world, ws=ws, deflate=deflate).start()
            try:
                specs = target.specs(tokens, 0 if tokens else rig.args.sockets)
                loads.append(rig.main_point(target, specs, rate, rig.args.impl_seconds))
            except Exception as exc:  # one flavour failing should not hide the others
                progress(f"{target.name}: failed: {exc}")
            finally:
                rig.pool.disconnect()
                target.stop()
    return loads
