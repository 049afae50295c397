"""JSON API for event days: status, agenda, state snapshot, archive."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from server.api.deps import Actor, AgendaItemById, DbSession, EventById, PathId, in_one_hop
from server.api.openapi import errors
from server.auth import Viewer
from server.live.statecache import StateCache
from server.models.events import (
    AgendaItemCreate,
    AgendaItemPublic,
    AgendaItemUpdate,
    EventPublic,
    EventState,
    EventUpdate,
    FreezeResult,
    NextSession,
    NextSessionPublic,
)
from server.services import archive, boards, events, run_of_show, state
from server.services.access import require_event_facilitator

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.get("/events/{event_id}")
def read_event(event: EventById, session: DbSession, actor: Actor) -> EventPublic:
    """One event, for its facilitators."""
    require_event_facilitator(session, actor=actor, event=event)
    return events.event_public(session, event=event)


@router.patch("/events/{event_id}")
def update_event(
    body: EventUpdate, event: EventById, session: DbSession, actor: Actor
) -> EventPublic:
    """Change title, venue or start time."""
    return events.event_public(
        session, event=events.update_event(session, actor=actor, event=event, data=body)
    )


@router.post("/events/{event_id}/start")
def start_event(event: EventById, session: DbSession, actor: Actor) -> EventPublic:
    """draft → live."""
    return events.event_public(
        session, event=events.transition(session, actor=actor, event=event, action="start")
    )


@router.post("/events/{event_id}/end")
def end_event(event: EventById, session: DbSession, actor: Actor) -> EventPublic:
    """live → ended."""
    return events.event_public(
        session, event=events.transition(session, actor=actor, event=event, action="end")
    )


@router.post("/events/{event_id}/freeze")
def freeze_event(event: EventById, session: DbSession, actor: Actor) -> FreezeResult:
    """ended → frozen: writes the archive and returns its SHA-256."""
    events.transition(session, actor=actor, event=event, action="freeze")
    assert event.id is not None
    return FreezeResult(
        event=events.event_public(session, event=event),
        sha256=archive.archive_or_404(session, event_id=event.id).sha256,
    )


@router.get("/events/{event_id}/state", response_model=EventState, responses=errors(401, 403))
async def event_state(event_id: PathId, request: Request) -> Response:
    """Everything the caller may see, with the log seq to subscribe from."""
    cache: StateCache = request.state.state_cache
    token = cache.token()  # before the transaction begins

    def answer(session: Session, viewer: Viewer) -> bytes:
        event = events.event_or_404(session, event_id=event_id)
        scope = state.scope_for(session, event=event, actor=viewer.caller)
        return cache.answer(session, event=event, scope=scope, token=token)

    return Response(await in_one_hop(request, answer), media_type="application/json")


@router.post("/events/{event_id}/agenda", status_code=201)
def add_agenda_item(
    body: AgendaItemCreate, event: EventById, session: DbSession, actor: Actor
) -> AgendaItemPublic:
    """Add a session to the agenda."""
    return events.agenda_public(
        events.add_agenda_item(session, actor=actor, event=event, data=body)
    )


@router.post("/events/{event_id}/agenda/next")
def next_session(
    body: NextSession, event: EventById, session: DbSession, actor: Actor
) -> NextSessionPublic:
    """Move the room on to the next session (or `item_id`): its board, timer, screen and "Now"."""
    item = events.agenda_item_or_404(session, item_id=body.item_id) if body.item_id else None
    moved = run_of_show.move_to_next(session, actor=actor, event=event, item=item)
    return NextSessionPublic(
        event=events.event_public(session, event=event),
        item=events.agenda_public(moved.item),
        board=boards.board_public(moved.board) if moved.board else None,
        timer=moved.timer,
        screen=moved.screen,
    )


@router.patch("/agenda/{item_id}")
def update_agenda_item(
    body: AgendaItemUpdate, item: AgendaItemById, session: DbSession, actor: Actor
) -> AgendaItemPublic:
    """Edit a session of the agenda."""
    return events.agenda_public(
        events.update_agenda_item(session, actor=actor, item=item, data=body)
    )


@router.delete("/agenda/{item_id}", status_code=204)
def delete_agenda_item(item: AgendaItemById, session: DbSession, actor: Actor) -> None:
    """Remove a session from the agenda."""
    events.delete_agenda_item(session, actor=actor, item=item)
