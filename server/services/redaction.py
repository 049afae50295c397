"""Redacting a frozen archive: a new version without what was named, chained to the one it
replaces.

Only an administrator redacts. The new version is the old document without the named cards,
notes and entries (and, for an attendee, without their name anywhere, and without their cards
and notes too when asked, else with their cards kept and no author on them), its figures
counted again, plus `version`, `replaces` (the SHA-256 of the version it replaces) and
`redactions`, which say what went by kind, id and reason, never the removed text. The old
version moves to `archive_version` as it was, the search index is rebuilt from the new one, and
the audit log records who did it. `glimpse verify-archive` checks the whole chain.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from sqlmodel import Session, col, select

from server.errors import Conflict, NotFound
from server.lib.timeutil import iso, utcnow
from server.models.accounts import User
from server.models.archive import (
    ArchiveVersion,
    RedactionItem,
    RedactionPublic,
    RedactionReason,
)
from server.models.attendees import Attendee
from server.models.boards import Card
from server.models.breakouts import Note
from server.models.events import Event
from server.services import archive, audit, participation, search
from server.services.access import require_admin
from server.services.archive_document import theme_tallies

Doc = dict[str, Any]
NAME_REMOVED = "[name removed]"
# Values that are words of the format, not anyone's writing.
MACHINE_KEYS = frozenset({"kind", "status", "reason", "replaces", "view", "slug"})


class NotFrozenYet(Conflict):
    code = "not_frozen"
    message = "Only a frozen event's archive can be redacted; before freezing, erase or delete."


class NotInArchive(NotFound):
    code = "not_in_archive"


def redact_archive(
    session: Session,
    *,
    actor: User | None,
    event: Event,
    items: list[RedactionItem],
    reason: RedactionReason,
    remove_content: bool = False,
) -> RedactionPublic:
    """Make the next version of a frozen event's archive without `items`; administrators only."""
    admin = require_admin(actor)
    if event.status != "frozen":
        raise NotFrozenYet()
    row = archive.archive_or_404(session, event_id=event.id)
    doc = json.loads(row.document)
    counts = _apply(session, doc, event, items, remove_content)
    version = row.version + 1
    listed = [{"kind": i.kind, "id": i.id} for i in _unique(items)]
    redaction = {"version": version, "at": iso(utcnow()), "reason": reason, "items": listed}
    doc |= {
        "version": version,
        "replaces": row.sha256,
        "redactions": [*doc.get("redactions", []), {**redaction, "counts": counts}],
    }
    text = archive.canonical_json(doc)
    session.add(
        ArchiveVersion(
            event_id=row.event_id, version=row.version, document=row.document, sha256=row.sha256
        )
    )
    replaced = row.sha256
    row.document, row.sha256, row.version = text, archive.sha256(text), version
    session.add(row)
    session.flush()
    search.reindex_document(session, event=event, document=doc)
    details = {"version": version, "reason": reason, "items": listed, "counts": counts}
    audit.record(
        session, actor=admin, action="archive.redacted", event_id=event.id, details=details
    )
    return RedactionPublic(
        event_id=event.id,
        version=version,
        sha256=row.sha256,
        replaces=replaced,
        reason=reason,
        items=_unique(items),
        counts=counts,
    )


def _unique(items: list[RedactionItem]) -> list[RedactionItem]:
    return list({(i.kind, i.id): i for i in items}.values())


def _apply(
    session: Session, doc: Doc, event: Event, items: list[RedactionItem], remove_content: bool
) -> dict[str, int]:
    """Take the items out of `doc` (checking first that each is there); what went, counted."""
    cards = {c["id"]: c for b in doc.get("boards", []) for c in b["cards"]}
    notes = {n["id"]: n for g in doc.get("breakouts", []) for n in g["notes"]}
    entries = {e["id"]: e for e in doc.get("entries", [])}
    held = {"card": cards, "note": notes, "entry": entries}
    gone: dict[str, set[int]] = {"card": set(), "note": set(), "entry": set()}
    people = []
    for item in _unique(items):
        if item.kind == "attendee":
            people.append(_attendee_or_404(session, event, item.id))
        elif item.id not in held[item.kind]:
            raise NotInArchive(f"This event's archive has no {item.kind} {item.id}.")
        else:
            gone[item.kind].add(item.id)
    counts: Counter[str] = Counter({"attendee": len(people)})
    for person in people:
        theirs = _written_by(session, person, set(cards), set(notes))
        if remove_content:
            gone["card"] |= theirs["card"]
            gone["note"] |= theirs["note"]
        else:
            for card_id in theirs["card"] - gone["card"]:
                cards[card_id]["author"] = None
                counts["cards_anonymised"] += 1
        counts["mentions"] += _scrub_name(doc, person.display_name.strip())
    _remove(doc, gone)
    counts.update({kind: len(ids) for kind, ids in gone.items()})
    _recount(doc)
    return dict(sorted(counts.items()))


def _attendee_or_404(session: Session, event: Event, attendee_id: int) -> Attendee:
    person = session.get(Attendee, attendee_id)
    if person is None or person.event_id != event.id:
        raise NotInArchive(f"No attendee {attendee_id} joined this event.")
    return person


def _written_by(
    session: Session, person: Attendee, card_ids: set[int], note_ids: set[int]
) -> dict[str, set[int]]:
    """The archived cards and notes this attendee wrote, from the live tables (the document
    itself never links an anonymous card to anyone)."""
    mine_cards = session.exec(select(Card.id).where(Card.author_attendee_id == person.id))
    mine_notes = session.exec(select(Note.id).where(col(Note.author_attendee_id) == person.id))
    return {"card": set(mine_cards) & card_ids, "note": set(mine_notes) & note_ids}


def _scrub_name(doc: Doc, name: str) -> int:
    """Replace the name wherever it stands as words, in every text of the document."""
    if len(name) < 2:
        return 0
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
    found = 0

    def scrub(value: Any) -> Any:
        nonlocal found
        if isinstance(value, str):
            new, n = pattern.subn(NAME_REMOVED, value)
            found += n
            return new
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: v if k in MACHINE_KEYS else scrub(v) for k, v in value.items()}
        return value

    for key in [k for k in doc if k not in ("redactions", "replaces")]:
        doc[key] = scrub(doc[key])
    return found


def _remove(doc: Doc, gone: dict[str, set[int]]) -> None:
    for board in doc.get("boards", []):
        board["cards"] = [c for c in board["cards"] if c["id"] not in gone["card"]]
    for group in doc.get("breakouts", []):
        group["notes"] = [n for n in group["notes"] if n["id"] not in gone["note"]]
    doc["entries"] = [e for e in doc.get("entries", []) if e["id"] not in gone["entry"]]


def _recount(doc: Doc) -> None:
    """Themes and figures counted again from what the new version holds."""
    for board in doc.get("boards", []):
        votes, cards = theme_tallies(board["cards"])
        for theme in board["themes"]:
            theme["card_votes"], theme["cards"] = votes[theme["id"]], cards[theme["id"]]
    if "participation" in doc:
        parts = (doc.get(k, []) for k in ("entries", "boards", "breakouts"))
        doc["participation"] |= participation.counts(*parts)
