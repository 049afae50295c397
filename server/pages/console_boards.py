"""The console's boards: an event's boards, a new-board form, and the live page of one board."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from server.api.boards import BoardById
from server.api.deps import DbSession, EventById
from server.auth import Viewer
from server.errors import GlimpseError, NotFound
from server.models.boards import Board, BoardCreate
from server.models.events import Event
from server.models.programmes import Programme
from server.pages.render import (
    CheckedForm,
    Organiser,
    page,
    parsed,
    said,
    see_other,
)
from server.services import boards, events
from server.services.access import require_event_reader, require_member

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)
FormStr = Annotated[str, Form()]


def _boards_page(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    event: Event,
    status: int = 200,
    **extra: Any,
) -> Response:
    return page(
        request,
        "console/boards.html",
        status,
        viewer=viewer,
        event=events.event_public(session, event=event),
        programme=session.get(Programme, event.programme_id),
        boards=boards.event_boards(session, event=event, include_hidden=True),
        **extra,
    )


@router.get("/events/{event_id}/boards", response_class=HTMLResponse)
def boards_page(
    request: Request, event: EventById, session: DbSession, viewer: Organiser
) -> Response:
    """The event's boards, a form to open a new one, and the way to the session screen."""
    require_event_reader(session, actor=viewer.user, event=event)
    return _boards_page(request, session, viewer, event)


@router.post("/events/{event_id}/boards", response_class=HTMLResponse)
def create_board_form(
    request: Request,
    event: EventById,
    session: DbSession,
    viewer: CheckedForm,
    title: FormStr,
    prompt: Annotated[str, Form()] = "",
    columns: Annotated[str, Form()] = "",
    moderation: Annotated[str, Form()] = "post",
    votes_per_attendee: Annotated[int, Form()] = 0,
    anonymous_allowed: Annotated[str, Form()] = "",
) -> Response:
    """Open a board from the console's form, then go to its live page."""
    try:
        data = parsed(
            BoardCreate,
            {
                "title": title,
                "prompt": prompt,
                "columns": [c for c in columns.split(",") if c.strip()],
                "moderation": moderation,
                "votes_per_attendee": votes_per_attendee,
                "anonymous_allowed": bool(anonymous_allowed),
            },
        )
        board = boards.create_event_board(session, actor=viewer.user, event=event, data=data)
    except GlimpseError as exc:
        return _boards_page(request, session, viewer, event, **said(exc))
    return see_other(f"/console/boards/{board.id}")


@router.get("/boards/{board_id}", response_class=HTMLResponse)
def board_page(
    request: Request, board: BoardById, session: DbSession, viewer: Organiser
) -> Response:
    """One board, live: the wall, the moderation queue, themes, the vote and the screen."""
    programme, event = boards.owner(session, board=board)
    require_member(session, actor=viewer.user, programme=programme, act="read")
    if event is None:
        raise NotFound("Programme boards have no live page yet; use the API for them.")
    return page(
        request,
        "console/board.html",
        viewer=viewer,
        board=_board_fields(board),
        event=events.event_public(session, event=event),
        programme=programme,
    )


def _board_fields(board: Board) -> dict[str, Any]:
    return boards.board_public(board).model_dump(mode="json")
