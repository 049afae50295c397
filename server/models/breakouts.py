"""Breakout groups, who is in them, and their shared notes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, StrictBool
from pydantic import Field as PydanticField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.lib.text import CleanText
from server.models.base import (
    MAX_ID,
    Filled,
    Id,
    UtcTime,
    Whole,
    now_field,
    optional_time,
    whole_number,
)
from server.models.boards import CardPublic


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


# -- request and response schemas -------------------------------------------------------------

BreakoutState = Literal["open", "closed"]
AssignStrategy = Literal["balanced", "self"]
# Enough for the largest table plan; the cap only limits attendees picking a group themselves.
CAP_MAX = 500
Cap = Annotated[int, PydanticField(ge=1, le=CAP_MAX), BeforeValidator(whole_number)]


class BreakoutCreate(BaseModel):
    name: Filled = PydanticField(max_length=120)
    prompt: CleanText = PydanticField(default="", max_length=500)
    cap: Cap | None = None


class BreakoutUpdate(BaseModel):
    """Fields left out stay as they are; `cap: null` lifts the cap; `shared` opens the notes."""

    name: Filled | None = PydanticField(default=None, max_length=120)
    prompt: CleanText | None = PydanticField(default=None, max_length=500)
    cap: Cap | None = None
    state: BreakoutState | None = None
    shared: StrictBool | None = None


class AssignRequest(BaseModel):
    """`balanced`: spread everyone evenly now; `self`: release everyone to pick on their phone."""

    strategy: AssignStrategy
    cap: Cap | None = None


class MemberAdd(BaseModel):
    attendee_id: Id


class NoteCreate(BaseModel):
    client_id: str = PydanticField(min_length=1, max_length=64)
    # Generous here; the service enforces the real limit (after stripping) with a clear message.
    text: Filled = PydanticField(max_length=5000)


class NoteUpdate(BaseModel):
    """`version` is the one the writer started from; a stale one answers 409 with the current."""

    text: Filled = PydanticField(max_length=5000)
    version: Whole = PydanticField(ge=1, le=MAX_ID)


class NoteAuthor(BaseModel):
    id: int
    display_name: str
    kind: Literal["attendee", "facilitator"]


class NotePublic(BaseModel):
    """A note as one viewer sees it: `held_reason` is shown to facilitators only."""

    id: int
    breakout_id: int
    client_id: str
    text: str
    version: int
    author: NoteAuthor | None
    held_reason: str | None = None
    created_at: UtcTime
    updated_at: UtcTime


class MemberPublic(BaseModel):
    id: int
    display_name: str


class BreakoutPublic(BaseModel):
    """A group with the members and notes the viewer may see (public followers see no names)."""

    id: int
    event_id: int
    name: str
    prompt: str
    cap: int | None
    state: BreakoutState
    shared: bool
    created_at: UtcTime
    member_count: int
    members: list[MemberPublic]
    notes: list[NotePublic]


class NoteChoice(BaseModel):
    """Which notes of the group to report back; all of them when left out."""

    note_ids: list[Id] | None = PydanticField(default=None, max_length=200)


class ToBoard(NoteChoice):
    board_id: Id


class ToBoardResult(BaseModel):
    board_id: int
    cards: list[CardPublic]
