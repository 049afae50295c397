"""Event days, their agenda, and the per-event log every live surface follows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.lib.text import CleanText
from server.models.base import Filled, Id, Moment, UtcTime, json_list, now_field, optional_time
from server.models.boards import BoardPublic
from server.models.programmes import SLUG_PATTERN
from server.models.room import ScreenPublic, TimerPublic

EventStatus = Literal["draft", "live", "ended", "frozen"]


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("programme_id", "slug"),)

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True, ondelete="CASCADE")
    slug: str = Field(max_length=80)
    title: str = Field(max_length=200)
    venue: str = Field(default="", max_length=200)
    starts_at: datetime | None = optional_time()
    status: str = Field(default="draft", max_length=10)
    join_code: str = Field(max_length=6, unique=True)
    # The last seq handed out by the event log; bumped inside each writing transaction.
    last_seq: int = Field(default=0)
    # The most attendees connected at once, across every process; raised by the hub, never lowered.
    peak_connected: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = now_field()
    updated_at: datetime = now_field()
    started_at: datetime | None = optional_time()
    ended_at: datetime | None = optional_time()
    frozen_at: datetime | None = optional_time()
    # The session the facilitator said is on now ("Next session"); no foreign key, because the
    # agenda belongs to the event: deleting the session clears it (services/events.py).
    now_item_id: int | None = Field(default=None)


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    starts_at: datetime | None = optional_time()
    speakers: list[str] = json_list()
    description: str = Field(default="", max_length=4000)
    # The board this session uses: "Next session" opens it and puts it on the screen.
    board_id: int | None = Field(default=None, foreign_key="board.id", ondelete="SET NULL")
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class EventLog(SQLModel, table=True):
    __tablename__ = "event_log"
    __table_args__ = (UniqueConstraint("event_id", "seq"),)

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    seq: int
    type: str = Field(max_length=40)
    audience: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: datetime = now_field()


class EventLogRef(SQLModel, table=True):
    """What a log row mentions ("card:12", "board:3"), so a later row about the same thing can
    rewrite it in the same transaction (server/realtime/log.py `append`)."""

    __tablename__ = "event_log_ref"
    # Rewriting a row replaces its refs: found by (event_id, seq), not by ref.
    __table_args__ = (Index("ix_event_log_ref_event_id_seq", "event_id", "seq"),)

    event_id: int = Field(foreign_key="event.id", primary_key=True, ondelete="CASCADE")
    ref: str = Field(max_length=40, primary_key=True)
    seq: int = Field(primary_key=True)


class EventCreate(BaseModel):
    """Without `slug`, the event's address is made from its title."""

    slug: str | None = PydanticField(default=None, pattern=SLUG_PATTERN)
    title: Filled = PydanticField(max_length=200)
    starts_at: Moment | None = None
    venue: CleanText = PydanticField(default="", max_length=200)


class EventUpdate(BaseModel):
    title: Filled | None = PydanticField(default=None, max_length=200)
    starts_at: Moment | None = None
    venue: CleanText | None = PydanticField(default=None, max_length=200)


class EventPublic(BaseModel):
    id: int
    programme_id: int
    programme_slug: str
    slug: str
    title: str
    venue: str
    starts_at: UtcTime | None
    status: EventStatus
    join_code: str
    join_url: str
    created_at: UtcTime
    updated_at: UtcTime
    started_at: UtcTime | None
    ended_at: UtcTime | None
    frozen_at: UtcTime | None
    now_item_id: int | None = None


class FreezeResult(BaseModel):
    event: EventPublic
    sha256: str


class AgendaItemCreate(BaseModel):
    title: Filled = PydanticField(max_length=200)
    starts_at: Moment | None = None
    speakers: list[CleanText] = PydanticField(default_factory=list, max_length=20)
    description: CleanText = PydanticField(default="", max_length=4000)
    board_id: Id | None = None


class AgendaItemUpdate(BaseModel):
    title: Filled | None = PydanticField(default=None, max_length=200)
    starts_at: Moment | None = None
    speakers: list[CleanText] | None = PydanticField(default=None, max_length=20)
    description: CleanText | None = PydanticField(default=None, max_length=4000)
    board_id: Id | None = None


class AgendaItemPublic(BaseModel):
    id: int
    event_id: int
    title: str
    starts_at: UtcTime | None
    speakers: list[str]
    description: str
    board_id: int | None = None
    created_at: UtcTime
    updated_at: UtcTime


class NextSession(BaseModel):
    """Which session to put on; without `item_id`, the one after the session on now."""

    item_id: Id | None = None


class NextSessionPublic(BaseModel):
    """What "Next session" did: the session now on, its board opened, the timer, the screen."""

    event: EventPublic
    item: AgendaItemPublic
    board: BoardPublic | None
    timer: TimerPublic | None
    screen: ScreenPublic


class EventState(BaseModel):
    """Everything a client of the caller's role may see, as of log position `seq`."""

    seq: int
    role: str
    event: EventPublic
    agenda: list[AgendaItemPublic]
    entries: list[dict[str, Any]] = PydanticField(default_factory=list)
    boards: list[dict[str, Any]] = PydanticField(default_factory=list)
    breakouts: list[dict[str, Any]] = PydanticField(default_factory=list)
    timer: TimerPublic | None = None
    screen: ScreenPublic = PydanticField(default_factory=ScreenPublic)
