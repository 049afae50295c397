"""The WebSocket protocol as data: what clients may send, and every type the server sends."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool, TypeAdapter

from server.models.base import Filled, Id, Whole

# Logged types carry a seq; ephemeral ones do not. docs/realtime.md lists each (a test checks).
LOGGED_TYPES = frozenset(
    {
        "event.updated",
        "agenda.created",
        "agenda.updated",
        "agenda.deleted",
        "entry.created",
        "entry.updated",
        "entry.deleted",
        "board.created",
        "board.updated",
        "card.created",
        "card.updated",
        "card.deleted",
        "vote.changed",
        "theme.created",
        "theme.updated",
        "theme.deleted",
        "breakout.created",
        "breakout.updated",
        "breakout.member",
        "breakout.opened",
        "note.created",
        "note.updated",
        "note.deleted",
        "timer.started",
        "timer.stopped",
        "screen.changed",
        "screen.paired",
        "screen.unpaired",
        "action.created",
        "action.updated",
    }
)
EPHEMERAL_TYPES = frozenset({"hello", "presence", "resync", "ack", "error"})

# Close codes
CLOSE_POLICY = 1008  # a malformed query parameter (RFC 6455: policy violation)
CLOSE_NOT_ALLOWED = 4401
CLOSE_NO_EVENT = 4404
CLOSE_TOO_SLOW = 4408
CLOSE_FROZEN = 4409


class CardCreateData(BaseModel):
    board_id: Id
    client_id: str = Field(min_length=1, max_length=64)
    text: Filled = Field(max_length=5000)
    column: str = Field(default="", max_length=80)
    anonymous: StrictBool = False
    text_consent: StrictBool = False
    name_consent: StrictBool = False
    shareable: StrictBool = False  # an old phone's one box: text consent


class CardConsentData(BaseModel):
    card_id: Id
    text: StrictBool | None = None
    name: StrictBool | None = None


class NoteCreateData(BaseModel):
    breakout_id: Id
    client_id: str = Field(min_length=1, max_length=64)
    text: Filled = Field(max_length=5000)


class VoteSetData(BaseModel):
    card_id: Id
    count: Whole = Field(ge=0, le=100)


class CardCreate(BaseModel):
    type: Literal["card.create"]
    ref: str = Field(default="", max_length=100)
    data: CardCreateData


class CardConsent(BaseModel):
    type: Literal["card.consent"]
    ref: str = Field(default="", max_length=100)
    data: CardConsentData


class NoteCreate(BaseModel):
    type: Literal["note.create"]
    ref: str = Field(default="", max_length=100)
    data: NoteCreateData


class VoteSet(BaseModel):
    type: Literal["vote.set"]
    ref: str = Field(default="", max_length=100)
    data: VoteSetData


class Ping(BaseModel):
    type: Literal["ping"]
    ref: str = Field(default="", max_length=100)
    data: dict[str, Any] = Field(default_factory=dict)


Inbound = Annotated[
    CardCreate | CardConsent | NoteCreate | VoteSet | Ping, Field(discriminator="type")
]
INBOUND = TypeAdapter(Inbound)
INBOUND_TYPES = frozenset({"card.create", "card.consent", "note.create", "vote.set", "ping"})
MAX_INBOUND_BYTES = 16 * 1024
# Frames up to this size are read and answered `too_large`; a larger one is refused by the
# WebSocket layer itself, which closes with 1009 (RFC 6455: message too big).
MAX_FRAME_BYTES = 1024 * 1024
