"""The programme's action plan: improvement projects and their dated progress."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from server.models.base import json_list, now_field


class Action(SQLModel, table=True):
    __tablename__ = "action"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True, ondelete="CASCADE")
    event_id: int | None = Field(default=None, foreign_key="event.id", ondelete="SET NULL")
    theme_id: int | None = Field(default=None, foreign_key="theme.id", ondelete="SET NULL")
    title: str = Field(max_length=300)
    owner: str = Field(default="", max_length=200)
    involve: list[str] = json_list()
    target_date: date | None = Field(default=None)
    status: str = Field(default="to commence", max_length=30)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class ActionUpdate(SQLModel, table=True):
    __tablename__ = "action_update"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    event_id: int | None = Field(default=None, foreign_key="event.id", ondelete="SET NULL")
    text: str = Field(sa_type=Text)
    status: str = Field(default="", max_length=30)
    created_at: datetime = now_field()
