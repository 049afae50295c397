"""The frozen record of an event: one canonical JSON document and its SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from server.models.base import now_field


class Archive(SQLModel, table=True):
    __tablename__ = "archive"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    document: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    frozen_at: datetime = now_field()
