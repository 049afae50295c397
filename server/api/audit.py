"""JSON API for the audit log (administrators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from server.api.deps import Actor, DbSession
from server.models.audit import AuditEntryPublic
from server.services import audit

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit")
def audit_log(
    session: DbSession,
    actor: Actor,
    event_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=audit.LIMIT)] = audit.LIMIT,
) -> list[AuditEntryPublic]:
    """Redactions and erasures, newest first: who, when, what kind and how many; no text."""
    return audit.entries(session, actor=actor, event_id=event_id, limit=limit)
