"""Run every benchmark in bench/ (or those named by `--only a,b`); other arguments pass on."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bench

# Run first, in this order; any other benchmark module found in bench/ runs after them.
ORDER = ["fanout", "liveblog", "boards", "archive"]

Main = Callable[[list[str]], int]


def benchmarks() -> dict[str, Main]:
    """Every public module of bench/ that has a main(argv) -> int, in ORDER first."""
    found = {
        info.name
        for info in pkgutil.iter_modules([str(Path(bench.__file__).parent)])
        if not info.name.startswith("_")
    }
    names = [n for n in ORDER if n in found] + sorted(found - set(ORDER))
    runnable: dict[str, Main] = {}
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        main = getattr(module, "main", None)
        if callable(main):
            runnable[name] = main
    return runnable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated benchmark names")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    available = benchmarks()
    if args.list:
        print("\n".join(available))
        return 0
    chosen = [n.strip() for n in args.only.split(",") if n.strip()] or list(available)
    unknown = [n for n in chosen if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have {', '.join(available)}")
        return 2
    failed = []
    for name in chosen:
        started = time.monotonic()
        print(f"=== bench.{name} {' '.join(rest)}".rstrip(), flush=True)
        code = available[name](list(rest))
        print(f"=== bench.{name} finished in {time.monotonic() - started:.0f} s (exit {code})\n")
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
