"""Boards of cards: boards, cards and their moderation, themes, dot votes, promotion.

Every change is one function here, whichever door it came in by (REST or WebSocket), and
appends its event-log rows in the same transaction. A programme's boards (collected between
events) have no log: the log is per event. What each viewer sees of a card is decided once, in
server/realtime/projections.py, for REST answers, /state and the live stream alike.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.errors import BadInput, Conflict, Forbidden, NotFound, NotSignedIn, RateLimited
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.boards import (
    Board,
    BoardCreate,
    BoardPublic,
    BoardUpdate,
    Card,
    CardCreate,
    CardPublic,
    CardUpdate,
    CardVote,
    MyVotes,
    Theme,
    ThemeCreate,
    ThemePublic,
    ThemeUpdate,
    ThemeVote,
    VoteCount,
    VoteResult,
)
from server.models.events import Event
from server.models.liveblog import Entry, EntryCreate
from server.models.programmes import Programme
from server.realtime import log
from server.realtime.audience import Scope
from server.realtime.projections import AUTHOR_KEY, board_for, card_for
from server.services import liveblog, privacy, programmes
from server.services.access import Caller, is_facilitator, require_facilitator, require_not_frozen
from server.timeutil import as_utc, utcnow

CARD_TEXT_MAX = 500
# At most this many cards per attendee in this many seconds. Counted in the database, so the
# limit holds across app processes and restarts.
CARD_RATE_LIMIT = 10
CARD_RATE_WINDOW = 60


class BoardClosed(Conflict):
    code, message = "board_closed", "This board is closed."


class OverBudget(Conflict):
    code, message = "over_budget", "That is more dots than you have left on this board."


class NotShareable(Conflict):
    code, message = "not_shareable", "Its author did not agree to share this card."


# -- lookups and who may do what ------------------------------------------------------------


def board_or_404(session: Session, board_id: int) -> Board:
    board = session.get(Board, board_id)
    if board is None:
        raise NotFound("No board has that id.")
    return board


def card_or_404(session: Session, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound("No card has that id.")
    return card


def theme_or_404(session: Session, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("No theme has that id.")
    return theme


def owner(session: Session, board: Board) -> tuple[Programme, Event | None]:
    """The programme a board belongs to, and its event unless it is a programme's board."""
    event = session.get(Event, board.event_id) if board.event_id is not None else None
    programme = session.get(Programme, event.programme_id if event else board.programme_id)
    assert programme is not None
    return programme, event


def _attends(session: Session, board: Board, attendee: Attendee | None) -> bool:
    """An attendee of the board's event; of any event of its programme, for a programme board."""
    if attendee is None:
        return False
    if board.event_id is not None:
        return attendee.event_id == board.event_id
    event = session.get(Event, attendee.event_id)
    return event is not None and event.programme_id == board.programme_id


def _member_scope(session: Session, board: Board, caller: Caller) -> Scope | None:
    programme, _ = owner(session, board)
    if is_facilitator(session, caller.user, programme.id):
        return Scope(role="facilitator")
    if caller.attendee is not None and _attends(session, board, caller.attendee):
        return Scope(role="attendee", attendee_id=caller.attendee.id)
    return None


def viewer_scope(session: Session, *, board: Board, caller: Caller) -> Scope:
    """How the caller sees a board; public followers only where the programme allows."""
    scope = _member_scope(session, board, caller)
    if scope is None:
        programme, _ = owner(session, board)
        programmes.read_programme(session, actor=caller.user, programme=programme)
        scope = Scope(role="public")
    if board.state == "hidden" and scope.role != "facilitator":
        raise NotFound("No board has that id.")
    return scope


def _participant(session: Session, board: Board, caller: Caller) -> Scope:
    """A facilitator or an attendee who may write on this board (not frozen)."""
    scope = _member_scope(session, board, caller)
    if scope is None:
        if caller.user is None and caller.attendee is None:
            raise NotSignedIn()
        raise Forbidden("Only this event's attendees and facilitators can do this.")
    if board.state == "hidden" and scope.role != "facilitator":
        raise NotFound("No board has that id.")
    _not_frozen(session, board)
    return scope


