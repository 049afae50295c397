"""The event log: the source of realtime truth, appended inside the writing transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from server.db import after_commit
from server.models.events import Event, EventLog
from server.realtime.protocol import LOGGED_TYPES

PUBLIC = "public"
ATTENDEES = "attendees"
FACILITATORS = "facilitators"


def group(breakout_id: int) -> str:
    return f"group:{breakout_id}"


def append(
    session: Session, *, event_id: int, type: str, audience: str, payload: dict[str, Any]
) -> EventLog:
    """Append one row with the event's next seq; it reaches the hub only after commit."""
    if type not in LOGGED_TYPES:
        raise ValueError(f"{type!r} is not a logged message type (server/realtime/protocol.py)")
    # The UPDATE takes the event row's write lock, so concurrent writers queue here and
    # seqs come out strictly increasing with no gaps on SQLite and PostgreSQL alike.
    table = Event.__table__  # type: ignore[attr-defined]
    seq = session.execute(
        update(table)
        .where(table.c.id == event_id)
        .values(last_seq=table.c.last_seq + 1)
        .returning(table.c.last_seq)
    ).scalar_one()
    row = EventLog(event_id=event_id, seq=seq, type=type, audience=audience, payload=payload)
    session.add(row)
    session.flush()
    rows: list[EventLog] = session.info.setdefault("log_rows", [])
    if not rows:
        publish = session.info.get("publish")
        if publish is not None:
            after_commit(session, lambda: publish(list(rows)))
    rows.append(row)
    return row


def rows_after(session: Session, *, event_id: int, since: int, limit: int) -> list[EventLog]:
    """Committed rows of an event after `since`, in seq order."""
    return list(
        session.exec(
            select(EventLog)
            .where(EventLog.event_id == event_id, col(EventLog.seq) > since)
            .order_by(col(EventLog.seq))
            .limit(limit)
        )
    )
