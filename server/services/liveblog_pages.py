"""What followers read of the live blog: pages, "Load older" cursors, changes and freshness."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from server.errors import BadInput, NotFound
from server.lib.timeutil import as_utc
from server.models.events import AgendaItem, Event, EventLog
from server.models.liveblog import Entry, EntryImage
from server.models.programmes import Programme

PAGE_SIZE = 20
MAX_PAGE = 100
# Log types that change what the public page shows; board traffic does not.
PAGE_TYPES = ("entry.", "agenda.", "event.")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^(\d{1,20})\.(\d{1,19})$")


def cursor_of(entry: Entry) -> str:
    """Where "Load older" goes on from: the entry's (created_at, id), which edits never change."""
    return f"{_micros(entry.created_at)}.{entry.id}"


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    match = _CURSOR.match(cursor)
    if match is None:
        raise BadInput("That paging cursor is not one Glimpse made.")
    return _EPOCH + timedelta(microseconds=int(match[1])), int(match[2])


@dataclass
class Page:
    pinned: list[Entry]
    entries: list[Entry]
    next_before: str | None
    head: bool  # the newest entries, so live ones belong on top


def page(session: Session, *, event: Event, before: str | None, limit: int = PAGE_SIZE) -> Page:
    """Unpinned entries newest first from a cursor; the first page also carries the pinned ones.

    A cursor is a position, not an offset, so entries edited or deleted meanwhile never shift a
    later page: nothing is skipped, nothing shown twice.
    """
    limit = max(1, min(limit, MAX_PAGE))
    query = select(Entry).where(
        Entry.event_id == event.id, col(Entry.deleted_at).is_(None), col(Entry.pinned).is_(False)
    )
    if before is not None:
        at, entry_id = _parse_cursor(before)
        query = query.where(
            or_(
                col(Entry.created_at) < at,
                and_(col(Entry.created_at) == at, col(Entry.id) < entry_id),
            )
        )
    rows = list(
        session.exec(
            query.order_by(col(Entry.created_at).desc(), col(Entry.id).desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    pinned = [] if before is not None else _standing(session, event, col(Entry.pinned).is_(True))
    next_before = cursor_of(rows[-1]) if more and rows else None
    return Page(pinned, rows, next_before, head=before is None)


def page_through(session: Session, *, event: Event, entry: Entry) -> Page:
    """The first page, long enough to reach `entry`; for an older entry, a page starting at it."""
    if entry.pinned or entry.deleted_at is not None:
        return page(session, event=event, before=None)
    newer = session.exec(
        select(func.count())
        .select_from(Entry)
        .where(
            Entry.event_id == event.id,
            col(Entry.deleted_at).is_(None),
            col(Entry.pinned).is_(False),
            or_(
                col(Entry.created_at) > entry.created_at,
                and_(col(Entry.created_at) == entry.created_at, col(Entry.id) > entry.id),
            ),
        )
    ).one()
    if newer < MAX_PAGE:
        return page(session, event=event, before=None, limit=max(PAGE_SIZE, newer + 1))
    # A cursor one id past the entry: the page opens with the entry itself.
    return page(session, event=event, before=f"{_micros(entry.created_at)}.{entry.id + 1}")


def changes_after(session: Session, *, event: Event, after: int) -> tuple[list[Entry], list[int]]:
    """Entries created or edited after log seq `after`, and the ids deleted since."""
    ids = {
        int(row.payload["id"])
        for row in session.exec(
            select(EventLog).where(
                EventLog.event_id == event.id,
                col(EventLog.seq) > after,
                col(EventLog.type).startswith("entry."),
            )
        )
    }
    rows = session.exec(select(Entry).where(col(Entry.id).in_(ids))).all() if ids else []
    standing = [e for e in rows if e.deleted_at is None]
    standing.sort(key=lambda e: (not e.pinned, -_micros(e.created_at), -e.id))
    return standing, sorted(e.id for e in rows if e.deleted_at is not None)


def _micros(value: datetime) -> int:
    return (as_utc(value) - _EPOCH) // timedelta(microseconds=1)


def event_at(session: Session, *, programme: Programme, slug: str) -> Event:
    """The programme's event at that address, or 404."""
    event = session.exec(
        select(Event).where(Event.programme_id == programme.id, Event.slug == slug)
    ).first()
    if event is None:
        raise NotFound("No event has that address.")
    return event


def entry_in_event(session: Session, *, event: Event, entry_id: int) -> Entry | None:
    """Any entry of this event by id, a tombstone included (a permalink may outlive it)."""
    entry = session.get(Entry, entry_id)
    return entry if entry is not None and entry.event_id == event.id else None


def key_moments(session: Session, *, event: Event) -> list[Entry]:
    """Standing key moments, newest first."""
    return _standing(session, event, col(Entry.kind) == "key_moment")


def _standing(session: Session, event: Event, *where: Any) -> list[Entry]:
    return list(
        session.exec(
            select(Entry)
            .where(Entry.event_id == event.id, col(Entry.deleted_at).is_(None), *where)
            .order_by(col(Entry.created_at).desc(), col(Entry.id).desc())
        )
    )


def recently_updated(session: Session, *, event: Event, limit: int) -> list[Entry]:
    """Standing entries, most recently changed first: what a feed carries."""
    return list(
        session.exec(
            select(Entry)
            .where(Entry.event_id == event.id, col(Entry.deleted_at).is_(None))
            .order_by(col(Entry.updated_at).desc(), col(Entry.id).desc())
            .limit(limit)
        )
    )


def tombstones(session: Session, *, event: Event, limit: int) -> list[Entry]:
    """Deleted entries, most recently deleted first."""
    return list(
        session.exec(
            select(Entry)
            .where(Entry.event_id == event.id, col(Entry.deleted_at).is_not(None))
            .order_by(col(Entry.deleted_at).desc(), col(Entry.id).desc())
            .limit(limit)
        )
    )


def latest_picture(session: Session, *, event: Event) -> EntryImage | None:
    """The picture posted last with an entry still standing: what link previews show."""
    return session.exec(
        select(EntryImage)
        .join(Entry, col(Entry.id) == col(EntryImage.entry_id))
        .where(Entry.event_id == event.id, col(Entry.deleted_at).is_(None))
        .order_by(col(EntryImage.created_at).desc(), col(EntryImage.id).desc())
        .limit(1)
    ).first()


def current_item(items: list[AgendaItem], now: datetime) -> AgendaItem | None:
    """The session running at `now`: the last one that has started."""
    started = [i for i in items if i.starts_at is not None and as_utc(i.starts_at) <= now]
    return started[-1] if started else None


def now_item(
    items: list[AgendaItem], now: datetime, *, live: bool, chosen: int | None
) -> AgendaItem | None:
    """The session on now while the day is live: the one the facilitator moved to, else by time."""
    if not live:
        return None
    picked = [i for i in items if i.id == chosen]
    return picked[0] if picked else current_item(items, now)


def page_version(session: Session, *, event: Event) -> tuple[int, datetime]:
    """The seq and time of the last change the public page shows (board traffic aside)."""
    row = session.exec(
        select(EventLog)
        .where(
            EventLog.event_id == event.id,
            or_(*(col(EventLog.type).startswith(prefix) for prefix in PAGE_TYPES)),
        )
        .order_by(col(EventLog.seq).desc())
        .limit(1)
    ).first()
    if row is None:
        return 0, as_utc(event.updated_at)
    return row.seq, max(as_utc(row.created_at), as_utc(event.updated_at))
