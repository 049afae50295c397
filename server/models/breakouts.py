"""Breakout groups, who is in them, and their shared notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.models.base import now_field, optional_time


class Breakout(SQLModel, table=True):
    __tablename__ = "breakout"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    prompt: str = Field(default="", max_length=500)
    cap: int | None = Field(default=None)
    state: str = Field(default="open", max_length=10)
    shared: bool = Field(default=False)
    created_at: datetime = now_field()


class BreakoutMember(SQLModel, table=True):
    __tablename__ = "breakout_member"

    breakout_id: int = Field(foreign_key="breakout.id", primary_key=True, ondelete="CASCADE")
    attendee_id: int = Field(foreign_key="attendee.id", primary_key=True, ondelete="CASCADE")
    joined_at: datetime = now_field()


class Note(SQLModel, table=True):
    __tablename__ = "note"
    __table_args__ = (UniqueConstraint("breakout_id", "client_id"),)

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True, ondelete="CASCADE")
    client_id: str = Field(max_length=64)
    text: str = Field(max_length=2000)
    version: int = Field(default=1)
    author_attendee_id: int | None = Field(
        default=None, foreign_key="attendee.id", ondelete="SET NULL"
    )
    author_user_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    deleted_at: datetime | None = optional_time()
