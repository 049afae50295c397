"""Privacy guard: how much of the held corpus it holds, how much of the pass corpus it holds by
mistake, and what `screen()` costs per card and per live-blog entry on one core.

The corpora are the tests' (tests/data/privacy_held.txt and privacy_pass.txt); a hit rate
below 100 % or a false-alarm rate above 0 % is also a failing test. Latency is timed call by
call over every corpus line, repeated, and over entry-sized texts (the lines run together).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench._report import machine, percentile, table


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench --only privacy", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a tenth of the timed calls")
    p.add_argument("--rounds", type=int, help="passes over the corpora (default 50; quick 5)")
    args, _ = p.parse_known_args(argv)
    args.rounds = args.rounds or (5 if args.quick else 50)
    return args


def latencies(screen: Callable[[str], str], texts: list[str], rounds: int) -> list[float]:
    """Microseconds of each call, sorted."""
    times = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            screen(text)
            times.append((time.perf_counter() - started) * 1e6)
    return sorted(times)


def row(name: str, texts: list[str], times: list[float]) -> tuple[object, ...]:
    chars = sum(len(t) for t in texts) / len(texts)
    per_second = len(times) / (sum(times) / 1e6)
    return (
        name,
        len(texts),
        round(chars),
        percentile(times, 50),
        percentile(times, 99),
        per_second,
    )


def main(argv: list[str]) -> int:
    from server.services.privacy import screen
    from tests.services.test_privacy import corpus

    args = parse(argv)
    held, passing = corpus("held"), corpus("pass")
    hits = sum(1 for line in held if screen(line))
    alarms = [line for line in passing if screen(line)]
    print(machine())
    print()
    print(
        table(
            "privacy guard: the corpora in tests/data",
            ["corpus", "lines", "held", "rate %"],
            [
                ("held (hit rate)", len(held), hits, 100 * hits / len(held)),
                (
                    "pass (false-alarm rate)",
                    len(passing),
                    len(alarms),
                    100 * len(alarms) / len(passing),
                ),
            ],
        )
    )
    for line in alarms + [line for line in held if not screen(line)]:
        print(f"  wrong: {line}")
    lines = held + passing
    entries = [" ".join(lines[i : i + 12]) for i in range(0, len(lines), 12)]
    # The longest body an entry may have, written to make a pattern work hardest: the guard
    # must stay linear in the text's length (a 20,000-digit body once took 7 s).
    hostile = ["0" * 20_000, "a" * 19_999 + "@", "x@" + "a." * 9_999, "1 " * 10_000, "-" * 20_000]
    print()
    print(
        table(
            f"screen() on one core, {args.rounds} passes",
            ["texts", "count", "mean chars", "p50 us", "p99 us", "calls/s"],
            [
                row("card-sized (each corpus line)", lines, latencies(screen, lines, args.rounds)),
                row("entry-sized (12 lines)", entries, latencies(screen, entries, args.rounds)),
                row("hostile, 20,000 chars", hostile, latencies(screen, hostile, 1)),
            ],
        )
    )
    return 0 if not alarms and hits == len(held) else 1
