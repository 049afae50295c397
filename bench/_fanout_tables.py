"""The fan-out benchmark's tables: one load point per row, ratios, the sweep, the goals."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bench._load import P99_LIMIT_MS
from bench._report import table

if TYPE_CHECKING:
    from bench._load import Load

# Issue 13's goals for the fan-out.
GOAL_P99_MS = 100.0
GOAL_RATIO = 0.9  # sustainable deliveries/s against the baseline's in the same run
GOAL_POST_P99_MS = 50.0  # a facilitator's POST while fan-out runs
GOAL_RSS_RATIO = 1.5  # server memory per idle socket against the baseline's
GOAL_CROWD_P99_MS = 250.0

LOAD_HEADERS = [
    "server", "changes/s", "offered/s", "achieved/s", "p50 ms", "p99 ms", "max ms",
    "lost", "dup", "closed+resync", "post err", "POST p99 ms", "srv CPU s", "cli CPU s",
    "other CPU s", "srv us/deliv", "cli us/deliv", "RSS KiB/conn",
]  # fmt: skip


def load_row(load: Load) -> list[object]:
    return [
        load.server, load.rate, load.offered, load.achieved, load.p50_ms, load.p99_ms,
        load.max_ms, load.lost, load.duplicates, sum(load.closes.values()) + load.resyncs,
        load.post_errors, load.send.post_p99_ms, load.server_cpu, load.client_cpu,
        load.other_cpu, load.cpu_us_per_delivery,
        _per(load.client_cpu, load.deliveries), load.rss_kib_per_conn,
    ]  # fmt: skip


def _per(cpu: float, deliveries: int) -> float:
    return cpu / deliveries * 1e6 if deliveries else math.nan


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) else math.nan


def ratio_row(g: Load, b: Load) -> list[object]:
    return [
        "glimpse / baseline", None, None, _ratio(g.achieved, b.achieved),
        _ratio(g.p50_ms, b.p50_ms), _ratio(g.p99_ms, b.p99_ms), _ratio(g.max_ms, b.max_ms),
        None, None, None, None, _ratio(g.send.post_p99_ms, b.send.post_p99_ms),
        _ratio(g.server_cpu, b.server_cpu),
        _ratio(g.client_cpu, b.client_cpu), None,
        _ratio(g.cpu_us_per_delivery, b.cpu_us_per_delivery),
        _ratio(_per(g.client_cpu, g.deliveries), _per(b.client_cpu, b.deliveries)),
        _ratio(g.rss_kib_per_conn, b.rss_kib_per_conn),
    ]  # fmt: skip


def main_table(
    glimpse: Load, baseline: Load | None, header: str, more: list[Load] | None = None
) -> str:
    """Glimpse, the baseline and their ratio; `more` (the scale-out point) after them."""
    rows = [load_row(glimpse)]
    if baseline is not None:
        rows += [load_row(baseline), ratio_row(glimpse, baseline)]
    rows += [load_row(load) for load in more or []]
    return table(header, LOAD_HEADERS, rows)


def sweep_table(sweeps: dict[str, list[Load]]) -> str:
    headers = [
        "server", "changes/s", "offered/s", "achieved/s", "p50 ms", "p99 ms", "max ms",
        "lost", "dup", "closed+resync", "srv CPU %", "cli CPU %", "other CPU %", "POST p50 ms",
        "POST p99 ms", "POST max ms", "verdict",
    ]  # fmt: skip
    rows: list[list[object]] = []
    for name, steps in sweeps.items():
        for s in sorted(steps, key=lambda s: s.rate):
            rows.append(
                [name, s.rate, s.offered, s.achieved, s.p50_ms, s.p99_ms, s.max_ms, s.lost,
                 s.duplicates, sum(s.closes.values()) + s.resyncs, 100 * s.server_cpu / s.wall,
                 100 * s.client_cpu / s.wall, 100 * s.other_cpu / s.wall, s.send.post_p50_ms,
                 s.send.post_p99_ms, s.send.post_max_ms, _verdict(s)]
            )  # fmt: skip
    return table(
        f"Saturation sweep (a step is over at p99 > {P99_LIMIT_MS:.0f} ms, any loss, close or "
        "resync, and is then tried once more (not with --quick); CPU % is of one core, over the "
        "step and its drain)",
        headers,
        rows,
    )


def _verdict(step: Load) -> str:
    return ("ok" if step.ok else "over") + (" (2nd try)" if step.attempt > 1 else "")


def impl_table(loads: list[Load], header: str) -> str:
    headers = [*LOAD_HEADERS, "negotiated"]
    rows = [[*load_row(load), ", ".join(sorted(load.extensions)) or "-"] for load in loads]
    return table(header, headers, rows)


def goals(main: Load, baseline: Load | None, ratio: float, crowd: Load | None = None) -> str:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    kib = main.rss_kib_per_conn
    post = main.send.post_p99_ms
    lines = [
        f"goal p99 < {GOAL_P99_MS:.0f} ms at {main.sockets} sockets, {main.rate:g} changes/s: "
        f"{main.p99_ms:,.1f} ms {mark(main.p99_ms < GOAL_P99_MS)}"
        + (f" (baseline {baseline.p99_ms:,.1f} ms)" if baseline else ""),
        f"goal lost = dup = 0: lost {main.lost}, dup {main.duplicates} "
        f"{mark(main.lost == 0 and main.duplicates == 0)}",
        f"goal POST p99 < {GOAL_POST_P99_MS:.0f} ms while fan-out runs: {post:,.1f} ms "
        f"{mark(post < GOAL_POST_P99_MS)}"
        + (f" (baseline server {baseline.send.post_p99_ms:,.1f} ms)" if baseline else ""),
    ]
    if baseline is not None:
        base_kib = baseline.rss_kib_per_conn
        lines.append(
            f"goal server RSS per idle connection <= {GOAL_RSS_RATIO}x baseline: {kib:.1f} KiB "
            f"against {base_kib:.1f} KiB, {_ratio(kib, base_kib):.2f}x "
            f"{mark(kib <= GOAL_RSS_RATIO * base_kib)}"
        )
    if not math.isnan(ratio):
        lines.append(
            f"goal sustainable throughput >= {GOAL_RATIO}x baseline: {ratio:.2f}x "
            f"{mark(ratio >= GOAL_RATIO)}"
        )
    if crowd is not None:
        lines.append(
            f"goal p99 < {GOAL_CROWD_P99_MS:.0f} ms at {crowd.sockets:,} sockets, "
            f"{crowd.rate:g} changes/s: {crowd.p99_ms:,.1f} ms "
            f"{mark(crowd.p99_ms < GOAL_CROWD_P99_MS and crowd.lost == 0)}"
        )
    return "\n".join(lines)
