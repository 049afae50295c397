"""The audit log: what administrators must be able to look back on (who, when, what kind),
never the text that was removed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from server.models.base import UtcTime, now_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    at: datetime = now_field()
    actor_user_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    # "archive.redacted", "attendee.erased", ...
    action: str = Field(max_length=40, index=True)
    event_id: int | None = Field(default=None, foreign_key="event.id", ondelete="SET NULL")
    # Kinds, ids and counts only: services.audit.record refuses anything else.
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)


class AuditEntryPublic(BaseModel):
    id: int
    at: UtcTime
    actor_user_id: int | None
    action: str
    event_id: int | None
    details: dict[str, Any]
