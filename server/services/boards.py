"""Boards of cards: who may do what on a board, what each viewer is shown, and the boards.

Every change is one function in services/boards.py, cards.py or votes.py, whichever door it
came in by (REST or WebSocket), and appends its event-log rows in the same transaction. A
programme's boards (collected between events) have no log: the log is per event. What each
viewer sees of a card is decided once, in server/realtime/projections.py, for REST answers,
/state and the live stream alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.errors import BadInput, Conflict, Forbidden, NotFound, NotSignedIn
from server.lib.timeutil import utcnow
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.boards import (
    Board,
    BoardCreate,
    BoardPublic,
    BoardUpdate,
    Card,
    CardPublic,
    CardVote,
    Theme,
    ThemePublic,
    ThemeVote,
)
from server.models.events import Event
from server.models.programmes import Programme
from server.realtime import log
from server.realtime.audience import Scope
from server.realtime.projections import (
    AUTHOR_KEY,
    BOARD_HIDDEN_KEY,
    SCREEN_PUBLIC_KEY,
    VISIBILITY_KEY,
    board_for,
    card_for,
)
from server.services import access, programmes, room
from server.services.access import Caller, is_facilitator, require_facilitator, require_not_frozen


class BoardClosed(Conflict):
    code, message = "board_closed", "This board is closed."


# -- lookups and who may do what ------------------------------------------------------------


def board_or_404(session: Session, *, board_id: int) -> Board:
    board = session.get(Board, board_id)
    if board is None:
        raise NotFound("No board has that id.")
    return board


def owner(session: Session, *, board: Board) -> tuple[Programme, Event | None]:
    """The programme a board belongs to, and its event unless it is a programme's board."""
    event = session.get(Event, board.event_id) if board.event_id is not None else None
    programme = session.get(Programme, event.programme_id if event else board.programme_id)
    assert programme is not None
    return programme, event


def attends(session: Session, *, board: Board, attendee: Attendee | None) -> bool:
    """An attendee of the board's event; of any event of its programme, for a programme board."""
    if attendee is None:
        return False
    if board.event_id is not None:
        return attendee.event_id == board.event_id
    event = session.get(Event, attendee.event_id)
    return event is not None and event.programme_id == board.programme_id


def member_scope(session: Session, *, board: Board, actor: Caller) -> Scope | None:
    """The actor's scope on a board they take part in, or None for everyone else."""
    programme, _ = owner(session, board=board)
    role = access.member_role(
        session,
        programme=programme,
        actor=actor,
        attends=attends(session, board=board, attendee=actor.attendee),
    )
    if role == "public":
        return None
    return access.scope_of(
        session, role=role, attendee_id=actor.attendee.id if actor.attendee else None
    )


def viewer_scope(session: Session, *, board: Board, actor: Caller) -> Scope:
    """How the actor sees a board; public followers only where the programme allows."""
    scope = member_scope(session, board=board, actor=actor)
    if scope is None:
        programme, _ = owner(session, board=board)
        programmes.read_programme(session, actor=actor.user, programme=programme)
        scope = Scope(role="public")
    if board.state == "hidden" and scope.role != "facilitator":
        raise NotFound("No board has that id.")
    return scope


def participant(session: Session, *, board: Board, actor: Caller) -> Scope:
    """A facilitator or an attendee who may write on this board (not frozen)."""
    scope = member_scope(session, board=board, actor=actor)
    if scope is None:
        if actor.user is None and actor.attendee is None:
            raise NotSignedIn()
        raise Forbidden("Only this event's attendees and facilitators can do this.")
    if board.state == "hidden" and scope.role != "facilitator":
        raise NotFound("No board has that id.")
    if scope.role == "facilitator":
        # A programme lead reads, and writes nothing.
        moderate(session, board=board, actor=actor.user)
    not_frozen(session, board=board)
    return scope


def moderate(session: Session, *, board: Board, actor: User | None) -> User:
    """A facilitator or co-facilitator of the board's programme, the event not frozen."""
    programme, _ = owner(session, board=board)
    user = access.require_member(session, actor=actor, programme=programme, act="assist")
    not_frozen(session, board=board)
    return user


def manage(session: Session, *, board: Board, actor: User | None) -> User:
    """A facilitator of the board's programme, and the board's event not frozen."""
    programme, _ = owner(session, board=board)
    user = require_facilitator(session, actor=actor, programme=programme)
    not_frozen(session, board=board)
    return user


def not_frozen(session: Session, *, board: Board) -> None:
    _, event = owner(session, board=board)
    if event is not None:
        require_not_frozen(event)


def is_author(card: Card, actor: Caller) -> bool:
    by_attendee = actor.attendee is not None and card.author_attendee_id == actor.attendee.id
    by_user = actor.user is not None and card.author_user_id == actor.user.id
    return by_attendee or by_user


