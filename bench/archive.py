"""Archive: how long freezing takes (document, hash, search index, one transaction) and how long
the summary and each export take to render from the stored document, for a big day: 5,000 cards,
500 breakout notes and 300 live-blog entries by default, on SQLite (the embedded mode).

Rows are inserted in bulk (the services' per-card rate limit and log would only slow the seeding);
freezing then runs through the real transition, and each run is rolled back so the next one
freezes the same data again.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench._glimpse import ADMIN_EMAIL, GlimpseWorld
from bench._report import machine, progress, table

THEMES = ["Staffing", "Activities", "Medicines", "Handover", "Families", "Food and drink"]
WORDS = [
    *("residents", "staff", "night", "shift", "garden", "music", "families", "handover"),
    *("rota", "agency", "medicines", "routines", "dignity", "visits", "kitchen"),
    *("activities", "dementia", "training", "falls", "hydration"),
]


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench --only archive", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a tenth of the data, 2 runs")
    p.add_argument("--cards", type=int)
    p.add_argument("--notes", type=int)
    p.add_argument("--entries", type=int)
    p.add_argument("--runs", type=int, help="timed runs of each step (default 5; quick 2)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args, _ = p.parse_known_args(argv)
    scale = 10 if args.quick else 1
    args.cards = args.cards or 5000 // scale
    args.notes = args.notes or 500 // scale
    args.entries = args.entries or 300 // scale
    args.runs = args.runs or (2 if args.quick else 5)
    return args


def sentence(rng: random.Random, n: int = 9) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def seed(world: GlimpseWorld, args: argparse.Namespace) -> None:
    """Cards, votes, themes, notes and entries on the world's live event, then end the day."""
    from server.db import Database
    from server.lib.markdown import render
    from server.models.attendees import Attendee
    from server.models.boards import Board, CardVote, Theme
    from server.models.breakouts import Breakout, Note
    from server.models.liveblog import Entry

    rng = random.Random(7)
    db = Database(world.db_url)
    with db.session() as s:
        people = [
            Attendee(event_id=world.event_id, token_hash=f"{i:064x}", display_name=f"P{i}")
            for i in range(300)
        ]
        boards = [
            Board(event_id=world.event_id, title=f"Board {b}", columns=["Going well", "Concerning"])
            for b in range(4)
        ]
        s.add_all([*people, *boards])
        s.flush()
        themes = {b.id: [Theme(board_id=b.id, title=t) for t in THEMES] for b in boards}
        s.add_all([t for ts in themes.values() for t in ts])
        s.flush()
        cards = [_card(rng, i, boards[i % len(boards)], themes, people) for i in range(args.cards)]
        s.add_all(cards)
        s.flush()
        s.add_all(
            CardVote(card_id=c.id, attendee_id=p.id, count=1)
            for c in cards[::2]
            for p in rng.sample(people, 3)
        )
        groups = [Breakout(event_id=world.event_id, name=f"Group {g}") for g in range(10)]
        s.add_all(groups)
        s.flush()
        s.add_all(
            Note(
                breakout_id=groups[i % 10].id,
                client_id=f"n{i}",
                text=sentence(rng, 20),
                author_attendee_id=rng.choice(people).id,
            )
            for i in range(args.notes)
        )
        for i in range(args.entries):
            body = f"{sentence(rng, 25)}\n\n- {sentence(rng)}\n- {sentence(rng)}"
            kind = "key_moment" if i % 25 == 0 else "update"
            s.add(Entry(event_id=world.event_id, body=body, html=render(body), kind=kind))
    db.dispose()
    _transition(world, "end")


def _card(
    rng: random.Random, i: int, board: Any, themes: dict[int, list[Any]], people: list[Any]
) -> Any:
    from server.models.boards import Card

    return Card(
        board_id=board.id,
        client_id=f"c{i}",
        text=sentence(rng, 12),
        column=rng.choice(board.columns),
        # One card in twenty still waits for moderation, so is left out of the archive.
        status="visible" if i % 20 else "pending",
        author_attendee_id=rng.choice(people).id,
        anonymous=i % 3 == 0,
        theme_id=rng.choice([t.id for t in themes[board.id]] + [None]),
    )


