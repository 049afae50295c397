"""The live blog: entries a facilitator posts through the day."""

from __future__ import annotations

from sqlmodel import Session, col, select

from server import markdown
from server.errors import BadInput
from server.models.accounts import User
from server.models.events import AgendaItem, Event
from server.models.liveblog import Entry, EntryCreate, EntryPublic
from server.realtime import log
from server.services.access import require_event_facilitator, require_not_frozen


def entry_public(entry: Entry) -> EntryPublic:
    return EntryPublic.model_validate(entry.model_dump())


def entries(session: Session, event: Event) -> list[Entry]:
    """The entries still standing, pinned first, newest first."""
    return list(
        session.exec(
            select(Entry)
            .where(Entry.event_id == event.id, col(Entry.deleted_at).is_(None))
            .order_by(col(Entry.pinned).desc(), col(Entry.created_at).desc(), col(Entry.id).desc())
        )
    )


def create_entry(session: Session, *, actor: User | None, event: Event, data: EntryCreate) -> Entry:
    """Post an entry: Markdown stored, sanitised HTML rendered once; same client_id, same entry."""
    user = require_event_facilitator(session, actor, event)
    require_not_frozen(event)
    if data.client_id:
        seen = session.exec(
            select(Entry).where(Entry.event_id == event.id, Entry.client_id == data.client_id)
        ).first()
        if seen:
            return seen
    if data.agenda_item_id is not None:
        item = session.get(AgendaItem, data.agenda_item_id)
        if item is None or item.event_id != event.id:
            raise BadInput("That agenda item is not part of this event.")
    entry = Entry(
        event_id=event.id, author_id=user.id, html=markdown.render(data.body), **data.model_dump()
    )
    session.add(entry)
    session.flush()
    log.append(
        session,
        event_id=entry.event_id,
        type="entry.created",
        audience=log.PUBLIC,
        payload=entry_public(entry).model_dump(mode="json"),
    )
    return entry
