"""Cards on a board: posting (idempotent by client_id, rate-limited, privacy-guarded),
editing, moderation, deleting, and promotion to the live blog."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.db import insert_once
from server.errors import BadInput, Conflict, Forbidden, NotFound, RateLimited
from server.lib.text import clean
from server.lib.timeutil import as_utc, utcnow
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.boards import Board, Card, CardCreate, CardUpdate, Theme
from server.models.liveblog import Entry, EntryCreate
from server.realtime.audience import Scope
from server.services import boards, liveblog, privacy
from server.services.access import Caller

CARD_TEXT_MAX = 500
# At most this many cards per attendee in this many seconds. Counted in the database, so the
# limit holds across app processes and restarts.
CARD_RATE_LIMIT = 10
CARD_RATE_WINDOW = 60


class NotShareable(Conflict):
    code, message = "not_shareable", "Its author did not agree to share this card's words."


def card_or_404(session: Session, *, card_id: int) -> Card:
    card = session.get(Card, card_id)
    if card is None:
        raise NotFound("No card has that id.")
    return card


# -- cards ------------------------------------------------------------------------------------


def create_card(
    session: Session, *, actor: Caller, board: Board, data: CardCreate
) -> tuple[Card, bool]:
    """Post a card; a client_id seen before on this board answers with that card (False)."""
    scope = boards.participant(session, board=board, actor=actor)
    seen = _card_by_client_id(session, board, data.client_id, actor)
    if seen is not None:
        return seen, False
    if board.state != "open":
        raise boards.BoardClosed()
    card, created = insert_once(
        session,
        _new_card(session, board, scope, actor, data),
        lambda: _card_by_client_id(session, board, data.client_id, actor),
    )
    if created:
        boards.log_card(session, board=board, card=card, type="card.created")
    return card, created


def _card_by_client_id(
    session: Session, board: Board, client_id: str, actor: Caller
) -> Card | None:
    card = session.exec(
        select(Card).where(Card.board_id == board.id, Card.client_id == client_id)
    ).first()
    if card is not None and not boards.is_author(card, actor):
        raise Conflict("That client_id is already used on this board.")
    return card


def _new_card(
    session: Session, board: Board, scope: Scope, actor: Caller, data: CardCreate
) -> Card:
    text = _clean_text(data.text)
    if data.column and data.column not in board.columns:
        raise BadInput("That column is not one of this board's columns.")
    if data.anonymous and not board.anonymous_allowed:
        raise BadInput("This board does not take anonymous cards.")
    attendee = actor.attendee if scope.role == "attendee" else None
    if attendee is not None:
        _check_rate(session, attendee)
    held = privacy.screen(text)
    pending = bool(held) or (board.moderation == "pre" and scope.role != "facilitator")
    return Card(
        board_id=board.id,
        client_id=data.client_id,
        text=text,
        column=data.column,
        status="pending" if pending else "visible",
        held_reason=held,
        author_attendee_id=attendee.id if attendee else None,
        author_user_id=actor.user.id if attendee is None and actor.user else None,
        anonymous=data.anonymous,
        text_consent=data.text_consent or data.shareable,
        name_consent=data.name_consent,
    )


def _clean_text(text: str) -> str:
    text = clean(text).strip()
    if not text:
        raise BadInput("Write something on the card first.")
    if len(text) > CARD_TEXT_MAX:
        raise BadInput(f"A card holds at most {CARD_TEXT_MAX} characters.")
    return text


def _check_rate(session: Session, attendee: Attendee) -> None:
    since = utcnow() - timedelta(seconds=CARD_RATE_WINDOW)
    recent = session.exec(
        select(Card.created_at)
        .where(Card.author_attendee_id == attendee.id, col(Card.created_at) > since)
        .order_by(col(Card.created_at).desc())
        .limit(CARD_RATE_LIMIT)
    ).all()
    if len(recent) >= CARD_RATE_LIMIT:
        frees_at = as_utc(recent[-1]) + timedelta(seconds=CARD_RATE_WINDOW)
        raise RateLimited(
            math.ceil((frees_at - utcnow()).total_seconds()),
            f"That is {CARD_RATE_LIMIT} cards in a minute; wait a moment before the next.",
        )


def update_card(session: Session, *, actor: Caller, card: Card, data: CardUpdate) -> Card:
    """Facilitators moderate (status, theme, spotlight); the author edits text on an open board."""
    board = boards.board_or_404(session, board_id=card.board_id)
    changes = data.model_dump(exclude_unset=True)
    scope = boards.member_scope(session, board=board, actor=actor)
    facilitator = scope is not None and scope.role == "facilitator"
    if facilitator:
        boards.moderate(session, board=board, actor=actor.user)  # not a read-only programme lead
    editing = changes.get("text") is not None
    if not facilitator:
        boards.participant(session, board=board, actor=actor)
        if not boards.is_author(card, actor):
            _seen_or_404(card)
            raise Forbidden("Only facilitators and a card's author can change it.")
        if changes.keys() & {"status", "theme_id", "spotlight"}:
            raise Forbidden("Only facilitators moderate cards.")
        if card.status == "hidden":
            raise NotFound("No card has that id.")
    elif editing and not boards.is_author(card, actor):
        raise Forbidden("Only a card's author can edit its text.")
    boards.not_frozen(session, board=board)
    was = card.status
    if editing:
        _edit_text(board, card, changes["text"], by_facilitator=facilitator)
    if facilitator:
        _moderate(session, board, card, changes)
    card.updated_at = utcnow()
    session.add(card)
    session.flush()
    boards.log_card(session, board=board, card=card, type="card.updated", was=was)
    return card


def _edit_text(board: Board, card: Card, text: str, *, by_facilitator: bool) -> None:
    if board.state != "open":
        raise boards.BoardClosed()
    card.text = _clean_text(text)
    held = privacy.screen(card.text)
    if held:
        card.status, card.held_reason = "pending", held
    elif board.moderation == "pre" and not by_facilitator:
        # An approved card edited into something else needs approving again.
        card.status, card.held_reason = "pending", ""
    elif card.status == "pending" and card.held_reason:
        # Only the guard held it, and the author has taken the personal data out.
        card.status, card.held_reason = "visible", ""


def _moderate(session: Session, board: Board, card: Card, changes: dict[str, Any]) -> None:
    if changes.get("status") is not None:
        card.status = changes["status"]
        if card.status == "visible":
            card.held_reason = ""
    if "theme_id" in changes:
        theme = session.get(Theme, changes["theme_id"]) if changes["theme_id"] else None
        if changes["theme_id"] is not None and (theme is None or theme.board_id != board.id):
            raise BadInput("That theme is not on this card's board.")
        card.theme_id = changes["theme_id"]
    if changes.get("spotlight") is not None:
        card.spotlight = changes["spotlight"]


def delete_card(session: Session, *, actor: Caller, card: Card) -> None:
    """Take a card off its board: its facilitators, or its author, may."""
    board = boards.board_or_404(session, board_id=card.board_id)
    if (
        not boards.is_author(card, actor)
        and boards.participant(session, board=board, actor=actor).role != "facilitator"
    ):
        _seen_or_404(card)
        raise Forbidden("Only facilitators and a card's author can delete it.")
    boards.not_frozen(session, board=board)
    audience = boards.card_audience(board, card.author_attendee_id, card.status)
    card_id = card.id
    session.delete(card)
    session.flush()
    boards.append_log(
        session, board=board, type="card.deleted", audience=audience, payload={"id": card_id}
    )


def set_consent(
    session: Session,
    *,
    actor: Caller,
    card: Card,
    text: bool | None = None,
    name: bool | None = None,
) -> Card:
    """The author gives or withdraws consent for their card's words, and apart from them their
    name, on public surfaces (None leaves one as it is); until the event is frozen.

    Logged as `card.updated`, so public views drop or take the card at once, and a quote of it
    on the blog follows (liveblog.follow_card_consent).
    """
    board = boards.board_or_404(session, board_id=card.board_id)
    scope = boards.participant(session, board=board, actor=actor)
    if not boards.is_author(card, actor):
        _seen_or_404(card)
        raise Forbidden("Only a card's author can give or withdraw consent for it.")
    if card.status == "hidden" and scope.role != "facilitator":
        raise NotFound("No card has that id.")
    if text is None and name is None:
        raise BadInput("Say which consent to give or withdraw: text, name or both.")
    if text is not None:
        card.text_consent = text
    if name is not None:
        card.name_consent = name
    card.updated_at = utcnow()
    session.add(card)
    session.flush()
    boards.log_card(session, board=board, card=card, type="card.updated", was=card.status)
    if board.event_id is not None:
        liveblog.follow_card_consent(
            session, card_id=card.id, text=card.text_consent, name=card.name_consent
        )
    return card


def _seen_or_404(card: Card) -> None:
    """A card someone else may not see answers as one that does not exist."""
    if card.status != "visible":
        raise NotFound("No card has that id.")


def promote_card(session: Session, *, actor: User | None, card: Card) -> Entry:
    """Quote a card on the event's live blog, if its author agreed to share its words; the
    quote names them only if they agreed to that too."""
    board = boards.board_or_404(session, board_id=card.board_id)
    user = boards.moderate(session, board=board, actor=actor)
    _, event = boards.owner(session, board=board)
    if event is None:
        raise Conflict("Only cards on an event's board can go on its live blog.")
    if not card.text_consent:
        raise NotShareable()
    if card.status != "visible":
        raise Conflict("Show the card on its board before quoting it.")
    named = card.name_consent and not card.anonymous
    author = boards.author_names(session, cards=[card]).get(card.id) if named else None
    body = "\n".join(f"> {line}".rstrip() for line in card.text.splitlines())
    data = EntryCreate(
        body=body,
        kind="quote",
        attribution=author["display_name"] if author else "",
        client_id=f"card-{card.id}",
    )
    return liveblog.create_entry(session, actor=user, event=event, data=data)
