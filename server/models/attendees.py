"""Pseudonymous attendees of one event: no account, a random token in a cookie."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from server.lib.text import CleanText
from server.models.base import UtcTime, now_field, optional_time


class Attendee(SQLModel, table=True):
    __tablename__ = "attendee"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=80)
    organisation: str = Field(default="", max_length=120)
    created_at: datetime = now_field()
    last_seen_at: datetime | None = optional_time()


class JoinRequest(BaseModel):
    code: str = PydanticField(min_length=1, max_length=20)
    display_name: CleanText = PydanticField(default="", max_length=80)
    organisation: CleanText = PydanticField(default="", max_length=120)


class AttendeePublic(BaseModel):
    id: int
    display_name: str


class JoinResponse(BaseModel):
    attendee: AttendeePublic
    event_id: int
    token: str


class AttendeeSummary(BaseModel):
    """An attendee as the event's facilitators see them, to answer an erasure request."""

    id: int
    display_name: str
    organisation: str
    cards: int
    notes: int
    created_at: UtcTime


class ErasureRequest(BaseModel):
    """`delete` takes their cards off the boards; `anonymise` keeps them with no author."""

    cards: Literal["delete", "anonymise"] = "anonymise"


class ErasedPublic(BaseModel):
    attendee_id: int
    cards_deleted: int
    cards_anonymised: int
    notes_deleted: int
    votes_removed: int
    seats_left: int
