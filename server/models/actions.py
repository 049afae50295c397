"""The programme's action plan: improvement projects and their dated progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from server.lib.text import CleanText
from server.models.base import Day, Filled, Id, UtcTime, json_list, now_field


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


# -- request and response schemas -------------------------------------------------------------

# The words care-home action plans use; "to commence" is where every action starts.
ActionStatus = Literal["to commence", "in progress", "done", "on hold"]
ACTION_STATUSES: tuple[str, ...] = ("to commence", "in progress", "done", "on hold")
Involve = list[Annotated[CleanText, PydanticField(min_length=1, max_length=200)]]


class ActionCreate(BaseModel):
    """An action raised for the programme, at an event when `event_id` is given."""

    title: Filled = PydanticField(max_length=300)
    owner: CleanText = PydanticField(default="", max_length=200)
    involve: Involve = PydanticField(default_factory=list, max_length=20)
    target_date: Day | None = None
    status: ActionStatus = "to commence"
    theme_id: Id | None = None
    event_id: Id | None = None


class ActionChange(BaseModel):
    """Fields left out stay as they are; `event_id` says at which event it was changed."""

    title: Filled | None = PydanticField(default=None, max_length=300)
    owner: CleanText | None = PydanticField(default=None, max_length=200)
    involve: Involve | None = PydanticField(default=None, max_length=20)
    target_date: Day | None = None
    status: ActionStatus | None = None
    event_id: Id | None = None


class ProgressCreate(BaseModel):
    """A dated progress update, optionally moving the action to a new status."""

    text: Filled = PydanticField(max_length=4000)
    status: ActionStatus | None = None
    event_id: Id | None = None


class ProgressPublic(BaseModel):
    id: int
    action_id: int
    event_id: int | None
    text: str
    status: str
    created_at: UtcTime


class ActionPublic(BaseModel):
    """An action with its updates oldest first; `overdue` is judged in the venue's time zone."""

    id: int
    programme_id: int
    event_id: int | None
    theme_id: int | None
    title: str
    owner: str
    involve: list[str]
    target_date: date | None
    status: str
    overdue: bool
    created_at: UtcTime
    updated_at: UtcTime
    updates: list[ProgressPublic]