def _manage(session: Session, board: Board, actor: User | None) -> User:
    """A facilitator of the board's programme, and the board's event not frozen."""
    programme, _ = owner(session, board)
    user = require_facilitator(session, actor, programme)
    _not_frozen(session, board)
    return user


def _not_frozen(session: Session, board: Board) -> None:
    _, event = owner(session, board)
    if event is not None:
        require_not_frozen(event)


def _is_author(card: Card, caller: Caller) -> bool:
    by_attendee = caller.attendee is not None and card.author_attendee_id == caller.attendee.id
    by_user = caller.user is not None and card.author_user_id == caller.user.id
    return by_attendee or by_user


# -- what is shown --------------------------------------------------------------------------


def board_public(board: Board) -> BoardPublic:
    return BoardPublic.model_validate(board.model_dump())


def cards_full(session: Session, cards: list[Card]) -> list[dict[str, Any]]:
    """The facilitator's view of cards, each with the private `_author` key for projections."""
    votes = _totals(session, CardVote.card_id, CardVote.count, [c.id for c in cards])
    names = _author_names(session, cards)
    shown = []
    for card in cards:
        data = CardPublic.model_validate(
            {**card.model_dump(), "votes": votes.get(card.id, 0), "author": names.get(card.id)}
        ).model_dump(mode="json")
        data[AUTHOR_KEY] = card.author_attendee_id
        shown.append(data)
    return shown


def _author_names(session: Session, cards: list[Card]) -> dict[int, dict[str, Any]]:
    """card id -> {id, display_name, kind} for the cards that show their author."""
    named = [c for c in cards if not c.anonymous]
    attendee_ids = {c.author_attendee_id for c in named if c.author_attendee_id is not None}
    user_ids = {c.author_user_id for c in named if c.author_user_id is not None}
    attendees = session.exec(select(Attendee).where(col(Attendee.id).in_(attendee_ids))).all()
    users = session.exec(select(User).where(col(User.id).in_(user_ids))).all()
    attendee_names = {a.id: a.display_name for a in attendees}
    user_names = {u.id: u.name for u in users}
    authors: dict[int, dict[str, Any]] = {}
    for card in named:
        if card.author_attendee_id in attendee_names:
            name, kind = attendee_names[card.author_attendee_id], "attendee"
            authors[card.id] = {"id": card.author_attendee_id, "display_name": name, "kind": kind}
        elif card.author_user_id in user_names:
            name, kind = user_names[card.author_user_id], "facilitator"
            authors[card.id] = {"id": card.author_user_id, "display_name": name, "kind": kind}
    return authors


def themes_public(session: Session, themes: list[Theme]) -> list[dict[str, Any]]:
    votes = _totals(session, ThemeVote.theme_id, ThemeVote.count, [t.id for t in themes])
    return [
        ThemePublic.model_validate(
            {**theme.model_dump(), "votes": votes.get(theme.id, 0)}
        ).model_dump(mode="json")
        for theme in themes
    ]