# -- what is shown --------------------------------------------------------------------------


def board_public(board: Board) -> BoardPublic:
    return BoardPublic.model_validate(board.model_dump())


def cards_full(session: Session, *, cards: list[Card], new: bool = False) -> list[dict[str, Any]]:
    """The facilitator's view of cards, each with the private `_author` key for projections.

    `new`: cards made in this transaction, which have no votes yet to count.
    """
    ids = [] if new else [c.id for c in cards]
    votes = totals(session, key=CardVote.card_id, count=CardVote.count, ids=ids)
    names = author_names(session, cards=cards)
    shown = []
    for card in cards:
        data = CardPublic.model_validate(
            {**card.model_dump(), "votes": votes.get(card.id, 0), "author": names.get(card.id)}
        ).model_dump(mode="json")
        data[AUTHOR_KEY] = card.author_attendee_id
        shown.append(data)
    return shown


def author_names(session: Session, *, cards: list[Card]) -> dict[int, dict[str, Any]]:
    """card id -> {id, display_name, kind} for the cards that show their author."""
    named = [c for c in cards if not c.anonymous]
    attendee_ids = {c.author_attendee_id for c in named if c.author_attendee_id is not None}
    user_ids = {c.author_user_id for c in named if c.author_user_id is not None}
    attendee_names = _names(session, Attendee, Attendee.display_name, attendee_ids)
    user_names = _names(session, User, User.name, user_ids)
    authors: dict[int, dict[str, Any]] = {}
    for card in named:
        if card.author_attendee_id in attendee_names:
            name, kind = attendee_names[card.author_attendee_id], "attendee"
            authors[card.id] = {"id": card.author_attendee_id, "display_name": name, "kind": kind}
        elif card.author_user_id in user_names:
            name, kind = user_names[card.author_user_id], "facilitator"
            authors[card.id] = {"id": card.author_user_id, "display_name": name, "kind": kind}
    return authors


def _names(session: Session, table: Any, name: Any, ids: set[int]) -> dict[int | None, str]:
    """id -> name of these rows; no query when there are none (a card's author is one kind)."""
    if not ids:
        return {}
    return dict(session.exec(select(table.id, name).where(col(table.id).in_(ids))).all())


def themes_public(session: Session, *, themes: list[Theme]) -> list[dict[str, Any]]:
    votes = totals(
        session, key=ThemeVote.theme_id, count=ThemeVote.count, ids=[t.id for t in themes]
    )
    return [
        ThemePublic.model_validate(
            {**theme.model_dump(), "votes": votes.get(theme.id, 0)}
        ).model_dump(mode="json")
        for theme in themes
    ]


