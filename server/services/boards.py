"""Boards of cards: creating them (cards, themes and votes build on this)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from server.errors import BadInput
from server.models.accounts import User
from server.models.boards import Board, BoardCreate, BoardPublic
from server.models.events import Event
from server.realtime import log
from server.services.access import require_event_facilitator, require_not_frozen


def board_public(board: Board) -> BoardPublic:
    return BoardPublic.model_validate(board.model_dump())


def event_boards(session: Session, event: Event, *, include_hidden: bool) -> list[Board]:
    query = select(Board).where(Board.event_id == event.id).order_by(col(Board.id))
    if not include_hidden:
        query = query.where(Board.state != "hidden")
    return list(session.exec(query))


def create_event_board(
    session: Session, *, actor: User | None, event: Event, data: BoardCreate
) -> Board:
    """Open a board for this event's room."""
    require_event_facilitator(session, actor, event)
    require_not_frozen(event)
    columns = [c.strip() for c in data.columns if c.strip()]
    if len(set(columns)) != len(columns) or any(len(c) > 80 for c in columns):
        raise BadInput("Column names must be different and at most 80 characters.")
    board = Board(event_id=event.id, **{**data.model_dump(), "columns": columns})
    session.add(board)
    session.flush()
    log.append(
        session,
        event_id=event.id or 0,
        type="board.created",
        audience=log.PUBLIC,
        payload=board_public(board).model_dump(mode="json"),
    )
    return board
