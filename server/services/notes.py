"""A breakout group's shared notes: written by its members (or a facilitator), edited with a
version so two phones never overwrite each other unseen, and read-only once the group closes.

Notes are logged to the group's own audience (`group:<id>`) until the facilitator shares the
group; from then on to everyone, and server/realtime/breakouts.py keeps back from non-members
any note that looks like personal data.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from server.db import insert_once
from server.errors import BadInput, Conflict, Forbidden, NotFound, NotSignedIn
from server.lib.text import clean
from server.lib.timeutil import utcnow
from server.models.breakouts import Breakout, Note, NoteCreate, NoteUpdate
from server.realtime import log
from server.realtime.audience import Scope
from server.realtime.breakouts import SHARED_KEY, note_for
from server.services import breakouts
from server.services.access import Caller, require_event_assistant, require_not_frozen

# A card holds 500 characters; the same limit lets any note become a card.
NOTE_TEXT_MAX = 500


class StaleVersion(Conflict):
    """Someone saved the note since this writer loaded it; `details.current` is the note now."""

    code = "stale_version"
    message = "Someone else changed this note while you were editing it."

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__(details={"current": current})


def note_or_404(session: Session, *, note_id: int) -> Note:
    note = session.get(Note, note_id)
    if note is None:
        raise NotFound("No note has that id.")
    return note


def _writer(session: Session, breakout: Breakout, actor: Caller, note: Note | None = None) -> Scope:
    """A facilitator, or a member of this group; the event not frozen. A note the actor may
    not see answers as one that does not exist."""
    event = breakouts.event_of(session, breakout=breakout)
    scope = breakouts.viewer_scope(session, event=event, actor=actor)
    if scope.role != "facilitator" and breakout.id not in scope.groups:
        if actor.user is None and actor.attendee is None:
            raise NotSignedIn("Join the event first.")
        if note is not None:
            shown = note_for(scope, breakouts.notes_full(session, notes=[note])[0], breakout.shared)
            if shown is None or note.deleted_at is not None:
                raise NotFound("No note has that id.")
        raise Forbidden("Only this group's members and facilitators can write its notes.")
    if scope.role == "facilitator":
        require_event_assistant(session, actor=actor.user, event=event)
    require_not_frozen(event)
    return scope


def _writable(breakout: Breakout) -> None:
    if breakout.state != "open":
        raise breakouts.BreakoutsClosed()


def _clean_text(text: str) -> str:
    text = clean(text).strip()
    if not text:
        raise BadInput("Write something in the note first.")
    if len(text) > NOTE_TEXT_MAX:
        raise BadInput(f"A note holds at most {NOTE_TEXT_MAX} characters.")
    return text


def _is_author(note: Note, actor: Caller) -> bool:
    by_attendee = actor.attendee is not None and note.author_attendee_id == actor.attendee.id
    by_user = actor.user is not None and note.author_user_id == actor.user.id
    return by_attendee or by_user


def log_note(session: Session, *, breakout: Breakout, note: Note, type: str) -> None:
    """To the group, or to everyone once it is shared (projections hold back personal data)."""
    audience = log.PUBLIC if breakout.shared else log.group(breakout.id)
    if type == "note.deleted":
        payload: dict[str, Any] = {"id": note.id, "breakout_id": breakout.id}
    else:
        payload = {**breakouts.notes_full(session, notes=[note])[0], SHARED_KEY: breakout.shared}
    log.append(session, event_id=breakout.event_id, type=type, audience=audience, payload=payload)


def note_as_seen(session: Session, *, note: Note, actor: Caller) -> dict[str, Any]:
    """The note as the actor sees it; 404 if they may not see it."""
    breakout = breakouts.breakout_or_404(session, breakout_id=note.breakout_id)
    scope = breakouts.viewer_scope(
        session, event=breakouts.event_of(session, breakout=breakout), actor=actor
    )
    shown = note_for(scope, breakouts.notes_full(session, notes=[note])[0], breakout.shared)
    if shown is None or note.deleted_at is not None:
        raise NotFound("No note has that id.")
    return shown[1]


def create_note(
    session: Session, *, actor: Caller, breakout: Breakout, data: NoteCreate
) -> tuple[Note, bool]:
    """Add a note; a client_id seen before in this group answers with that note (False)."""
    scope = _writer(session, breakout, actor)
    seen = _by_client_id(session, breakout, data.client_id, actor)
    if seen is not None:
        return seen, False
    _writable(breakout)
    by_attendee = scope.role == "attendee" and actor.attendee is not None
    note = Note(
        breakout_id=breakout.id,
        client_id=data.client_id,
        text=_clean_text(data.text),
        author_attendee_id=actor.attendee.id if by_attendee and actor.attendee else None,
        author_user_id=actor.user.id if not by_attendee and actor.user else None,
    )
    note, created = insert_once(
        session, note, lambda: _by_client_id(session, breakout, data.client_id, actor)
    )
    if created:
        log_note(session, breakout=breakout, note=note, type="note.created")
    return note, created


def _by_client_id(
    session: Session, breakout: Breakout, client_id: str, actor: Caller
) -> Note | None:
    note = session.exec(
        select(Note).where(Note.breakout_id == breakout.id, Note.client_id == client_id)
    ).first()
    if note is not None and not _is_author(note, actor):
        raise Conflict("That client_id is already used in this group.")
    return note


def update_note(session: Session, *, actor: Caller, note: Note, data: NoteUpdate) -> Note:
    """Change a note's text, if `version` is still the note's; else 409 with the current note."""
    breakout = breakouts.breakout_or_404(session, breakout_id=note.breakout_id)
    _writer(session, breakout, actor, note)
    # Re-read under a row lock: two saves from the same version must not both succeed.
    session.refresh(note, with_for_update=True)
    if note.deleted_at is not None:
        raise NotFound("That note was deleted.")
    _writable(breakout)
    text = _clean_text(data.text)
    if data.version != note.version:
        raise StaleVersion(note_as_seen(session, note=note, actor=actor))
    if text == note.text:
        return note
    note.text = text
    note.version += 1
    note.updated_at = utcnow()
    session.add(note)
    session.flush()
    log_note(session, breakout=breakout, note=note, type="note.updated")
    return note


def delete_note(session: Session, *, actor: Caller, note: Note) -> None:
    """Take a note out of its group (any member, or a facilitator); deleting twice is fine."""
    breakout = breakouts.breakout_or_404(session, breakout_id=note.breakout_id)
    _writer(session, breakout, actor, note)
    if note.deleted_at is not None:
        return
    _writable(breakout)
    note.deleted_at = utcnow()
    note.version += 1
    session.add(note)
    session.flush()
    log_note(session, breakout=breakout, note=note, type="note.deleted")


def group_notes(session: Session, *, breakout: Breakout, note_ids: list[int] | None) -> list[Note]:
    """The group's notes, oldest first; only those named, when `note_ids` is given."""
    notes = [
        n
        for n in session.exec(select(Note).where(Note.breakout_id == breakout.id)).all()
        if n.deleted_at is None and (note_ids is None or n.id in note_ids)
    ]
    if note_ids is not None and len(notes) != len(set(note_ids)):
        raise BadInput("Some of those notes are not in this group.")
    if not notes:
        raise BadInput("This group has no notes to report back yet.")
    return sorted(notes, key=lambda n: (n.created_at, n.id))