def _transition(world: GlimpseWorld, action: str, *, keep: bool = True) -> str:
    """Run a status change as the admin; with keep=False roll it back, returning the archive."""
    from server.db import Database
    from server.services import accounts, archive, events

    db = Database(world.db_url)
    try:
        with db.session() as s:
            admin = accounts.user_by_email(s, email=ADMIN_EMAIL)
            event = events.event_or_404(s, event_id=world.event_id)
            events.transition(s, actor=admin, event=event, action=action)
            text = (
                archive.archive_or_404(s, event_id=world.event_id).document
                if action == "freeze"
                else ""
            )
            if not keep:
                s.rollback()  # so the next run freezes the very same day
            return text
    finally:
        db.dispose()


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """Wall-clock milliseconds of each run, and the last run's result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def measure(world: GlimpseWorld, runs: int) -> list[tuple[str, list[float], int]]:
    """Each step's run times in ms and the size of what it made."""
    from server.db import Database
    from server.services import archive, events

    db = Database(world.db_url)

    def build_once() -> str:
        with db.session(write=False) as s:
            event = events.event_or_404(s, event_id=world.event_id)
            return archive.canonical_json(archive.build_document(s, event=event))

    rows = []
    times, text = timed(build_once, runs)
    rows.append(("build document + canonical JSON", times, len(text.encode())))
    db.dispose()
    times, text = timed(lambda: _transition(world, "freeze", keep=False), runs)
    rows.append(("freeze (document, hash, index; rolled back)", times, len(text.encode())))
    for name, fn in renderers(world, text):
        times, out = timed(fn, runs)
        rows.append((name, times, len(out if isinstance(out, bytes) else out.encode())))
    return rows


def renderers(world: GlimpseWorld, text: str) -> list[tuple[str, Callable[[], Any]]]:
    """What a reader asks of a frozen day, each from the stored text alone."""
    from server.app import make_templates
    from server.services import archive_exports as exports
    from server.services import archive_pdf, archive_views
    from server.settings import Settings

    zone = ZoneInfo("Europe/London")
    page = make_templates(Settings(_env_file=None)).env.get_template("archive/summary.html")  # type: ignore[call-arg]
    helpers = {
        "at": lambda v, fmt="%H:%M": archive_views.local(v, zone, fmt),
        "bar_width": archive_views.bar_width,
        "safe_html": archive_views.safe_html,
    }

    def summary() -> str:
        doc = json.loads(text)
        return page.render(
            s=archive_views.summarise(doc),
            sha256="0" * 64,
            event_id=world.event_id,
            programme=doc["programme"],
            noindex=False,
            **helpers,
        )

    return [
        ("summary page (parse + render)", summary),
        ("export: Markdown", lambda: exports.to_markdown(json.loads(text), zone)),
        ("export: CSV", lambda: exports.to_csv(json.loads(text))),
        ("export: PDF", lambda: archive_pdf.to_pdf(json.loads(text), zone)),
    ]


def main(argv: list[str]) -> int:
    args = parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="glimpse-bench-archive-"))
    print(machine())
    try:
        world = GlimpseWorld.create(folder)
        seed(world, args)
        progress(f"seeded {args.cards:,} cards, {args.notes:,} notes, {args.entries:,} entries")
        rows = measure(world, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    title = (
        f"archive: {args.cards:,} cards, {args.notes:,} notes, {args.entries:,} entries; "
        f"{args.runs} runs each, SQLite"
    )
    print()
    print(
        table(
            title,
            ["step", "median ms", "min ms", "max ms", "output bytes"],
            [(name, statistics.median(t), min(t), max(t), size) for name, t, size in rows],
        )
    )
    return 0
