"""Freezing an event into its archive: one canonical JSON document and its SHA-256."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session, col, select

from server.errors import NotFound
from server.models.archive import Archive
from server.models.events import AgendaItem, Event
from server.models.liveblog import Entry
from server.models.programmes import Programme
from server.timeutil import iso

ARCHIVE_FORMAT = 1


def canonical_json(document: dict[str, Any]) -> str:
    """One spelling per document: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build_document(session: Session, event: Event) -> dict[str, Any]:
    """The record of the day from the live tables; no attendee token or personal data."""
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    agenda = session.exec(
        select(AgendaItem).where(AgendaItem.event_id == event.id).order_by(col(AgendaItem.id))
    ).all()
    entries = session.exec(
        select(Entry)
        .where(Entry.event_id == event.id, col(Entry.deleted_at).is_(None))
        .order_by(col(Entry.created_at), col(Entry.id))
    ).all()
    return {
        "format": ARCHIVE_FORMAT,
        "programme": {"slug": programme.slug, "title": programme.title},
        "event": {
            "id": event.id,
            "slug": event.slug,
            "title": event.title,
            "venue": event.venue,
            "starts_at": iso(event.starts_at),
            "started_at": iso(event.started_at),
            "ended_at": iso(event.ended_at),
        },
        "agenda": [
            {
                "id": item.id,
                "title": item.title,
                "starts_at": iso(item.starts_at),
                "speakers": item.speakers,
                "description": item.description,
            }
            for item in agenda
        ],
        "entries": [
            {
                "id": entry.id,
                "kind": entry.kind,
                "agenda_item_id": entry.agenda_item_id,
                "body": entry.body,
                "html": entry.html,
                "attribution": entry.attribution,
                "pinned": entry.pinned,
                "created_at": iso(entry.created_at),
            }
            for entry in entries
        ],
    }


def freeze(session: Session, *, event: Event) -> Archive:
    """Write the archive row in the caller's transaction (the event's own freeze)."""
    text = canonical_json(build_document(session, event))
    row = Archive(event_id=event.id, document=text, sha256=sha256(text))
    session.add(row)
    session.flush()
    return row


def archive_or_404(session: Session, event_id: int) -> Archive:
    row = session.get(Archive, event_id)
    if row is None:
        raise NotFound("This event has not been frozen yet.")
    return row


def verify(session: Session, *, event_id: int | None = None) -> list[tuple[int, bool]]:
    """Recompute each stored archive's hash: (event id, matches) per archive."""
    query = select(Archive).order_by(col(Archive.event_id))
    if event_id is not None:
        query = query.where(Archive.event_id == event_id)
    return [(row.event_id, sha256(row.document) == row.sha256) for row in session.exec(query)]
