"""Event days: creating them, their status machine and their agenda."""

from __future__ import annotations

import secrets
from typing import Literal

from sqlmodel import Session, col, select

from server.errors import BadInput, BadTransition, Conflict, NotFound
from server.lib.text import slug_of
from server.lib.timeutil import utcnow
from server.models.accounts import User
from server.models.boards import Board
from server.models.events import (
    AgendaItem,
    AgendaItemCreate,
    AgendaItemPublic,
    AgendaItemUpdate,
    Event,
    EventCreate,
    EventPublic,
    EventUpdate,
)
from server.models.programmes import Programme
from server.realtime import log
from server.services import archive
from server.services.access import (
    require_event_facilitator,
    require_facilitator,
    require_not_frozen,
)
from server.services.join_codes import JOIN_ALPHABET, JOIN_CODE_LENGTH

Transition = Literal["start", "end", "freeze"]

# Which status each transition leads from and to; any other move is a conflict.
TRANSITIONS: dict[str, tuple[str, str]] = {
    "start": ("draft", "live"),
    "end": ("live", "ended"),
    "freeze": ("ended", "frozen"),
}


def event_or_404(session: Session, *, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound("No event has that id.")
    return event


def agenda_item_or_404(session: Session, *, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("No agenda item has that id.")
    return item


def event_public(session: Session, *, event: Event) -> EventPublic:
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    return EventPublic.model_validate(
        {
            **event.model_dump(),
            "programme_slug": programme.slug,
            "join_url": f"/j/{event.join_code}",
        }
    )


def agenda_public(item: AgendaItem) -> AgendaItemPublic:
    return AgendaItemPublic.model_validate(item.model_dump())


def new_join_code(session: Session) -> str:
    for _ in range(20):
        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if not session.exec(select(Event).where(Event.join_code == code)).first():
            return code
    raise Conflict("Could not find a free join code; try again.")


def create_event(
    session: Session, *, actor: User | None, programme: Programme, data: EventCreate
) -> Event:
    """Create a draft event day with a fresh join code."""
    require_facilitator(session, actor=actor, programme=programme)
    slug = data.slug or _free_slug(session, programme, slug_of(data.title, limit=76))
    if _slug_taken(session, programme, slug):
        raise Conflict("This programme already has an event at that address.")
    fields = {**data.model_dump(), "slug": slug}
    event = Event(programme_id=programme.id, join_code=new_join_code(session), **fields)
    session.add(event)
    session.flush()
    return event


def _slug_taken(session: Session, programme: Programme, slug: str) -> bool:
    clash = session.exec(
        select(Event.id).where(Event.programme_id == programme.id, Event.slug == slug)
    ).first()
    return clash is not None


def _free_slug(session: Session, programme: Programme, base: str) -> str:
    """`base`, or `base-2`, `base-3`… : the first address the programme has not used."""
    n = 1
    while _slug_taken(session, programme, slug := base if n == 1 else f"{base}-{n}"):
        n += 1
    return slug


def list_events(session: Session, *, programme: Programme) -> list[Event]:
    return list(
        session.exec(
            select(Event)
            .where(Event.programme_id == programme.id)
            .order_by(col(Event.starts_at), col(Event.id))
        )
    )


def update_event(session: Session, *, actor: User | None, event: Event, data: EventUpdate) -> Event:
    """Change an event's title, venue or start time."""
    require_event_facilitator(session, actor=actor, event=event)
    require_not_frozen(event)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is None and field != "starts_at":
            continue
        setattr(event, field, value)
    return _touch(session, event)


def transition(session: Session, *, actor: User | None, event: Event, action: Transition) -> Event:
    """Move an event along draft → live → ended → frozen; any other move is a conflict."""
    require_event_facilitator(session, actor=actor, event=event)
    require_not_frozen(event)
    if action not in TRANSITIONS:
        raise BadInput(f"There is no action called {action!r}: use start, end or freeze.")
    source, target = TRANSITIONS[action]
    if event.status != source:
        raise BadTransition(f"Cannot {action} an event that is {event.status}.")
    event.status = target
    setattr(event, f"{target if target != 'live' else 'started'}_at", utcnow())
    if target == "ended":
        archive.close_for_review(session, actor=actor, event=event)
    if target == "frozen":
        archive.freeze(session, event=event)
    return _touch(session, event)


def _touch(session: Session, event: Event) -> Event:
    event.updated_at = utcnow()
    session.add(event)
    session.flush()
    assert event.id is not None
    log.append(
        session,
        event_id=event.id,
        type="event.updated",
        audience=log.PUBLIC,
        payload=event_public(session, event=event).model_dump(mode="json"),
    )
    return event


def agenda(session: Session, *, event: Event) -> list[AgendaItem]:
    """The day's sessions in running order (untimed ones last, in the order added)."""
    items = session.exec(select(AgendaItem).where(AgendaItem.event_id == event.id)).all()
    return sorted(items, key=lambda i: (i.starts_at is None, i.starts_at or i.created_at, i.id))


def add_agenda_item(
    session: Session, *, actor: User | None, event: Event, data: AgendaItemCreate
) -> AgendaItem:
    """Add a session to the day's agenda."""
    require_event_facilitator(session, actor=actor, event=event)
    require_not_frozen(event)
    _check_board(session, event, data.board_id)
    item = AgendaItem.model_validate({"event_id": event.id, **_clean_agenda(data.model_dump())})
    session.add(item)
    session.flush()
    return _log_agenda(session, item, "agenda.created")


def update_agenda_item(
    session: Session, *, actor: User | None, item: AgendaItem, data: AgendaItemUpdate
) -> AgendaItem:
    """Edit a session of the agenda."""
    event = event_or_404(session, event_id=item.event_id)
    require_event_facilitator(session, actor=actor, event=event)
    require_not_frozen(event)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("board_id") is not None:
        _check_board(session, event, changes["board_id"])
    for field, value in _clean_agenda(changes).items():
        if value is None and field not in ("starts_at", "board_id"):
            continue
        setattr(item, field, value)
    item.updated_at = utcnow()
    session.add(item)
    session.flush()
    return _log_agenda(session, item, "agenda.updated")


def delete_agenda_item(session: Session, *, actor: User | None, item: AgendaItem) -> None:
    """Remove a session from the agenda; entries that belonged to it stay, unattached."""
    event = event_or_404(session, event_id=item.event_id)
    require_event_facilitator(session, actor=actor, event=event)
    require_not_frozen(event)
    item_id = item.id
    session.delete(item)
    session.flush()
    if event.now_item_id == item_id:
        event.now_item_id = None
        _touch(session, event)
    log.append(
        session,
        event_id=event.id or 0,
        type="agenda.deleted",
        audience=log.PUBLIC,
        payload={"id": item_id},
    )


def set_now_item(
    session: Session, *, actor: User | None, event: Event, item: AgendaItem | None
) -> Event:
    """Mark the session on now, which followers see on the live blog (None: no session)."""
    require_event_facilitator(session, actor=actor, event=event)
    require_not_frozen(event)
    if item is not None and item.event_id != event.id:
        raise BadInput("That session is not on this event's agenda.")
    event.now_item_id = item.id if item is not None else None
    return _touch(session, event)


def _check_board(session: Session, event: Event, board_id: int | None) -> None:
    board = session.get(Board, board_id) if board_id is not None else None
    if board_id is not None and (board is None or board.event_id != event.id):
        raise BadInput("That board is not one of this event's.")


def _clean_agenda(fields: dict[str, object]) -> dict[str, object]:
    speakers = fields.get("speakers")
    if isinstance(speakers, list):
        cleaned = [str(s).strip() for s in speakers if str(s).strip()]
        if any(len(s) > 200 for s in cleaned):
            raise BadInput("A speaker's name can be at most 200 characters.")
        fields["speakers"] = cleaned
    return fields


def _log_agenda(session: Session, item: AgendaItem, type: str) -> AgendaItem:
    log.append(
        session,
        event_id=item.event_id,
        type=type,
        audience=log.PUBLIC,
        payload=agenda_public(item).model_dump(mode="json"),
    )
    return item
