"""Boards of cards, their themes and dot votes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, StrictBool
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.lib.text import CleanText
from server.models.base import Filled, Id, UtcTime, Whole, json_list, now_field, whole_number


class Board(SQLModel, table=True):
    __tablename__ = "board"
    __table_args__ = (
        CheckConstraint("(event_id IS NULL) <> (programme_id IS NULL)", name="one_owner"),
    )

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    event_id: int | None = Field(
        default=None, foreign_key="event.id", index=True, ondelete="CASCADE"
    )
    programme_id: int | None = Field(
        default=None, foreign_key="programme.id", index=True, ondelete="CASCADE"
    )
    title: str = Field(max_length=200)
    prompt: str = Field(default="", max_length=500)
    columns: list[str] = json_list()
    state: str = Field(default="open", max_length=10)
    moderation: str = Field(default="post", max_length=10)
    votes_per_attendee: int = Field(default=0)
    anonymous_allowed: bool = Field(default=True)
    # The session screen shows only cards whose authors let their words be public; by default it
    # shows what the room sees.
    screen_public_only: bool = Field(default=False)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class Theme(SQLModel, table=True):
    __tablename__ = "theme"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    created_at: datetime = now_field()


class Card(SQLModel, table=True):
    __tablename__ = "card"
    __table_args__ = (UniqueConstraint("board_id", "client_id"),)

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    board_id: int = Field(foreign_key="board.id", index=True, ondelete="CASCADE")
    client_id: str = Field(max_length=64)
    text: str = Field(max_length=1000)
    column: str = Field(default="", max_length=80)
    status: str = Field(default="visible", max_length=10)
    held_reason: str = Field(default="", max_length=200)
    author_attendee_id: int | None = Field(
        default=None, foreign_key="attendee.id", ondelete="SET NULL"
    )
    author_user_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    anonymous: bool = Field(default=False)
    # The author's consents, apart: their words on public surfaces, their name beside them.
    # Enforced only by server/realtime/projections.py and server/services/archive_public.py.
    text_consent: bool = Field(default=False)
    name_consent: bool = Field(default=False)
    theme_id: int | None = Field(default=None, foreign_key="theme.id", ondelete="SET NULL")
    spotlight: bool = Field(default=False)
    # A facilitator took words out (server/services/card_redaction.py); its author is told.
    redacted: bool = Field(default=False)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class CardVote(SQLModel, table=True):
    __tablename__ = "card_vote"

    card_id: int = Field(foreign_key="card.id", primary_key=True, ondelete="CASCADE")
    attendee_id: int = Field(foreign_key="attendee.id", primary_key=True, ondelete="CASCADE")
    count: int = Field(default=0)


class ThemeVote(SQLModel, table=True):
    __tablename__ = "theme_vote"

    theme_id: int = Field(foreign_key="theme.id", primary_key=True, ondelete="CASCADE")
    attendee_id: int = Field(foreign_key="attendee.id", primary_key=True, ondelete="CASCADE")
    count: int = Field(default=0)


Votes = Annotated[int, PydanticField(ge=0, le=50), BeforeValidator(whole_number)]


class BoardCreate(BaseModel):
    title: Filled = PydanticField(max_length=200)
    prompt: CleanText = PydanticField(default="", max_length=500)
    columns: list[CleanText] = PydanticField(default_factory=list, max_length=8)
    moderation: Literal["post", "pre"] = "post"
    votes_per_attendee: Whole = PydanticField(default=0, ge=0, le=50)
    anonymous_allowed: StrictBool = True
    screen_public_only: StrictBool = False


BoardState = Literal["open", "closed", "hidden"]
CardStatus = Literal["visible", "pending", "hidden"]


class BoardUpdate(BaseModel):
    title: Filled | None = PydanticField(default=None, max_length=200)
    prompt: CleanText | None = PydanticField(default=None, max_length=500)
    columns: list[CleanText] | None = PydanticField(default=None, max_length=8)
    state: BoardState | None = None
    moderation: Literal["post", "pre"] | None = None
    votes_per_attendee: Votes | None = None
    anonymous_allowed: StrictBool | None = None
    screen_public_only: StrictBool | None = None


class BoardPublic(BaseModel):
    id: int
    event_id: int | None
    programme_id: int | None
    title: str
    prompt: str
    columns: list[str]
    state: str
    moderation: str
    votes_per_attendee: int
    anonymous_allowed: bool
    screen_public_only: bool = False
    created_at: UtcTime
    updated_at: UtcTime


class CardCreate(BaseModel):
    client_id: str = PydanticField(min_length=1, max_length=64)
    # Generous here; the service enforces the real limit (after stripping) with a clear message.
    text: Filled = PydanticField(max_length=5000)
    column: str = PydanticField(default="", max_length=80)
    anonymous: StrictBool = False
    text_consent: StrictBool = False
    name_consent: StrictBool = False
    # Before text and name consent were apart, phones sent one box; it still means text consent,
    # so a card queued in an old phone's outbox keeps what its author ticked.
    shareable: StrictBool = PydanticField(default=False, json_schema_extra={"deprecated": True})


class CardConsent(BaseModel):
    """The author's consents to change; a field left out stays as it is."""

    text: StrictBool | None = None
    name: StrictBool | None = None


class CardUpdate(BaseModel):
    """Facilitators set status, theme_id and spotlight; a card's author edits its text."""

    text: Filled | None = PydanticField(default=None, max_length=5000)
    status: CardStatus | None = None
    theme_id: Id | None = None
    spotlight: StrictBool | None = None


class CardAuthor(BaseModel):
    id: int
    display_name: str
    kind: Literal["attendee", "facilitator"]


class CardPublic(BaseModel):
    """A card as one viewer sees it: `held_reason` is left out unless they may see it."""

    id: int
    board_id: int
    client_id: str
    text: str
    column: str
    status: CardStatus
    held_reason: str | None = None
    author: CardAuthor | None
    anonymous: bool
    text_consent: bool = False
    name_consent: bool = False
    theme_id: int | None
    votes: int
    spotlight: bool
    redacted: bool = False
    created_at: UtcTime
    updated_at: UtcTime


class CardRedact(BaseModel):
    """The card's text with each removed span replaced by `[redacted]`; `approve` shows it."""

    text: Filled = PydanticField(max_length=5000)
    approve: StrictBool = False


class ThemeCreate(BaseModel):
    title: Filled = PydanticField(max_length=200)


class ThemeUpdate(BaseModel):
    title: Filled = PydanticField(max_length=200)


class ThemePublic(BaseModel):
    id: int
    board_id: int
    title: str
    votes: int
    created_at: UtcTime


class BoardDetail(BoardPublic):
    """A board with the cards and themes the viewer may see."""

    cards: list[CardPublic]
    themes: list[ThemePublic]


class VoteSet(BaseModel):
    count: Whole = PydanticField(ge=0, le=100)


class VoteResult(BaseModel):
    """After a vote: the new total on the card or theme, this attendee's dots, what is left."""

    board_id: int
    card_id: int | None = None
    theme_id: int | None = None
    votes: int
    count: int
    remaining: int


class VoteCount(BaseModel):
    id: int
    count: int


class MyVotes(BaseModel):
    """Where this attendee's dots are on one board."""

    board_id: int
    budget: int
    remaining: int
    cards: list[VoteCount]
    themes: list[VoteCount]
