"""The audit log for administrators: who did what to which event, and how much.

Any service that removes people's words (a redaction of a frozen archive, an attendee's erasure)
records it here in its own transaction. Details hold kinds, ids, counts and category names,
never text: `record` refuses a string that is not a short lowercase word, so removed words
cannot reach the log by accident.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from server.models.accounts import User
from server.models.audit import AuditEntry, AuditEntryPublic
from server.services.access import require_admin

# A kind, an action or a reason category ("card", "archive.redacted", "personal_data").
WORD = re.compile(r"[a-z][a-z0-9_.]{0,39}")
LIMIT = 200


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    event_id: int | None,
    details: dict[str, Any],
) -> AuditEntry:
    """Add one entry; `details` may nest dicts and lists of ints, bools and short words."""
    _check(action)
    _check(details)
    entry = AuditEntry(
        actor_user_id=actor.id if actor is not None else None,
        action=action,
        event_id=event_id,
        details=details,
    )
    session.add(entry)
    session.flush()
    return entry


def _check(value: Any) -> None:
    if isinstance(value, bool | int) or value is None:
        return
    if isinstance(value, str):
        if not WORD.fullmatch(value):
            raise ValueError("Audit details hold kinds, ids and counts, never free text.")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)
        return
    if isinstance(value, list):
        for item in value:
            _check(item)
        return
    raise ValueError(f"Audit details cannot hold a {type(value).__name__}.")


def entries(
    session: Session, *, actor: User | None, event_id: int | None = None, limit: int = LIMIT
) -> list[AuditEntryPublic]:
    """The newest entries first, for administrators only."""
    require_admin(actor)
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    return [AuditEntryPublic.model_validate(e, from_attributes=True) for e in session.exec(query)]
