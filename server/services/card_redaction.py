"""A facilitator takes words out of a held card before deciding on it.

The facilitator sends the card's text with each part to remove replaced by `[redacted]` (the
console prefills the card's text for them to edit). The server accepts only that: every piece
between markers must stand in the card's text in the same order, and every marker must stand
for at least one character that was there, so a redaction can take words out but never put
words in an attendee's mouth. The removed words are not kept: the card row holds the new text,
the card's new `card.updated` row rewrites every earlier log row that carried the card (the log
forgets, docs/realtime.md), the hub does the same to the rows it holds in memory, and the audit
log records only how many parts and characters went. A card already shown may have been read,
quoted or exported, so only a held (pending) card can be redacted; a shown one is hidden.

The guard screens the new text. Unless the facilitator approves it in the same step, the card
stays held, with the guard's new reason, or with none when only the approval is left.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from server.errors import BadInput, Conflict, Forbidden, NotFound
from server.lib.text import clean
from server.lib.timeutil import utcnow
from server.models.boards import Card, CardRedact
from server.services import audit, boards, privacy
from server.services.access import Caller

MARKER = "[redacted]"
# However the facilitator typed it: "[Redacted]", "[ redacted ]".
WRITTEN_MARKER = re.compile(r"\[\s*redacted\s*\]", re.IGNORECASE)
# The card column's limit; markers may make a redacted card longer than it was written.
REDACTED_TEXT_MAX = 1000


class NotARedaction(BadInput):
    code = "not_a_redaction"


class NotHeld(Conflict):
    code = "not_held"
    message = "Only a held card can be redacted: hide a card that is already on the board."


def redact_card(session: Session, *, actor: Caller, card: Card, data: CardRedact) -> Card:
    """Replace parts of a held card's text by `[redacted]`, screen it again, and log the card
    so no earlier row keeps the removed words; facilitators only, audited without the words."""
    board = boards.board_or_404(session, board_id=card.board_id)
    scope = boards.member_scope(session, board=board, actor=actor)
    if scope is None or scope.role != "facilitator":
        if card.status != "visible" and not boards.is_author(card, actor):
            raise NotFound("No card has that id.")
        raise Forbidden("Only facilitators redact cards.")
    user = boards.manage(session, board=board, actor=actor.user)
    if card.status != "pending":
        raise NotHeld()
    text, removed = redacted(card.text, data.text)
    held = privacy.screen(text)
    card.text, card.redacted, card.updated_at = text, True, utcnow()
    card.status, card.held_reason = ("visible", "") if data.approve else ("pending", held)
    session.add(card)
    session.flush()
    boards.log_card(session, board=board, card=card, type="card.updated", was="pending")
    details = {
        "card": card.id,
        "board": board.id,
        "parts": len(removed),
        "characters": sum(removed),
        "approved": data.approve,
        "still_held": bool(held),
    }
    audit.record(
        session, actor=user, action="card.redacted", event_id=board.event_id, details=details
    )
    return card


def redacted(original: str, proposed: str) -> tuple[str, list[int]]:
    """The proposed text with its markers written one way, and how many characters each marker
    removed from `original`; NotARedaction unless it only replaces parts with markers."""
    pieces = WRITTEN_MARKER.split(clean(proposed).strip())
    if len(pieces) == 1:
        raise NotARedaction(f"Replace each part to take out with {MARKER}.")
    removed = _gaps(original, pieces)
    if removed is None:
        raise NotARedaction(
            f"A redaction can only replace parts of the card with {MARKER}: "
            "the rest of the text must stay as the author wrote it."
        )
    text = MARKER.join(pieces)
    if text == original:
        raise NotARedaction("Nothing was taken out: the card already reads like this.")
    if len(text) > REDACTED_TEXT_MAX:
        raise NotARedaction("Redact fewer, longer parts: the card would be too long.")
    return text, removed


def _gaps(original: str, pieces: list[str]) -> list[int] | None:
    """The length of what each marker stands for, matching each piece at its earliest place
    (which leaves the most room for the pieces after it), or None when the pieces do not fit."""
    first, *middle, last = pieces
    if not original.startswith(first):
        return None
    pos, gaps = len(first), []
    for piece in middle:
        found = original.find(piece, pos + 1)
        if found < 0:
            return None
        gaps.append(found - pos)
        pos = found + len(piece)
    end = len(original) - len(last)
    if not original.endswith(last) or end <= pos:
        return None
    return [*gaps, end - pos]