def totals(session: Session, *, key: Any, count: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.exec(select(key, func.sum(count)).where(key.in_(ids)).group_by(key)).all()
    return {row[0]: int(row[1] or 0) for row in rows}


def board_full(session: Session, *, board: Board) -> dict[str, Any]:
    """The facilitator's view of a board with all its cards (oldest first) and themes."""
    cards = session.exec(
        select(Card).where(Card.board_id == board.id).order_by(col(Card.created_at), col(Card.id))
    ).all()
    themes = session.exec(select(Theme).where(Theme.board_id == board.id).order_by(col(Theme.id)))
    return {
        **board_public(board).model_dump(mode="json"),
        "cards": cards_full(session, cards=list(cards)),
        "themes": themes_public(session, themes=list(themes)),
    }


def board_as_seen(session: Session, *, board: Board, scope: Scope) -> dict[str, Any]:
    return board_for(scope, board_full(session, board=board))[1]


def card_as_seen(session: Session, *, card: Card, actor: Caller) -> dict[str, Any]:
    """The card as the actor sees it; 404 if they may not see it."""
    board = board_or_404(session, board_id=card.board_id)
    full = {**cards_full(session, cards=[card])[0], SCREEN_PUBLIC_KEY: board.screen_public_only}
    shown = card_for(viewer_scope(session, board=board, actor=actor), full)
    if shown is None:
        raise NotFound("No card has that id.")
    return shown[1]


def event_boards(session: Session, *, event: Event, include_hidden: bool) -> list[Board]:
    query = select(Board).where(Board.event_id == event.id).order_by(col(Board.id))
    if not include_hidden:
        query = query.where(Board.state != "hidden")
    return list(session.exec(query))


def programme_boards(session: Session, *, actor: Caller, programme: Programme) -> list[Board]:
    """A programme's own boards; hidden ones for its facilitators only."""
    programmes.read_programme(session, actor=actor.user, programme=programme)
    query = select(Board).where(Board.programme_id == programme.id).order_by(col(Board.id))
    if not is_facilitator(session, actor=actor.user, programme_id=programme.id):
        query = query.where(Board.state != "hidden")
    return list(session.exec(query))


# -- the log ----------------------------------------------------------------------------------


def append_log(
    session: Session, *, board: Board, type: str, audience: str, payload: dict[str, Any]
) -> None:
    """Log a row about this board's cards, themes or votes, marked with whether the board is
    hidden, so replay keeps a hidden board's contents to its facilitators, and whether its
    screen shows only cards shared publicly."""
    if not type.startswith("board."):
        payload = {
            **payload,
            "board_id": board.id,
            BOARD_HIDDEN_KEY: board.state == "hidden",
            SCREEN_PUBLIC_KEY: board.screen_public_only,
        }
    if board.event_id is not None:
        log.append(session, event_id=board.event_id, type=type, audience=audience, payload=payload)


def card_audience(board: Board, author_attendee_id: int | None, *statuses: str) -> str:
    """Who may see a row about a card that was or is in these statuses.

    The projection then narrows it: a pending card reaches only its author (and facilitators),
    and a card that stopped being visible reaches everyone else as card.deleted.
    """
    if board.state == "hidden":
        return log.FACILITATORS
    if "visible" in statuses:
        return log.PUBLIC
    if "pending" in statuses and author_attendee_id is not None:
        return f"attendee:{author_attendee_id}"
    return log.FACILITATORS


def log_card(
    session: Session, *, board: Board, card: Card, type: str, was: str | None = None
) -> None:
    """Log the card as it is now; `was` is its status before, if the change may have moved it."""
    before = () if was is None else (was,)
    audience = card_audience(board, card.author_attendee_id, card.status, *before)
    full = cards_full(session, cards=[card], new=type == "card.created")[0]
    append_log(session, board=board, type=type, audience=audience, payload=full)


def theme_audience(board: Board) -> str:
    return log.FACILITATORS if board.state == "hidden" else log.PUBLIC


# -- boards -----------------------------------------------------------------------------------


def _clean_columns(columns: list[str]) -> list[str]:
    cleaned = [c.strip() for c in columns if c.strip()]
    if len(set(cleaned)) != len(cleaned) or any(len(c) > 80 for c in cleaned):
        raise BadInput("Column names must be different and at most 80 characters.")
    return cleaned


def _fill(board: Board, fields: dict[str, Any]) -> None:
    """Set the fields given (None leaves one alone): columns deduplicated, text trimmed."""
    for field, value in fields.items():
        if value is None:
            continue
        if field == "columns":
            value = _clean_columns(value)
        elif field in ("title", "prompt"):
            value = value.strip()
            if field == "title" and not value:
                raise BadInput("Give the board a title.")
        setattr(board, field, value)


def create_event_board(
    session: Session, *, actor: User | None, event: Event, data: BoardCreate
) -> Board:
    """Open a board for this event's room."""
    board = Board(event_id=event.id, title="")
    manage(session, board=board, actor=actor)
    _fill(board, data.model_dump())
    session.add(board)
    session.flush()
    payload = {**board_full(session, board=board), VISIBILITY_KEY: False}
    append_log(session, board=board, type="board.created", audience=log.PUBLIC, payload=payload)
    return board


def create_programme_board(
    session: Session, *, actor: User | None, programme: Programme, data: BoardCreate
) -> Board:
    """Open a board on the programme itself, to collect cards between its events."""
    require_facilitator(session, actor=actor, programme=programme)
    board = Board(programme_id=programme.id, title="")
    _fill(board, data.model_dump())
    session.add(board)
    session.flush()
    return board


def update_board(session: Session, *, actor: User | None, board: Board, data: BoardUpdate) -> Board:
    """Open, close or hide a board, or change its title, prompt, columns, rules."""
    manage(session, board=board, actor=actor)
    was, screen_was = board.state, board.screen_public_only
    _fill(board, data.model_dump(exclude_unset=True))
    board.updated_at = utcnow()
    session.add(board)
    session.flush()
    # Those who saw the board learn it is hidden; changes inside a hidden board stay there.
    audience = log.FACILITATORS if was == board.state == "hidden" else log.PUBLIC
    shown_or_hidden = (was == "hidden") != (board.state == "hidden")
    # The screen's consent option changes who sees the cards too: their earlier rows follow.
    rewrite = shown_or_hidden or screen_was != board.screen_public_only
    payload = {**board_full(session, board=board), VISIBILITY_KEY: rewrite}
    append_log(session, board=board, type="board.updated", audience=audience, payload=payload)
    event = session.get(Event, board.event_id) if board.event_id is not None else None
    if event is not None and was != "open" and board.state == "open":
        room.clear_finished_timer(session, event=event)  # a new board: the old "Time is up" goes
    return board
