"""Dot votes on cards and themes from one budget per attendee, and the themes themselves."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.errors import BadInput, Conflict, Forbidden, NotFound, NotSignedIn
from server.lib.timeutil import utcnow
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.boards import (
    Board,
    Card,
    CardVote,
    MyVotes,
    Theme,
    ThemeCreate,
    ThemeUpdate,
    ThemeVote,
    VoteCount,
    VoteResult,
)
from server.realtime import log
from server.services import boards
from server.services.access import Caller


class OverBudget(Conflict):
    code, message = "over_budget", "That is more dots than you have left on this board."


def theme_or_404(session: Session, *, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound("No theme has that id.")
    return theme


# -- votes ------------------------------------------------------------------------------------


def _voter(session: Session, board: Board, actor: Caller) -> Attendee:
    """The calling attendee, locked so one person's concurrent votes cannot overspend."""
    boards.participant(session, board=board, actor=actor)
    if actor.attendee is None or not boards.attends(session, board=board, attendee=actor.attendee):
        raise Forbidden("Only attendees have dots to vote with.")
    if board.state != "open":
        raise boards.BoardClosed()
    return session.exec(
        select(Attendee).where(Attendee.id == actor.attendee.id).with_for_update()
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


def set_card_vote(session: Session, *, actor: Caller, card: Card, count: int) -> VoteResult:
    """Put `count` of this attendee's dots on a card (0 takes them back)."""
    board = boards.board_or_404(session, board_id=card.board_id)
    attendee = _voter(session, board, actor)
    if card.status != "visible":
        if card.author_attendee_id != attendee.id:
            raise NotFound("No card has that id.")  # as if it did not exist: it is not shown
        raise Conflict("Only cards shown on the board take votes.")
    remaining = _spend(board, _dots_used(session, board, attendee, card_id=card.id), count)
    fresh = CardVote(card_id=card.id, attendee_id=attendee.id)
    _store_vote(session, session.get(CardVote, (card.id, attendee.id)), fresh, count)
    votes = boards.totals(session, key=CardVote.card_id, count=CardVote.count, ids=[card.id]).get(
        card.id, 0
    )
    result = VoteResult(
        board_id=board.id, card_id=card.id, votes=votes, count=count, remaining=remaining
    )
    payload = {"board_id": board.id, "card_id": card.id, "votes": votes}
    boards.append_log(
        session, board=board, type="vote.changed", audience=log.PUBLIC, payload=payload
    )
    return result


def set_theme_vote(session: Session, *, actor: Caller, theme: Theme, count: int) -> VoteResult:
    """Put `count` of this attendee's dots on a theme, from the same budget as cards."""
    board = boards.board_or_404(session, board_id=theme.board_id)
    attendee = _voter(session, board, actor)
    remaining = _spend(board, _dots_used(session, board, attendee, theme_id=theme.id), count)
    fresh = ThemeVote(theme_id=theme.id, attendee_id=attendee.id)
    _store_vote(session, session.get(ThemeVote, (theme.id, attendee.id)), fresh, count)
    votes = boards.totals(
        session, key=ThemeVote.theme_id, count=ThemeVote.count, ids=[theme.id]
    ).get(theme.id, 0)
    result = VoteResult(
        board_id=board.id, theme_id=theme.id, votes=votes, count=count, remaining=remaining
    )
    payload = {"board_id": board.id, "theme_id": theme.id, "votes": votes}
    boards.append_log(
        session,
        board=board,
        type="vote.changed",
        audience=boards.theme_audience(board),
        payload=payload,
    )
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


def my_votes(session: Session, *, actor: Caller, board: Board) -> MyVotes:
    """Where the calling attendee's dots are on a board, and how many are left."""
    boards.viewer_scope(session, board=board, actor=actor)
    if actor.attendee is None or not boards.attends(session, board=board, attendee=actor.attendee):
        if actor.user is None and actor.attendee is None:
            raise NotSignedIn()
        raise Forbidden("Only attendees have dots to vote with.")
    cards = session.exec(
        select(CardVote.card_id, CardVote.count)
        .join(Card, col(Card.id) == col(CardVote.card_id))
        .where(Card.board_id == board.id, Card.status == "visible")
        .where(CardVote.attendee_id == actor.attendee.id)
    ).all()
    themes = session.exec(
        select(ThemeVote.theme_id, ThemeVote.count)
        .join(Theme, col(Theme.id) == col(ThemeVote.theme_id))
        .where(Theme.board_id == board.id, ThemeVote.attendee_id == actor.attendee.id)
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
    boards.manage(session, board=board, actor=actor)
    theme = Theme(board_id=board.id, title=_clean_title(data.title))
    session.add(theme)
    session.flush()
    boards.append_log(
        session,
        board=board,
        type="theme.created",
        audience=boards.theme_audience(board),
        payload=boards.themes_public(session, themes=[theme])[0],
    )
    return theme


def update_theme(session: Session, *, actor: User | None, theme: Theme, data: ThemeUpdate) -> Theme:
    """Rename a theme."""
    board = boards.board_or_404(session, board_id=theme.board_id)
    boards.manage(session, board=board, actor=actor)
    theme.title = _clean_title(data.title)
    session.add(theme)
    session.flush()
    boards.append_log(
        session,
        board=board,
        type="theme.updated",
        audience=boards.theme_audience(board),
        payload=boards.themes_public(session, themes=[theme])[0],
    )
    return theme


def delete_theme(session: Session, *, actor: User | None, theme: Theme) -> None:
    """Remove a theme; its cards stay on the board, ungrouped, and its dots are handed back."""
    board = boards.board_or_404(session, board_id=theme.board_id)
    boards.manage(session, board=board, actor=actor)
    for card in session.exec(select(Card).where(Card.theme_id == theme.id)).all():
        card.theme_id, card.updated_at = None, utcnow()
        session.add(card)
        session.flush()
        boards.log_card(session, board=board, card=card, type="card.updated")
    theme_id = theme.id
    session.delete(theme)
    session.flush()
    boards.append_log(
        session,
        board=board,
        type="theme.deleted",
        audience=boards.theme_audience(board),
        payload={"id": theme_id},
    )


def _clean_title(title: str) -> str:
    if not title.strip():
        raise BadInput("Give the theme a title.")
    return title.strip()
