"""Freezing an event into its archive: one canonical JSON document and its SHA-256.

Ending the day closes its boards and breakouts; the facilitator reviews what is still held
back; freezing writes the document (server/services/archive_document.py), its hash and its
search index in the freezing transaction. Afterwards the summary and every export are rendered
from the stored document alone, never from the live tables: the whole record for the
programme's facilitators, its public view (server/services/archive_public.py) for everyone else.
A redaction (server/services/redaction.py) replaces the stored document with a new version.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, select

from server.errors import NotFound
from server.models.accounts import User
from server.models.archive import Archive, ArchiveVersion
from server.models.boards import Board, BoardUpdate, Card
from server.models.breakouts import Breakout, Note
from server.models.events import Event
from server.services import access, boards, breakouts, privacy, search
from server.services.access import Caller, require_event_reader
from server.services.archive_document import FORMAT, build_document
from server.services.archive_public import public_view

ARCHIVE_FORMAT = FORMAT
Doc = dict[str, Any]
View = Literal["full", "public"]
_PUBLIC_CACHE_SIZE = 64
_public_json: OrderedDict[str, str] = OrderedDict()


def canonical_json(document: Doc) -> str:
    """One spelling per document: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def freeze(session: Session, *, event: Event) -> Archive:
    """Write the archive row and its search index in the caller's transaction (the freeze)."""
    text = canonical_json(build_document(session, event=event))
    row = Archive(event_id=event.id, document=text, sha256=sha256(text))
    session.add(row)
    session.flush()
    # Indexed from the stored text itself, so search can only ever find what was archived.
    search.index_document(session, event=event, document=json.loads(text))
    return row


def public_json(row: Archive) -> str:
    """The canonical JSON of a stored record's public view; a hash names its content for good."""
    found = _public_json.get(row.sha256)
    if found is None:
        found = canonical_json(public_view(json.loads(row.document)))
        _public_json[row.sha256] = found
        if len(_public_json) > _PUBLIC_CACHE_SIZE:
            _public_json.popitem(last=False)
    return found


def close_for_review(session: Session, *, actor: User | None, event: Event) -> None:
    """At the end of the day: open boards and breakouts close, so nothing new arrives."""
    for board in boards.event_boards(session, event=event, include_hidden=False):
        if board.state == "open":
            boards.update_board(session, actor=actor, board=board, data=BoardUpdate(state="closed"))
    breakouts.close_breakouts(session, actor=actor, event=event)


def archive_or_404(session: Session, *, event_id: int) -> Archive:
    row = session.get(Archive, event_id)
    if row is None:
        raise NotFound("This event has not been frozen yet.")
    return row


def verify(session: Session, *, event_id: int | None = None) -> list[tuple[int, bool]]:
    """Recompute each event's chain of versions: (event id, every hash and link matches).

    Each version's hash must match its stored JSON, the first must replace nothing, and each
    later one's `replaces` must be the hash stored for the version before it.
    """
    query = select(Archive).order_by(col(Archive.event_id))
    if event_id is not None:
        query = query.where(Archive.event_id == event_id)
    return [(row.event_id, _chain_holds(session, row)) for row in session.exec(query)]


def _chain_holds(session: Session, row: Archive) -> bool:
    older = session.exec(
        select(ArchiveVersion)
        .where(ArchiveVersion.event_id == row.event_id)
        .order_by(col(ArchiveVersion.version))
    ).all()
    chain = [(v.version, v.document, v.sha256) for v in older]
    chain.append((row.version, row.document, row.sha256))
    previous: str | None = None
    for number, (version, text, digest) in enumerate(chain, start=1):
        if version != number or sha256(text) != digest:
            return False
        try:
            replaces = json.loads(text).get("replaces")
        except ValueError:
            return False
        if replaces != previous:
            return False
        previous = digest
    return True


@dataclass
class Record:
    """An event's document as the actor may have it: frozen (with the whole record's hash) or
    a draft; the whole record, or its public view."""

    document: Doc
    sha256: str | None
    view: View = "full"

    @property
    def draft(self) -> bool:
        return self.sha256 is None


def view_for(session: Session, *, actor: Caller, event: Event) -> View:
    """The whole record for the programme's facilitators (and admins), else the public view
    (for whoever may read the programme at all: attendees read the day as the public does)."""
    role = access.event_scope(session, event=event, actor=actor).role
    return "full" if role == "facilitator" else "public"


def record_for(session: Session, *, actor: Caller, event: Event) -> Record:
    """The frozen record as the actor may read it; before freezing, a draft for its
    facilitators only (others are told it is not archived yet)."""
    view = view_for(session, actor=actor, event=event)
    if event.status == "frozen":
        row = archive_or_404(session, event_id=event.id)
        if view == "public":
            return Record(json.loads(public_json(row)), row.sha256, view)
        return Record(json.loads(row.document), row.sha256, view)
    if view != "full":
        raise NotFound("This event has not been frozen yet.")
    return Record({**build_document(session, event=event), "draft": True}, None)


def draft_document(session: Session, *, actor: User | None, event: Event) -> Doc:
    """The document freezing would write now, for the event's facilitators."""
    require_event_reader(session, actor=actor, event=event)
    return {**build_document(session, event=event), "draft": True}


@dataclass
class Review:
    """What freezing would leave out until a facilitator decides: held cards, held notes."""

    pending_cards: list[dict[str, Any]]
    held_notes: list[dict[str, Any]]
    hidden_boards: list[Board]


def review(session: Session, *, actor: User | None, event: Event) -> Review:
    """Cards still pending (held by the guard or awaiting approval) and notes the guard holds."""
    require_event_reader(session, actor=actor, event=event)
    shown = boards.event_boards(session, event=event, include_hidden=False)
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
    every = boards.event_boards(session, event=event, include_hidden=True)
    return Review(
        pending_cards=[
            {
                "id": c.id,
                "text": c.text,
                "board": titles[c.board_id],
                "why": c.held_reason,
                "redacted": c.redacted,
            }
            for c in pending
        ],
        held_notes=[
            {"id": n.id, "text": n.text, "group": name, "why": privacy.screen(n.text)}
            for n, name in notes
            if privacy.screen(n.text)
        ],
        hidden_boards=[b for b in every if b.state == "hidden"],
    )
