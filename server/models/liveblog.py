"""Live-blog entries, their edit history and images."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, StrictBool
from pydantic import Field as PydanticField
from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.lib.text import CleanText
from server.models.base import Id, Said, UtcTime, now_field, optional_time


class Entry(SQLModel, table=True):
    __tablename__ = "entry"
    __table_args__ = (UniqueConstraint("event_id", "client_id"),)

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    agenda_item_id: int | None = Field(
        default=None, foreign_key="agenda_item.id", ondelete="SET NULL"
    )
    client_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(default="update", max_length=20)
    body: str = Field(sa_type=Text)
    html: str = Field(sa_type=Text)
    attribution: str = Field(default="", max_length=200)
    pinned: bool = Field(default=False)
    correction_note: str = Field(default="", max_length=500)
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    deleted_at: datetime | None = optional_time()


class EntryRevision(SQLModel, table=True):
    __tablename__ = "entry_revision"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_type=Text)
    editor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = now_field()


class EntryImage(SQLModel, table=True):
    __tablename__ = "entry_image"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="entry.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=100, unique=True)
    content_type: str = Field(max_length=40)
    size: int
    width: int = Field(default=0)
    height: int = Field(default=0)
    created_at: datetime = now_field()


EntryKind = Literal["update", "quote", "key_moment"]


class EntryCreate(BaseModel):
    body: Said = PydanticField(max_length=20000)
    kind: EntryKind = "update"
    attribution: CleanText = PydanticField(default="", max_length=200)
    agenda_item_id: Id | None = None
    pinned: StrictBool = False
    client_id: str | None = PydanticField(default=None, max_length=64)
    # An entry that looks like personal data is refused (422 looks_personal) unless this is set.
    confirm_personal: StrictBool = False


class Correction(BaseModel):
    """An edit marked as a correction carries a note of what changed, shown to readers."""

    is_correction: StrictBool = False
    note: CleanText = PydanticField(default="", max_length=500)


class EntryUpdate(BaseModel):
    """Fields left out stay as they are; `agenda_item_id: null` detaches the entry."""

    body: Said | None = PydanticField(default=None, max_length=20000)
    kind: EntryKind | None = None
    attribution: CleanText | None = PydanticField(default=None, max_length=200)
    pinned: StrictBool | None = None
    agenda_item_id: Id | None = None
    correction: Correction | None = None
    confirm_personal: StrictBool = False


class EntryPreview(BaseModel):
    body: CleanText = PydanticField(max_length=20000)


class PreviewHtml(BaseModel):
    html: str
    # Why the body would be refused without `confirm_personal` ("looks like a postcode"), or "".
    privacy_warning: str = ""


class EntryPublic(BaseModel):
    """`updated_at` moves only when the words change (not on pin or move); `edited` says so."""

    id: int
    event_id: int
    agenda_item_id: int | None
    kind: str
    body: str
    html: str
    attribution: str
    pinned: bool
    correction_note: str
    edited: bool
    created_at: UtcTime
    updated_at: UtcTime


class EntryPage(BaseModel):
    """A page of entries; pass `next_before` back as `before` for the next older page."""

    seq: int
    entries: list[EntryPublic]
    deleted: list[int] = PydanticField(default_factory=list)
    next_before: str | None = None


class EntryRevisionPublic(BaseModel):
    """A body an entry had before an edit, and who replaced it when."""

    id: int
    entry_id: int
    body: str
    html: str
    editor_id: int | None
    created_at: UtcTime


class EntryImagePublic(BaseModel):
    id: int
    entry_id: int
    url: str
    content_type: str
    size: int
    width: int
    height: int
    markdown: str