def _totals(session: Session, key: Any, count: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.exec(select(key, func.sum(count)).where(key.in_(ids)).group_by(key)).all()
    return {row[0]: int(row[1] or 0) for row in rows}


def board_full(session: Session, board: Board) -> dict[str, Any]:
    """The facilitator's view of a board with all its cards (oldest first) and themes."""
    cards = session.exec(
        select(Card).where(Card.board_id == board.id).order_by(col(Card.created_at), col(Card.id))
    ).all()
    themes = session.exec(select(Theme).where(Theme.board_id == board.id).order_by(col(Theme.id)))
    return {
        **board_public(board).model_dump(mode="json"),
        "cards": cards_full(session, list(cards)),
        "themes": themes_public(session, list(themes)),
    }


def board_as_seen(session: Session, *, board: Board, scope: Scope) -> dict[str, Any]:
    return board_for(scope, board_full(session, board))[1]


def card_as_seen(session: Session, *, card: Card, caller: Caller) -> dict[str, Any]:
    """The card as the caller sees it; 404 if they may not see it."""
    board = board_or_404(session, card.board_id)
    shown = card_for(
        viewer_scope(session, board=board, caller=caller), cards_full(session, [card])[0]
    )
    if shown is None:
        raise NotFound("No card has that id.")
    return shown[1]


def event_boards(session: Session, event: Event, *, include_hidden: bool) -> list[Board]:
    query = select(Board).where(Board.event_id == event.id).order_by(col(Board.id))
    if not include_hidden:
        query = query.where(Board.state != "hidden")
    return list(session.exec(query))


def programme_boards(session: Session, *, caller: Caller, programme: Programme) -> list[Board]:
    """A programme's own boards; hidden ones for its facilitators only."""
    programmes.read_programme(session, actor=caller.user, programme=programme)
    query = select(Board).where(Board.programme_id == programme.id).order_by(col(Board.id))
    if not is_facilitator(session, caller.user, programme.id):
        query = query.where(Board.state != "hidden")
    return list(session.exec(query))


# -- the log ----------------------------------------------------------------------------------


def _log(session: Session, board: Board, type: str, audience: str, payload: dict[str, Any]) -> None:
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


def _log_card(session: Session, board: Board, card: Card, type: str, *before: str) -> None:
    audience = card_audience(board, card.author_attendee_id, card.status, *before)
    _log(session, board, type, audience, cards_full(session, [card])[0])


def _theme_audience(board: Board) -> str:
    return log.FACILITATORS if board.state == "hidden" else log.PUBLIC


# -- boards -----------------------------------------------------------------------------------


def _clean_columns(columns: list[str]) -> list[str]:
    cleaned = [c.strip() for c in columns if c.strip()]
    if len(set(cleaned)) != len(cleaned) or any(len(c) > 80 for c in cleaned):
        raise BadInput("Column names must be different and at most 80 characters.")
    return cleaned


def create_event_board(
    session: Session, *, actor: User | None, event: Event, data: BoardCreate
) -> Board:
    """Open a board for this event's room."""
    board = Board(event_id=event.id, **data.model_dump(exclude={"columns"}))
    _manage(session, board, actor)
    board.columns = _clean_columns(data.columns)
    session.add(board)
    session.flush()
    _log(session, board, "board.created", log.PUBLIC, board_full(session, board))
    return board


def create_programme_board(
    session: Session, *, actor: User | None, programme: Programme, data: BoardCreate
) -> Board:
    """Open a board on the programme itself, to collect cards between its events."""
    require_facilitator(session, actor, programme)
    board = Board(programme_id=programme.id, **data.model_dump(exclude={"columns"}))
    board.columns = _clean_columns(data.columns)
    session.add(board)
    session.flush()
    return board


def update_board(session: Session, *, actor: User | None, board: Board, data: BoardUpdate) -> Board:
    """Open, close or hide a board, or change its title, prompt, columns, rules."""
    _manage(session, board, actor)
    was = board.state
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(board, field, _clean_columns(value) if field == "columns" else value)
    board.updated_at = utcnow()
    session.add(board)
    session.flush()
    # Those who saw the board learn it is hidden; changes inside a hidden board stay there.
    audience = log.FACILITATORS if was == board.state == "hidden" else log.PUBLIC
    _log(session, board, "board.updated", audience, board_full(session, board))
    return board


# -- cards ------------------------------------------------------------------------------------


def create_card(
    session: Session, *, caller: Caller, board: Board, data: CardCreate
) -> tuple[Card, bool]:
    """Post a card; a client_id seen before on this board answers with that card (False)."""
    scope = _participant(session, board, caller)
    seen = _card_by_client_id(session, board, data.client_id, caller)
    if seen is not None:
        return seen, False
    if board.state != "open":
        raise BoardClosed()
    card = _new_card(session, board, scope, caller, data)
    try:
        with session.begin_nested():
            session.add(card)
            session.flush()
    except IntegrityError:
        # The same phone's retry raced its first try: the other insert won; answer with it.
        seen = _card_by_client_id(session, board, data.client_id, caller)
        if seen is None:
            raise
        return seen, False
    _log_card(session, board, card, "card.created")
    return card, True


def _card_by_client_id(
    session: Session, board: Board, client_id: str, caller: Caller
) -> Card | None:
    card = session.exec(
        select(Card).where(Card.board_id == board.id, Card.client_id == client_id)
    ).first()
    if card is not None and not _is_author(card, caller):
        raise Conflict("That client_id is already used on this board.")
    return card


def _new_card(
    session: Session, board: Board, scope: Scope, caller: Caller, data: CardCreate
) -> Card:
    text = _clean_text(data.text)
    if data.column and data.column not in board.columns:
        raise BadInput("That column is not one of this board's columns.")
    if data.anonymous and not board.anonymous_allowed:
        raise BadInput("This board does not take anonymous cards.")
    attendee = caller.attendee if scope.role == "attendee" else None
    if attendee is not None:
        _check_rate(session, attendee)
    held = privacy.screen(text)
    pending = bool(held) or (board.moderation == "pre" and scope.role != "facilitator")
    return Card(
        board_id=board.id,
        client_id=data.client_id,
        text=text,
        column=data.column,
        status="pending" if pending else "visible",
        held_reason=held,
        author_attendee_id=attendee.id if attendee else None,
        author_user_id=caller.user.id if attendee is None and caller.user else None,
        anonymous=data.anonymous,
        shareable=data.shareable,
    )


def _clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise BadInput("Write something on the card first.")
    if len(text) > CARD_TEXT_MAX:
        raise BadInput(f"A card holds at most {CARD_TEXT_MAX} characters.")
    return text


def _check_rate(session: Session, attendee: Attendee) -> None:
    since = utcnow() - timedelta(seconds=CARD_RATE_WINDOW)
    recent = session.exec(
        select(Card.created_at)
        .where(Card.author_attendee_id == attendee.id, col(Card.created_at) > since)
        .order_by(col(Card.created_at).desc())
        .limit(CARD_RATE_LIMIT)
    ).all()
    if len(recent) >= CARD_RATE_LIMIT:
        frees_at = as_utc(recent[-1]) + timedelta(seconds=CARD_RATE_WINDOW)
        raise RateLimited(
            math.ceil((frees_at - utcnow()).total_seconds()),
            f"That is {CARD_RATE_LIMIT} cards in a minute; wait a moment before the next.",
        )


def update_card(session: Session, *, caller: Caller, card: Card, data: CardUpdate) -> Card:
    """Facilitators moderate (status, theme, spotlight); the author edits text on an open board."""
    board = board_or_404(session, card.board_id)
    changes = data.model_dump(exclude_unset=True)
    scope = _member_scope(session, board, caller)
    facilitator = scope is not None and scope.role == "facilitator"
    editing = changes.get("text") is not None
    if not facilitator:
        _participant(session, board, caller)
        if not _is_author(card, caller):
            raise Forbidden("Only facilitators and a card's author can change it.")
        if changes.keys() & {"status", "theme_id", "spotlight"}:
            raise Forbidden("Only facilitators moderate cards.")
        if card.status == "hidden":
            raise NotFound("No card has that id.")
    elif editing and not _is_author(card, caller):
        raise Forbidden("Only a card's author can edit its text.")
    _not_frozen(session, board)
    was = card.status
    if editing:
        _edit_text(board, card, changes["text"], by_facilitator=facilitator)
    if facilitator:
        _moderate(session, board, card, changes)
    card.updated_at = utcnow()
    session.add(card)
    session.flush()
    _log_card(session, board, card, "card.updated", was)
    return card


def _edit_text(board: Board, card: Card, text: str, *, by_facilitator: bool) -> None:
    if board.state != "open":
        raise BoardClosed()
    card.text = _clean_text(text)
    held = privacy.screen(card.text)
    if held:
        card.status, card.held_reason = "pending", held
    elif board.moderation == "pre" and not by_facilitator:
        # An approved card edited into something else needs approving again.
        card.status, card.held_reason = "pending", ""
    elif card.status == "pending" and card.held_reason:
        # Only the guard held it, and the author has taken the personal data out.
        card.status, card.held_reason = "visible", ""


def _moderate(session: Session, board: Board, card: Card, changes: dict[str, Any]) -> None:
    if changes.get("status") is not None:
        card.status = changes["status"]
        if card.status == "visible":
            card.held_reason = ""
    if "theme_id" in changes:
        theme = session.get(Theme, changes["theme_id"]) if changes["theme_id"] else None
        if changes["theme_id"] is not None and (theme is None or theme.board_id != board.id):
            raise BadInput("That theme is not on this card's board.")
        card.theme_id = changes["theme_id"]
    if changes.get("spotlight") is not None:
        card.spotlight = changes["spotlight"]


def delete_card(session: Session, *, caller: Caller, card: Card) -> None:
    """Take a card off its board: its facilitators, or its author, may."""
    board = board_or_404(session, card.board_id)
    if not _is_author(card, caller) and _participant(session, board, caller).role != "facilitator":
        raise Forbidden("Only facilitators and a card's author can delete it.")
    _not_frozen(session, board)
    audience = card_audience(board, card.author_attendee_id, card.status)
    card_id = card.id
    session.delete(card)
    session.flush()
    _log(session, board, "card.deleted", audience, {"id": card_id})


def promote_card(session: Session, *, actor: User | None, card: Card) -> Entry:
    """Quote a card on the event's live blog, if its author agreed to share it."""
    board = board_or_404(session, card.board_id)
    user = _manage(session, board, actor)
    _, event = owner(session, board)
    if event is None:
        raise Conflict("Only cards on an event's board can go on its live blog.")
    if not card.shareable:
        raise NotShareable()
    if card.status != "visible":
        raise Conflict("Show the card on its board before quoting it.")
    author = None if card.anonymous else _author_names(session, [card]).get(card.id)
    body = "\n".join(f"> {line}".rstrip() for line in card.text.splitlines())
    data = EntryCreate(
        body=body,
        kind="quote",
        attribution=author["display_name"] if author else "",
        client_id=f"card-{card.id}",
    )
    return liveblog.create_entry(session, actor=user, event=event, data=data)


# -- votes ------------------------------------------------------------------------------------


def _voter(session: Session, board: Board, caller: Caller) -> Attendee:
    """The calling attendee, locked so one person's concurrent votes cannot overspend."""
    _participant(session, board, caller)
    if caller.attendee is None or not _attends(session, board, caller.attendee):
        raise Forbidden("Only attendees have dots to vote with.")
    if board.state != "open":
        raise BoardClosed()
    return session.exec(
        select(Attendee).where(Attendee.id == caller.attendee.id).with_for_update()
    ).one()


def _dots_used(
    session: Session, board: Board, attendee: Attendee, *, card_id: int = 0, theme_id: int = 0
) -> int:
    """The attendee's dots on this board's visible cards and its themes, but for the one named."""
    on_cards = session.exec(
        select(func.coalesce(func.sum(CardVote.count), 0))
        .join(Card, col(Card.id) == col(CardVote.card_id))
        .where(
            Card.board_id == board.id,
            Card.status == "visible",
            CardVote.attendee_id == attendee.id,
            CardVote.card_id != card_id,
        )
    ).one()
    on_themes = session.exec(
        select(func.coalesce(func.sum(ThemeVote.count), 0))
        .join(Theme, col(Theme.id) == col(ThemeVote.theme_id))
        .where(
            Theme.board_id == board.id,
            ThemeVote.attendee_id == attendee.id,
            ThemeVote.theme_id != theme_id,
        )
    ).one()
    return int(on_cards) + int(on_themes)


def _spend(board: Board, used: int, count: int) -> int:
    left = board.votes_per_attendee - used
    if count > left:
        raise OverBudget(f"You have {max(left, 0)} of {board.votes_per_attendee} dots left.")
    return left - count


def set_card_vote(session: Session, *, caller: Caller, card: Card, count: int) -> VoteResult:
    """Put `count` of this attendee's dots on a card (0 takes them back)."""
    board = board_or_404(session, card.board_id)
    attendee = _voter(session, board, caller)
    if card.status != "visible":
        raise Conflict("Only cards shown on the board take votes.")
    remaining = _spend(board, _dots_used(session, board, attendee, card_id=card.id), count)
    fresh = CardVote(card_id=card.id, attendee_id=attendee.id)
    _store_vote(session, session.get(CardVote, (card.id, attendee.id)), fresh, count)
    votes = _totals(session, CardVote.card_id, CardVote.count, [card.id]).get(card.id, 0)
    result = VoteResult(
        board_id=board.id, card_id=card.id, votes=votes, count=count, remaining=remaining
    )
    payload = {"board_id": board.id, "card_id": card.id, "votes": votes}
    _log(session, board, "vote.changed", log.PUBLIC, payload)
    return result


def set_theme_vote(session: Session, *, caller: Caller, theme: Theme, count: int) -> VoteResult:
    """Put `count` of this attendee's dots on a theme, from the same budget as cards."""
    board = board_or_404(session, theme.board_id)
    attendee = _voter(session, board, caller)
    remaining = _spend(board, _dots_used(session, board, attendee, theme_id=theme.id), count)
    fresh = ThemeVote(theme_id=theme.id, attendee_id=attendee.id)
    _store_vote(session, session.get(ThemeVote, (theme.id, attendee.id)), fresh, count)
    votes = _totals(session, ThemeVote.theme_id, ThemeVote.count, [theme.id]).get(theme.id, 0)
    result = VoteResult(
        board_id=board.id, theme_id=theme.id, votes=votes, count=count, remaining=remaining
    )
    payload = {"board_id": board.id, "theme_id": theme.id, "votes": votes}
    _log(session, board, "vote.changed", _theme_audience(board), payload)
    return result


def _store_vote(
    session: Session, existing: CardVote | ThemeVote | None, fresh: CardVote | ThemeVote, count: int
) -> None:
    if count == 0:
        if existing is not None:
            session.delete(existing)
    else:
        vote = existing or fresh
        vote.count = count
        session.add(vote)
    session.flush()


def my_votes(session: Session, *, caller: Caller, board: Board) -> MyVotes:
    """Where the calling attendee's dots are on a board, and how many are left."""
    viewer_scope(session, board=board, caller=caller)
    if caller.attendee is None or not _attends(session, board, caller.attendee):
        if caller.user is None and caller.attendee is None:
            raise NotSignedIn()
        raise Forbidden("Only attendees have dots to vote with.")
    cards = session.exec(
        select(CardVote.card_id, CardVote.count)
        .join(Card, col(Card.id) == col(CardVote.card_id))
        .where(Card.board_id == board.id, Card.status == "visible")
        .where(CardVote.attendee_id == caller.attendee.id)
    ).all()
    themes = session.exec(
        select(ThemeVote.theme_id, ThemeVote.count)
        .join(Theme, col(Theme.id) == col(ThemeVote.theme_id))
        .where(Theme.board_id == board.id, ThemeVote.attendee_id == caller.attendee.id)
    ).all()
    used = sum(c for _, c in cards) + sum(c for _, c in themes)
    return MyVotes(
        board_id=board.id,
        budget=board.votes_per_attendee,
        remaining=max(board.votes_per_attendee - used, 0),
        cards=[VoteCount(id=i, count=c) for i, c in cards],
        themes=[VoteCount(id=i, count=c) for i, c in themes],
    )


# -- themes -----------------------------------------------------------------------------------


def create_theme(session: Session, *, actor: User | None, board: Board, data: ThemeCreate) -> Theme:
    """Add a theme that cards can be grouped under."""
    _manage(session, board, actor)
    theme = Theme(board_id=board.id, title=_clean_title(data.title))
    session.add(theme)
    session.flush()
    _log(
        session, board, "theme.created", _theme_audience(board), themes_public(session, [theme])[0]
    )
    return theme


def update_theme(session: Session, *, actor: User | None, theme: Theme, data: ThemeUpdate) -> Theme:
    """Rename a theme."""
    board = board_or_404(session, theme.board_id)
    _manage(session, board, actor)
    theme.title = _clean_title(data.title)
    session.add(theme)
    session.flush()
    _log(
        session, board, "theme.updated", _theme_audience(board), themes_public(session, [theme])[0]
    )
    return theme


def delete_theme(session: Session, *, actor: User | None, theme: Theme) -> None:
    """Remove a theme; its cards stay on the board, ungrouped, and its dots are handed back."""
    board = board_or_404(session, theme.board_id)
    _manage(session, board, actor)
    for card in session.exec(select(Card).where(Card.theme_id == theme.id)).all():
        card.theme_id, card.updated_at = None, utcnow()
        session.add(card)
        session.flush()
        _log_card(session, board, card, "card.updated")
    theme_id = theme.id
    session.delete(theme)
    session.flush()
    _log(session, board, "theme.deleted", _theme_audience(board), {"id": theme_id})


def _clean_title(title: str) -> str:
    if not title.strip():
        raise BadInput("Give the theme a title.")
    return title.strip()
