"""The archive document of an event, built from the live tables: the whole frozen record.

One builder serves the frozen archive and the facilitator's drafts alike. The record keeps what
the event's facilitators could read while it was live: cards held back or hidden, with their
`held_reason`, and every group's notes, shared or not, with the `held_reason` of those the
privacy guard holds. What the public may read of it is derived by one rule,
server/services/archive_public.py `public_view`. What it leaves out entirely is the point too:
no attendee token, id or organisation; no author on an anonymous card, and no name an attendee
did not choose to show; no hidden board. Lists are ordered by id and no clock is read, so the
same data always gives the same document.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from server.lib.timeutil import iso
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.boards import Board, Card, CardVote, Theme, ThemeVote
from server.models.breakouts import Breakout, BreakoutMember, Note
from server.models.events import AgendaItem, Event
from server.models.liveblog import Entry, EntryRevision
from server.models.programmes import Programme
from server.services import actions, participation, privacy

# 3: participation has peak_connected in place of peak_active. 4: the full record (cards carry
# `status` and `held_reason`, groups `shared`, notes `held_reason`); the public view is derived.
# 5: cards carry their author's `text_consent` and `name_consent`.
FORMAT = 5

Doc = dict[str, Any]


def build_document(session: Session, *, event: Event) -> Doc:
    """The whole record of the day as it stands in the live tables."""
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    entries = _entries(session, event)
    boards = _boards(session, event)
    breakouts = _breakouts(session, event)
    return {
        "format": FORMAT,
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
        "agenda": _agenda(session, event),
        "entries": entries,
        "boards": boards,
        "breakouts": breakouts,
        "actions": actions.raised_at(session, event=event),
        "progress": actions.progress_at(session, event=event),
        "participation": participation.figures(
            session, event=event, entries=entries, boards=boards, breakouts=breakouts
        ),
    }


def _agenda(session: Session, event: Event) -> list[Doc]:
    items = session.exec(
        select(AgendaItem).where(AgendaItem.event_id == event.id).order_by(col(AgendaItem.id))
    )
    return [
        {
            "id": item.id,
            "title": item.title,
            "starts_at": iso(item.starts_at),
            "speakers": item.speakers,
            "description": item.description,
        }
        for item in items
    ]


def _entries(session: Session, event: Event) -> list[Doc]:
    """Each entry as its final words: the edit history collapses to `edited`."""
    rows = session.exec(
        select(Entry)
        .where(Entry.event_id == event.id, col(Entry.deleted_at).is_(None))
        .order_by(col(Entry.id))
    ).all()
    edited = set(
        session.exec(
            select(EntryRevision.entry_id)
            .join(Entry, col(Entry.id) == EntryRevision.entry_id)
            .where(Entry.event_id == event.id)
        )
    )
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "agenda_item_id": e.agenda_item_id,
            "body": e.body,
            "html": e.html,
            "attribution": e.attribution,
            "pinned": e.pinned,
            "correction_note": e.correction_note,
            "edited": e.id in edited,
            "created_at": iso(e.created_at),
        }
        for e in rows
    ]


def _boards(session: Session, event: Event) -> list[Doc]:
    """Boards that are not hidden, with all their cards (of every status) and their themes."""
    boards = session.exec(
        select(Board)
        .where(Board.event_id == event.id, Board.state != "hidden")
        .order_by(col(Board.id))
    ).all()
    ids = [b.id for b in boards]
    cards = _cards(session, ids)
    themes = _themes(session, ids, cards)
    return [
        {
            "id": b.id,
            "title": b.title,
            "prompt": b.prompt,
            "columns": b.columns,
            "themes": _of_board(themes, b.id),
            "cards": _of_board(cards, b.id),
        }
        for b in boards
    ]


def _of_board(items: list[Doc], board_id: int) -> list[Doc]:
    return [
        {k: v for k, v in i.items() if k != "board_id"} for i in items if i["board_id"] == board_id
    ]


# Plain columns, not Card objects: building thousands of model instances dominated freezing.
CARD_COLUMNS = [
    col(c)
    for c in (
        Card.id,
        Card.board_id,
        Card.column,
        Card.text,
        Card.status,
        Card.held_reason,
        Card.theme_id,
        Card.anonymous,
        Card.text_consent,
        Card.name_consent,
        Card.author_attendee_id,
        Card.author_user_id,
        Card.created_at,
    )
]


def _cards(session: Session, board_ids: list[int]) -> list[Doc]:
    rows = session.execute(
        sa_select(*CARD_COLUMNS).where(col(Card.board_id).in_(board_ids)).order_by(col(Card.id))
    ).all()
    votes = _sums(
        session,
        select(CardVote.card_id, func.sum(CardVote.count))
        .join(Card, col(Card.id) == CardVote.card_id)
        .where(col(Card.board_id).in_(board_ids))
        .group_by(col(CardVote.card_id)),
    )
    names = _author_names(session, [c for c in rows if not c.anonymous])
    return [
        {
            "id": c.id,
            "board_id": c.board_id,
            "column": c.column,
            "text": c.text,
            "status": c.status,
            "held_reason": c.held_reason,
            "theme_id": c.theme_id,
            "votes": votes.get(c.id, 0),
            "author": None if c.anonymous else names.get(c.id),
            "text_consent": c.text_consent,
            "name_consent": c.name_consent,
            "created_at": iso(c.created_at),
        }
        for c in rows
    ]


def _author_names(session: Session, cards: list[Any]) -> dict[int, str]:
    """card id -> the name its author chose to show (attendees may have chosen none)."""
    attendee_ids = {c.author_attendee_id for c in cards if c.author_attendee_id is not None}
    user_ids = {c.author_user_id for c in cards if c.author_user_id is not None}
    attendees = dict(
        session.exec(
            select(Attendee.id, Attendee.display_name).where(col(Attendee.id).in_(attendee_ids))
        ).all()
    )
    users = dict(session.exec(select(User.id, User.name).where(col(User.id).in_(user_ids))).all())
    names: dict[int, str] = {}
    for card in cards:
        if card.author_attendee_id is not None:
            name = attendees.get(card.author_attendee_id, "")
        else:
            name = users.get(card.author_user_id or 0, "")
        if name.strip():
            names[card.id] = name.strip()
    return names


def _themes(session: Session, board_ids: list[int], cards: list[Doc]) -> list[Doc]:
    rows = session.exec(
        select(Theme).where(col(Theme.board_id).in_(board_ids)).order_by(col(Theme.id))
    ).all()
    dots = _sums(
        session,
        select(ThemeVote.theme_id, func.sum(ThemeVote.count))
        .where(col(ThemeVote.theme_id).in_([t.id for t in rows]))
        .group_by(col(ThemeVote.theme_id)),
    )
    card_votes, card_counts = theme_tallies(cards)
    return [
        {
            "id": t.id,
            "board_id": t.board_id,
            "title": t.title,
            "votes": dots.get(t.id, 0),
            "card_votes": card_votes[t.id],
            "cards": card_counts[t.id],
        }
        for t in rows
    ]


def theme_tallies(cards: list[Doc]) -> tuple[Counter[int], Counter[int]]:
    """Per theme id, the votes on its cards and how many cards it has, as the public reads
    them: what a held or hidden card drew stays with it."""
    card_votes: Counter[int] = Counter()
    card_counts: Counter[int] = Counter()
    for card in cards:
        if card["theme_id"] is not None and card.get("status", "visible") == "visible":
            card_votes[card["theme_id"]] += card["votes"]
            card_counts[card["theme_id"]] += 1
    return card_votes, card_counts


def _sums(session: Session, query: Any) -> dict[int, int]:
    return {row[0]: int(row[1] or 0) for row in session.exec(query)}


def _breakouts(session: Session, event: Event) -> list[Doc]:
    """Every group with all its notes, those the privacy guard holds marked with why."""
    groups = session.exec(
        select(Breakout).where(Breakout.event_id == event.id).order_by(col(Breakout.id))
    ).all()
    ids = [g.id for g in groups]
    notes = session.exec(
        select(Note)
        .where(col(Note.breakout_id).in_(ids), col(Note.deleted_at).is_(None))
        .order_by(col(Note.id))
    ).all()
    members = Counter(
        session.exec(
            select(BreakoutMember.breakout_id).where(col(BreakoutMember.breakout_id).in_(ids))
        )
    )
    return [
        {
            "id": g.id,
            "name": g.name,
            "prompt": g.prompt,
            "members": members[g.id],
            "shared": g.shared,
            "notes": [
                {
                    "id": n.id,
                    "text": n.text,
                    "held_reason": privacy.screen(n.text),
                    "created_at": iso(n.created_at),
                }
                for n in notes
                if n.breakout_id == g.id
            ],
        }
        for g in groups
    ]
