"""Client → server messages, answered through the same service functions as REST.

Each handler runs in a worker thread inside one unit of work and returns the REST
representation of what it made; the logged rows it appended reach everyone through the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from server.models.boards import CardCreate
from server.models.breakouts import NoteCreate
from server.realtime.protocol import (
    CardConsentData,
    CardCreateData,
    NoteCreateData,
    VoteSetData,
)
from server.services import boards, breakouts, cards, notes, votes
from server.services.access import Caller

Handler = Callable[[Session, Caller, Any], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handler(type: str) -> Callable[[Handler], Handler]:
    """Register the service call behind one inbound message type."""

    def register(fn: Handler) -> Handler:
        HANDLERS[type] = fn
        return fn

    return register


@handler("ping")
def ping(session: Session, actor: Caller, data: BaseModel) -> dict[str, Any]:
    return {}


# -- boards: the same service calls as POST /boards/{id}/cards, PUT /cards/{id}/consent and
# PUT /cards/{id}/vote


@handler("card.create")
def card_create(session: Session, actor: Caller, data: CardCreateData) -> dict[str, Any]:
    board = boards.board_or_404(session, board_id=data.board_id)
    fields = data.model_dump(exclude={"board_id"})
    card, _ = cards.create_card(
        session, actor=actor, board=board, data=CardCreate.model_validate(fields)
    )
    return boards.card_as_seen(session, card=card, actor=actor)


@handler("card.consent")
def card_consent(session: Session, actor: Caller, data: CardConsentData) -> dict[str, Any]:
    card = cards.card_or_404(session, card_id=data.card_id)
    cards.set_consent(session, actor=actor, card=card, text=data.text, name=data.name)
    return boards.card_as_seen(session, card=card, actor=actor)


@handler("vote.set")
def vote_set(session: Session, actor: Caller, data: VoteSetData) -> dict[str, Any]:
    card = cards.card_or_404(session, card_id=data.card_id)
    return votes.set_card_vote(session, actor=actor, card=card, count=data.count).model_dump()


# -- breakouts: the same service call as POST /breakouts/{id}/notes -------------------------


@handler("note.create")
def note_create(session: Session, actor: Caller, data: NoteCreateData) -> dict[str, Any]:
    breakout = breakouts.breakout_or_404(session, breakout_id=data.breakout_id)
    body = NoteCreate(client_id=data.client_id, text=data.text)
    note, _ = notes.create_note(session, actor=actor, breakout=breakout, data=body)
    return notes.note_as_seen(session, note=note, actor=actor)
