"""The log that forgets: what a write costs when it must rewrite the earlier rows it supersedes.

One board on SQLite fills with cards from one attendee; at each size the benchmark times, in the
service functions and their transactions (no HTTP), posting a card, a facilitator hiding one
(which rewrites its rows and the board's newest row), and renaming the board (which rewrites
the board's earlier rows). Its figures are the write path's; run it against an older commit
(`PYTHONPATH=<checkout> python -m bench --only forgetting`) for the baseline without forgetting.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, func, select

from bench._report import machine, percentile, table


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench --only forgetting", description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller boards, fewer timed writes")
    p.add_argument("--sizes", default="500,2000", help="cards on the board, comma-separated")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    from server.db import Database
    from server.migrate import upgrade
    from server.models.attendees import Attendee
    from server.models.boards import Board, BoardCreate, BoardUpdate, Card, CardCreate, CardUpdate
    from server.models.events import Event
    from server.services import attendees, boards, cards
    from server.services.access import Caller
    from tests.factories import make_world

    args = parse(argv)
    sizes = [200, 500] if args.quick else [int(n) for n in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="glimpse-bench-forgetting-"))
    url = f"sqlite:///{folder / 'glimpse.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        world = make_world(s, status="live")
        event = s.get(Event, world.event.id)
        assert event is not None
        board = boards.create_event_board(
            s, actor=world.facilitator, event=event, data=BoardCreate(title="Brilliance")
        )
        attendee, _ = attendees.join(s, code=event.join_code, secret_key="k", display_name="Ada")
        board_id, attendee_id, facilitator_id = board.id, attendee.id, world.facilitator.id
    cards.CARD_RATE_LIMIT = 10**9  # one phone posting every card of the day

    def timed(write: Callable[[Session, int], object], count: int) -> list[float]:
        took = []
        for i in range(count):
            with db.session() as s:
                started = time.perf_counter()
                write(s, i)
            took.append((time.perf_counter() - started) * 1000)
        return took

    def post(s: Session, i: int) -> None:
        data = CardCreate(client_id=str(uuid.uuid4()), text=f"Glimpse {i}")
        caller = Caller(attendee=s.get(Attendee, attendee_id))
        cards.create_card(s, actor=caller, board=s.get(Board, board_id), data=data)

    def facilitator(s: Session) -> Caller:
        from server.models.accounts import User

        return Caller(user=s.get(User, facilitator_id))

    def hide(s: Session, i: int) -> None:
        card = s.exec(select(Card).where(Card.status == "visible").limit(1)).one()
        cards.update_card(s, actor=facilitator(s), card=card, data=CardUpdate(status="hidden"))

    def rename(s: Session, i: int) -> None:
        actor = facilitator(s).user
        data = BoardUpdate(title=f"Brilliance {i}")
        boards.update_board(s, actor=actor, board=s.get(Board, board_id), data=data)

    rows = []
    for size in sizes:
        with db.session() as s:
            have = s.exec(select(func.count()).select_from(Card)).one()
        timed(post, max(0, size - have))
        for name, write, count in (("post a card", post, 50), ("hide a card", hide, 20)):
            took = timed(write, count // (5 if args.quick else 1) or 1)
            rows.append(_row(size, name, took))
        rows.append(_row(size, "rename the board", timed(rename, 3 if args.quick else 6)))
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    print(machine())
    print()
    print(
        table(
            "writes that rewrite the log (SQLite, one transaction each)",
            ["cards on board", "write", "count", "p50 ms", "p99 ms", "writes/s"],
            rows,
        )
    )
    return 0


def _row(size: int, name: str, took: list[float]) -> tuple[object, ...]:
    total = sum(took) / 1000
    ordered = sorted(took)
    return (
        size,
        name,
        len(took),
        percentile(ordered, 50),
        percentile(ordered, 99),
        len(took) / total,
    )
