"""Erasure on request: one attendee of an event, and everything of theirs, before freezing.

Their name goes, and their votes, breakout notes and seats; their cards go too, or stay with no
author where the facilitator chooses. Each change is logged as the room would see it happen (a
`card.deleted`, a `card.updated` with no author, a `note.deleted`, a `breakout.member` move out),
so the log rewrites every earlier row that carried their words or their name in the same
transaction (server/realtime/log.py). The admins' audit log says who erased how much, never what.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from server.errors import NotFound
from server.lib.timeutil import utcnow
from server.models.accounts import User
from server.models.attendees import Attendee, AttendeeSummary, ErasedPublic
from server.models.boards import Board, Card, CardVote, Theme, ThemeVote
from server.models.breakouts import Breakout, BreakoutMember, Note
from server.models.events import Event
from server.models.liveblog import Entry, EntryUpdate
from server.services import audit, boards, breakouts, cards, liveblog, notes
from server.services.access import (
    Caller,
    require_event_facilitator,
    require_event_reader,
    require_not_frozen,
)

CardsChoice = Literal["delete", "anonymise"]


def attendee_or_404(session: Session, *, event: Event, attendee_id: int) -> Attendee:
    attendee = session.get(Attendee, attendee_id)
    if attendee is None or attendee.event_id != event.id:
        raise NotFound("No attendee of this event has that id.")
    return attendee


def people(session: Session, *, actor: User | None, event: Event) -> list[AttendeeSummary]:
    """Everyone who joined the event, with how much of theirs there is, for its facilitators."""
    require_event_reader(session, actor=actor, event=event)
    cards = dict(
        session.exec(
            select(Card.author_attendee_id, func.count())
            .join(Attendee, col(Attendee.id) == col(Card.author_attendee_id))
            .where(Attendee.event_id == event.id)
            .group_by(col(Card.author_attendee_id))
        ).all()
    )
    notes_by = dict(
        session.exec(
            select(Note.author_attendee_id, func.count())
            .join(Attendee, col(Attendee.id) == col(Note.author_attendee_id))
            .where(Attendee.event_id == event.id, col(Note.deleted_at).is_(None))
            .group_by(col(Note.author_attendee_id))
        ).all()
    )
    joined = session.exec(
        select(Attendee).where(Attendee.event_id == event.id).order_by(col(Attendee.id))
    ).all()
    return [
        AttendeeSummary(
            id=a.id,
            display_name=a.display_name,
            organisation=a.organisation,
            cards=cards.get(a.id, 0),
            notes=notes_by.get(a.id, 0),
            created_at=a.created_at,
        )
        for a in joined
    ]


def erase_attendee(
    session: Session, *, actor: User | None, event: Event, attendee: Attendee, cards: CardsChoice
) -> ErasedPublic:
    """Erase one attendee of a live or ended event, as asked of its facilitators."""
    user = require_event_facilitator(session, actor=actor, event=event)
    require_not_frozen(event)
    votes = _remove_votes(session, attendee)
    deleted, anonymised = _cards(session, user, attendee, cards)
    notes = _remove_notes(session, attendee)
    seats = _leave_groups(session, event, attendee)
    attendee_id = attendee.id
    session.delete(attendee)
    session.flush()
    erased = ErasedPublic(
        attendee_id=attendee_id,
        cards_deleted=deleted,
        cards_anonymised=anonymised,
        notes_deleted=notes,
        votes_removed=votes,
        seats_left=seats,
    )
    details = {"cards": cards, **erased.model_dump()}
    audit.record(session, actor=user, action="attendee.erased", event_id=event.id, details=details)
    return erased


def _remove_votes(session: Session, attendee: Attendee) -> int:
    """Hand back their dots; each card and theme they voted on shows its new total."""
    card_votes = session.exec(select(CardVote).where(CardVote.attendee_id == attendee.id)).all()
    theme_votes = session.exec(select(ThemeVote).where(ThemeVote.attendee_id == attendee.id)).all()
    for vote in [*card_votes, *theme_votes]:
        session.delete(vote)
    session.flush()
    for card_vote in card_votes:
        card = session.get(Card, card_vote.card_id)
        if card is not None:
            _log_total(session, card.board_id, "card_id", card.id, CardVote.card_id)
    for theme_vote in theme_votes:
        theme = session.get(Theme, theme_vote.theme_id)
        if theme is not None:
            _log_total(session, theme.board_id, "theme_id", theme.id, ThemeVote.theme_id)
    return len(card_votes) + len(theme_votes)


def _log_total(session: Session, board_id: int, key: str, item_id: int, column: object) -> None:
    board = session.get(Board, board_id)
    assert board is not None
    count = CardVote.count if key == "card_id" else ThemeVote.count
    votes = boards.totals(session, key=column, count=count, ids=[item_id]).get(item_id, 0)
    audience = boards.theme_audience(board)
    boards.append_log(
        session,
        board=board,
        type="vote.changed",
        audience=audience,
        payload={key: item_id, "votes": votes},
    )


def _cards(
    session: Session, user: User, attendee: Attendee, choice: CardsChoice
) -> tuple[int, int]:
    """Delete their cards, or keep them with no author; quotes of them on the blog follow."""
    mine = session.exec(select(Card).where(Card.author_attendee_id == attendee.id)).all()
    for card in mine:
        board = boards.board_or_404(session, board_id=card.board_id)
        quote = session.exec(
            select(Entry).where(
                Entry.client_id == f"card-{card.id}", col(Entry.deleted_at).is_(None)
            )
        ).first()
        if choice == "delete":
            cards.delete_card(session, actor=Caller(user=user), card=card)
            if quote is not None:
                liveblog.delete_entry(session, actor=user, entry=quote)
            continue
        was = card.status
        card.author_attendee_id, card.anonymous, card.updated_at = None, True, utcnow()
        session.add(card)
        session.flush()
        boards.log_card(session, board=board, card=card, type="card.updated", was=was)
        if quote is not None and quote.attribution:
            liveblog.update_entry(
                session, actor=user, entry=quote, data=EntryUpdate(attribution="")
            )
    return (len(mine), 0) if choice == "delete" else (0, len(mine))


def _remove_notes(session: Session, attendee: Attendee) -> int:
    """Their notes go from the database, not just from view."""
    mine = session.exec(select(Note).where(Note.author_attendee_id == attendee.id)).all()
    for note in mine:
        if note.deleted_at is None:
            breakout = breakouts.breakout_or_404(session, breakout_id=note.breakout_id)
            notes.log_note(session, breakout=breakout, note=note, type="note.deleted")
        session.delete(note)
    session.flush()
    return len(mine)


def _leave_groups(session: Session, event: Event, attendee: Attendee) -> int:
    """Out of every group: the groups, as logged from now on, no longer list their name."""
    seats = session.exec(
        select(BreakoutMember.breakout_id).where(BreakoutMember.attendee_id == attendee.id)
    ).all()
    if not seats:
        return 0
    session.execute(delete(BreakoutMember).where(col(BreakoutMember.attendee_id) == attendee.id))
    session.flush()
    groups = [g for g in (session.get(Breakout, i) for i in seats) if g is not None]
    moves: list[breakouts.Move] = [
        {"attendee_id": attendee.id, "breakout_id": None, "from_breakout_id": i} for i in seats
    ]
    breakouts.log_moves(session, event=event, moves=moves, groups=groups)
    return len(seats)
