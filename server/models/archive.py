"""The frozen record of an event (one canonical JSON document and its SHA-256), the versions a
redaction replaced, and its search index."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from server.models.base import now_field


class Archive(SQLModel, table=True):
    __tablename__ = "archive"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    document: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    frozen_at: datetime = now_field()
    # 1 at freezing; each redaction moves the row it replaces into archive_version and adds 1.
    version: int = Field(default=1)


class ArchiveVersion(SQLModel, table=True):
    """A version a redaction replaced, kept as it was so `verify-archive` can check the chain."""

    __tablename__ = "archive_version"

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    version: int = Field(primary_key=True)
    document: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    replaced_at: datetime = now_field()


class SearchEntry(SQLModel, table=True):
    """One searchable piece of a frozen event, copied from its archive document at freezing.

    The full-text index over `text` lives beside it and outside the metadata: an FTS5 virtual
    table on SQLite, a GIN expression index on PostgreSQL (see the migration).
    """

    __tablename__ = "search_entry"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True, ondelete="CASCADE")
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=10)
    ref_id: int
    # Where the piece sits on the summary page: its session, board, group or action.
    place: str = Field(default="", max_length=300)
    text: str = Field(sa_type=Text)
    # False for what only the programme's facilitators could read (held, hidden, unshared).
    public: bool = Field(default=True)


# Made by the migration with SQL the metadata cannot express; schema comparisons skip them.
SEARCH_FTS_TABLE = "search_fts"
SEARCH_GIN_INDEX = "ix_search_entry_tsv"


def outside_metadata(name: str | None, type_: str) -> bool:
    """True for the full-text objects (and FTS5's shadow tables) the models do not describe."""
    if name is None:
        return False
    if type_ == "table":
        return name == SEARCH_FTS_TABLE or name.startswith(f"{SEARCH_FTS_TABLE}_")
    return type_ == "index" and name == SEARCH_GIN_INDEX


class SearchHit(BaseModel):
    """One match: what and where it is, a link into the summary, and a highlighted snippet.

    `snippet_html` is safe to insert as HTML: the text is escaped before matches are wrapped
    in <mark>.
    """

    kind: str
    ref_id: int
    event_id: int
    event_slug: str
    event_title: str
    place: str
    url: str
    snippet_html: str


class SearchResults(BaseModel):
    query: str
    programme: str
    hits: list[SearchHit]


# -- redacting a frozen archive ------------------------------------------------------------------

RedactionKind = Literal["card", "note", "entry", "attendee"]
RedactionReason = Literal[
    "personal_data", "consent_withdrawn", "safeguarding", "legal", "inaccurate", "other"
]


class RedactionItem(BaseModel):
    kind: RedactionKind
    id: int


class RedactionCreate(BaseModel):
    """What to take out of the archive and why. An attendee's name goes everywhere; their cards
    and notes go too with `remove_content`, else their cards stay, with no author."""

    items: list[RedactionItem] = PydanticField(min_length=1, max_length=500)
    reason: RedactionReason
    remove_content: bool = False


class RedactionPublic(BaseModel):
    """The new current version: its hash, the hash of the version it replaces, and what went
    (kinds, ids and counts; never the removed text)."""

    event_id: int
    version: int
    sha256: str
    replaces: str
    reason: RedactionReason
    items: list[RedactionItem]
    counts: dict[str, int]
