"""The live blog: entries a facilitator posts through the day, their edits, pictures and pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.errors import BadInput, NotFound
from server.lib import images, markdown
from server.lib.timeutil import as_utc, utcnow
from server.models.accounts import User
from server.models.events import AgendaItem, Event
from server.models.liveblog import (
    Entry,
    EntryCreate,
    EntryImage,
    EntryPublic,
    EntryRevision,
    EntryRevisionPublic,
    EntryUpdate,
    PreviewHtml,
)
from server.realtime import log
from server.services import privacy
from server.services.access import (
    require_event_assistant,
    require_event_reader,
    require_not_frozen,
)

MAX_BODY = 20000


def entry_public(entry: Entry) -> EntryPublic:
    return EntryPublic.model_validate(
        {**entry.model_dump(), "edited": as_utc(entry.updated_at) != as_utc(entry.created_at)}
    )


def media_url(filename: str) -> str:
    return f"/media/{filename}"


def entry_or_404(session: Session, *, entry_id: int) -> Entry:
    """A standing entry; a deleted one is gone for every door."""
    entry = session.get(Entry, entry_id)
    if entry is None or entry.deleted_at is not None:
        raise NotFound("No entry has that id.")
    return entry


def entries(session: Session, *, event: Event) -> list[Entry]:
    """The entries still standing, pinned first, newest first."""
    return list(
        session.exec(
            select(Entry)
            .where(Entry.event_id == event.id, col(Entry.deleted_at).is_(None))
            .order_by(col(Entry.pinned).desc(), col(Entry.created_at).desc(), col(Entry.id).desc())
        )
    )


# -- writing ----------------------------------------------------------------------------------


def create_entry(session: Session, *, actor: User | None, event: Event, data: EntryCreate) -> Entry:
    """Post an entry: Markdown stored, sanitised HTML rendered once; same client_id, same entry."""
    return create_entry_once(session, actor=actor, event=event, data=data)[0]


def create_entry_once(
    session: Session, *, actor: User | None, event: Event, data: EntryCreate
) -> tuple[Entry, bool]:
    """Post an entry; (entry, False) when its client_id was seen before on this event."""
    user = require_event_assistant(session, actor=actor, event=event)
    require_not_frozen(event)
    seen = _by_client_id(session, event, data.client_id)
    if seen is not None:
        return seen, False
    _check_item(session, event, data.agenda_item_id)
    privacy.check_entry(_words(data.body, data.attribution), confirmed=data.confirm_personal)
    now = utcnow()
    entry = Entry(
        event_id=event.id,
        author_id=user.id,
        html=markdown.render(data.body),
        created_at=now,
        updated_at=now,
        **data.model_dump(exclude={"confirm_personal"}) | {"client_id": data.client_id or None},
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        # A retry raced its first try and lost the insert: answer with the winner.
        seen = _by_client_id(session, event, data.client_id)
        if seen is None:
            raise
        return seen, False
    _log(session, entry, "entry.created")
    return entry, True


def update_entry(session: Session, *, actor: User | None, entry: Entry, data: EntryUpdate) -> Entry:
    """Edit, pin, move or correct an entry; a changed body keeps the old one as a revision."""
    event = _event_of(session, entry)
    user = require_event_assistant(session, actor=actor, event=event)
    require_not_frozen(event)
    changes = data.model_dump(exclude_unset=True)
    if "agenda_item_id" in changes:
        _check_item(session, event, data.agenda_item_id)
        entry.agenda_item_id = data.agenda_item_id
    if data.pinned is not None:
        entry.pinned = data.pinned
    if _edit_words(session, entry, data, user):
        entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    _log(session, entry, "entry.updated")
    return entry


def _edit_words(session: Session, entry: Entry, data: EntryUpdate, user: User) -> bool:
    """Apply body, kind, attribution and correction; whether readers should see "Updated"."""
    if data.body is not None or data.attribution is not None:
        words = _words(data.body or entry.body, data.attribution or entry.attribution)
        if words != _words(entry.body, entry.attribution):
            privacy.check_entry(words, confirmed=data.confirm_personal)
    changed = False
    if data.body is not None and data.body != entry.body:
        session.add(EntryRevision(entry_id=entry.id, body=entry.body, editor_id=user.id))
        entry.body, entry.html = data.body, markdown.render(data.body)
        changed = True
    for field in ("kind", "attribution"):
        value = getattr(data, field)
        if value is not None and value != getattr(entry, field):
            setattr(entry, field, value)
            changed = True
    if data.correction is not None and data.correction.is_correction:
        note = " ".join(data.correction.note.split())
        if not note:
            raise BadInput("Say what the correction changed.")
        entry.correction_note = note
        changed = True
    return changed


def _words(body: str, attribution: str) -> str:
    """What the guard reads of an entry: its body and whom it quotes."""
    return f"{body}\n{attribution}"


def delete_entry(session: Session, *, actor: User | None, entry: Entry) -> None:
    """Take an entry down; the row stays as a tombstone for feeds and paging."""
    event = _event_of(session, entry)
    require_event_assistant(session, actor=actor, event=event)
    require_not_frozen(event)
    _take_down(session, entry)


def follow_card_consent(session: Session, *, card_id: int, text: bool, name: bool) -> None:
    """A quote of a card on the blog keeps to its author's consent: without text consent it is
    taken down, without name consent it names nobody. Called by cards.set_consent only."""
    quote = session.exec(
        select(Entry).where(Entry.client_id == f"card-{card_id}", col(Entry.deleted_at).is_(None))
    ).first()
    if quote is None:
        return
    if not text:
        _take_down(session, quote)
    elif not name and quote.attribution:
        quote.attribution, quote.updated_at = "", utcnow()
        session.add(quote)
        session.flush()
        _log(session, quote, "entry.updated")


def _take_down(session: Session, entry: Entry) -> None:
    entry.deleted_at = utcnow()
    session.add(entry)
    session.flush()
    log.append(
        session,
        event_id=entry.event_id,
        type="entry.deleted",
        audience=log.PUBLIC,
        payload={"id": entry.id},
    )


class AltRequired(BadInput):
    code = "alt_required"
    message = (
        "Describe the picture for people who cannot see it (alt), "
        "or say it is decorative (decorative=true)."
    )


@dataclass(frozen=True)
class Upload:
    data: bytes
    alt: str = ""
    append: bool = True
    # A picture with no description must be said to be decorative: never `alt=""` by omission.
    decorative: bool = False


def add_image(
    session: Session,
    *,
    actor: User | None,
    entry: Entry,
    upload: Upload,
    media_dir: Path,
    max_bytes: int,
) -> EntryImage:
    """Attach a picture, cleaned of metadata; by default it is shown at the end of the entry."""
    event = _event_of(session, entry)
    require_event_assistant(session, actor=actor, event=event)
    require_not_frozen(event)
    # Checked before anything is written: the Markdown line is at most twice the alt text (escaped)
    # plus the URL.
    if upload.append and len(entry.body) + 2 * len(upload.alt) + 80 > MAX_BODY:
        raise BadInput("The entry is too long to add another picture.")
    picture = images.clean(upload.data, max_bytes=max_bytes)
    if not upload.alt.strip() and not upload.decorative:
        raise AltRequired()
    filename = images.store(media_dir, picture)
    image = EntryImage(
        entry_id=entry.id,
        filename=filename,
        content_type=picture.kind.content_type,
        size=len(picture.data),
        width=picture.width,
        height=picture.height,
    )
    session.add(image)
    if upload.append:
        # Attaching is part of posting, not an edit: no revision, no "Updated" label.
        body = f"{entry.body.rstrip()}\n\n{image_markdown(image, upload.alt)}"
        entry.body, entry.html = body, markdown.render(body)
        session.add(entry)
    session.flush()
    if upload.append:
        _log(session, entry, "entry.updated")
    return image


def image_markdown(image: EntryImage, alt: str) -> str:
    text = " ".join(alt.split())[:200]
    text = re.sub(r"([\\\[\]])", r"\\\1", text)
    return f"![{text}]({media_url(image.filename)})"


def preview(session: Session, *, actor: User | None, event: Event, body: str) -> PreviewHtml:
    """The HTML an entry with this body would show (the very same renderer as posting), and
    what the privacy guard would say of it, so the composer can warn before posting."""
    require_event_assistant(session, actor=actor, event=event)
    return PreviewHtml(html=markdown.render(body), privacy_warning=privacy.screen(body))


def revisions(session: Session, *, actor: User | None, entry: Entry) -> list[EntryRevision]:
    """The bodies an entry had before each edit, newest first, for its facilitators."""
    require_event_reader(session, actor=actor, event=_event_of(session, entry))
    return list(
        session.exec(
            select(EntryRevision)
            .where(EntryRevision.entry_id == entry.id)
            .order_by(col(EntryRevision.created_at).desc(), col(EntryRevision.id).desc())
        )
    )


def revision_public(revision: EntryRevision) -> EntryRevisionPublic:
    return EntryRevisionPublic.model_validate(
        {**revision.model_dump(), "html": markdown.render(revision.body)}
    )


def _event_of(session: Session, entry: Entry) -> Event:
    event = session.get(Event, entry.event_id)
    assert event is not None
    return event


def _by_client_id(session: Session, event: Event, client_id: str | None) -> Entry | None:
    if not client_id:
        return None
    return session.exec(
        select(Entry).where(Entry.event_id == event.id, Entry.client_id == client_id)
    ).first()


def _check_item(session: Session, event: Event, item_id: int | None) -> None:
    if item_id is None:
        return
    item = session.get(AgendaItem, item_id)
    if item is None or item.event_id != event.id:
        raise BadInput("That agenda item is not part of this event.")


def _log(session: Session, entry: Entry, type: str) -> None:
    log.append(
        session,
        event_id=entry.event_id,
        type=type,
        audience=log.PUBLIC,
        payload=entry_public(entry).model_dump(mode="json"),
    )
