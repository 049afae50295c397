"""Freezing an event into its archive: one canonical JSON document and its SHA-256.

Ending the day closes its boards and breakouts; the facilitator reviews what is still held
back; freezing writes the document (server/services/archive_document.py), its hash and its
search index in the freezing transaction. Afterwards the summary and every export are rendered
from the stored document alone, never from the live tables.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from server.errors import NotFound
from server.models.accounts import User
from server.models.archive import Archive
from server.models.boards import Board, BoardUpdate, Card
from server.models.breakouts import Breakout, Note
from server.models.events import Event
from server.services import boards, breakouts, privacy, search
from server.services.access import Caller, require_event_facilitator
from server.services.archive_document import FORMAT, build_document

ARCHIVE_FORMAT = FORMAT
Doc = dict[str, Any]


def canonical_json(document: Doc) -> str:
    """One spelling per document: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def freeze(session: Session, *, event: Event) -> Archive:
    """Write the archive row and its search index in the caller's transaction (the freeze)."""
    text = canonical_json(build_document(session, event))
    row = Archive(event_id=event.id, document=text, sha256=sha256(text))
    session.add(row)
    session.flush()
    # Indexed from the stored text itself, so search can only ever find what was archived.
    search.index_document(session, event=event, document=json.loads(text))
    return row


def close_for_review(session: Session, *, actor: User | None, event: Event) -> None:
    """At the end of the day: open boards and breakouts close, so nothing new arrives."""
    for board in boards.event_boards(session, event, include_hidden=False):
        if board.state == "open":
            boards.update_board(session, actor=actor, board=board, data=BoardUpdate(state="closed"))
    breakouts.close_breakouts(session, actor=actor, event=event)


def archive_or_404(session: Session, event_id: int) -> Archive:
    row = session.get(Archive, event_id)
    if row is None:
        raise NotFound("This event has not been frozen yet.")
    return row


def verify(session: Session, *, event_id: int | None = None) -> list[tuple[int, bool]]:
    """Recompute each stored archive's hash: (event id, matches) per archive."""
    query = select(Archive).order_by(col(Archive.event_id))
    if event_id is not None:
        query = query.where(Archive.event_id == event_id)
    return [(row.event_id, sha256(row.document) == row.sha256) for row in session.exec(query)]


@dataclass
class Record:
    """An event's document as the caller may have it: frozen (with its hash) or a draft."""

    document: Doc
    sha256: str | None

    @property
    def draft(self) -> bool:
        return self.sha256 is None


def record_for(session: Session, *, caller: Caller, event: Event) -> Record:
    """The frozen record for whoever may read the event; before freezing, a draft for its
    facilitators only (others are told it is not archived yet)."""
    # Imported here: services.state imports services.events, which imports this module.
    from server.services.state import role_for

    role = role_for(session, event=event, caller=caller)
    if event.status == "frozen":
        row = archive_or_404(session, event.id)
        return Record(json.loads(row.document), row.sha256)
    if role != "facilitator":
        raise NotFound("This event has not been frozen yet.")
    return Record({**build_document(session, event), "draft": True}, None)


def draft_document(session: Session, *, actor: User | None, event: Event) -> Doc:
    """The document freezing would write now, for the event's facilitators."""
    require_event_facilitator(session, actor, event)
    return {**build_document(session, event), "draft": True}


@dataclass
class Review:
    """What freezing would leave out until a facilitator decides: held cards, held notes."""

    pending_cards: list[dict[str, Any]]
    held_notes: list[dict[str, Any]]
    hidden_boards: list[Board]


def review(session: Session, *, actor: User | None, event: Event) -> Review:
    """Cards still pending (held by the guard or awaiting approval) and notes the guard holds."""
    require_event_facilitator(session, actor, event)
    shown = boards.event_boards(session, event, include_hidden=False)
    titles = {b.id: b.title for b in shown}
    pending = session.exec(
        select(Card)
        .where(col(Card.board_id).in_(list(titles)), Card.status == "pending")
        .order_by(col(Card.id))
    ).all()
    notes = session.exec(
        select(Note, Breakout.name)
        .join(Breakout, col(Breakout.id) == Note.breakout_id)
        .where(Breakout.event_id == event.id, col(Note.deleted_at).is_(None))
        .order_by(col(Note.id))
    ).all()
    every = boards.event_boards(session, event, include_hidden=True)
    return Review(
        pending_cards=[
            {"id": c.id, "text": c.text, "board": titles[c.board_id], "why": c.held_reason}
            for c in pending
        ],
        held_notes=[
            {"id": n.id, "text": n.text, "group": name, "why": privacy.screen(n.text)}
            for n, name in notes
            if privacy.screen(n.text)
        ],
        hidden_boards=[b for b in every if b.state == "hidden"],
    )
