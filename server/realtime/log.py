"""The event log: the source of realtime truth, appended inside the writing transaction.

Appending a row also rewrites the earlier rows that mention what it is about (its `subjects`,
server/realtime/registry.py), in the same transaction: the log keeps every seq, in order, but
forgets what the current state hides. The hub applies the same rewrite to the rows it holds in
memory (server/live/hub.py `Room.keep`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, update
from sqlmodel import Session, col, select

from server.db import after_commit
from server.models.events import Event, EventLog, EventLogRef
from server.realtime.audience import ATTENDEES, FACILITATORS, PUBLIC
from server.realtime.registry import spec

__all__ = ["ATTENDEES", "FACILITATORS", "PUBLIC", "append", "group", "rows_after"]

Payload = dict[str, Any]


def group(breakout_id: int) -> str:
    return f"group:{breakout_id}"


def append(
    session: Session, *, event_id: int, type: str, audience: str, payload: Payload
) -> EventLog:
    """Append one row with the event's next seq; it reaches the hub only after commit."""
    rules = spec(type)  # a type without a projection cannot be logged
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
    for ref, now in rules.subjects(payload):
        _forget(session, event_id, seq, ref, now)
    _index(session, event_id, seq, rules.mentions(payload))
    rows: list[EventLog] = session.info.setdefault("log_rows", [])
    if not rows:
        publish = session.info.get("publish")
        if publish is not None:
            after_commit(session, lambda: publish(list(rows)))
    rows.append(row)
    return row


def _forget(session: Session, event_id: int, before: int, ref: str, now: Payload | None) -> None:
    """Rewrite the earlier rows that mention `ref` for its newest form (None: it is gone)."""
    mentioned = select(EventLogRef.seq).where(
        EventLogRef.event_id == event_id, EventLogRef.ref == ref, col(EventLogRef.seq) < before
    )
    earlier = session.exec(
        select(EventLog).where(EventLog.event_id == event_id, col(EventLog.seq).in_(mentioned))
    ).all()
    for row in earlier:
        rules = spec(row.type)
        revised = rules.revise(row.payload, ref, now)
        if revised == row.payload:
            continue
        was, mentions = set(rules.mentions(row.payload)), rules.mentions(revised)
        row.payload = revised
        session.add(row)
        if gone := was - set(mentions):
            session.execute(
                delete(EventLogRef).where(
                    col(EventLogRef.event_id) == event_id,
                    col(EventLogRef.seq) == row.seq,
                    col(EventLogRef.ref).in_(gone),
                )
            )
        _index(session, event_id, row.seq, [m for m in mentions if m not in was])
    session.flush()


def _index(session: Session, event_id: int, seq: int, refs: list[str]) -> None:
    if refs:
        values = [{"event_id": event_id, "ref": r, "seq": seq} for r in dict.fromkeys(refs)]
        session.execute(insert(EventLogRef), values)


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


def reindex(connection: Connection) -> None:
    """Index and rewrite a log written before rows could forget, as if appended anew."""
    with Session(bind=connection) as session:
        events = session.exec(select(Event.id)).all()
        for event_id in events:
            session.execute(delete(EventLogRef).where(col(EventLogRef.event_id) == event_id))
            rows = session.exec(
                select(EventLog).where(EventLog.event_id == event_id).order_by(col(EventLog.seq))
            ).all()
            for row in rows:
                rules = spec(row.type)
                for ref, now in rules.subjects(row.payload):
                    _forget(session, event_id, row.seq, ref, now)
                _index(session, event_id, row.seq, rules.mentions(row.payload))
        session.commit()
