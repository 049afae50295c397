"""Numbers into words: percentiles, plain-text tables, and the machine a run was made on."""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from collections.abc import Sequence
from importlib import metadata

STARTED = time.monotonic()


def percentile(ordered: Sequence[int | float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (p in 0..100); nan when empty."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def fmt(value: object, digits: int = 1) -> str:
    """Numbers for a table: thousands separated, floats rounded, nan as a dash."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "-"
        return f"{value:,.{digits}f}"
    return str(value)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A fixed-width table: text columns left-aligned, numbers right-aligned."""
    cells = [[fmt(c) for c in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) if rows else False
        for i in range(len(headers))
    ]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if numeric[i] else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "-" * len(line(headers))
    return "\n".join([title, rule, line(headers), rule, *(line(r) for r in cells), rule])


def machine() -> str:
    """One line about where the numbers come from; the load shows other work sharing it."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    versions = ", ".join(f"{p} {_version(p)}" for p in ("uvicorn", "websockets", "fastapi"))
    return (
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{sys.version.split()[0]}, {versions}; load average {load}"
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def progress(message: str) -> None:
    """A line while a benchmark runs, stamped with the seconds since it began."""
    print(f"  [{time.monotonic() - STARTED:5.0f}s] {message}", flush=True)
