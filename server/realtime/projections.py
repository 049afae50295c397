"""What each viewer sees of boards and cards; the same rules serve REST, /state and the log.

A logged card is the facilitator's view plus one private key, `_author` (the author's attendee
id, kept even when the card is anonymous), so the author can be told apart; it never leaves here.

- Facilitators see every card in full.
- A card's author sees their own card while it is visible or pending, with `held_reason`.
- Everyone else sees visible cards only, without `held_reason`.
- A card someone may no longer see reaches them as `card.deleted`.
- Only facilitators see inside a hidden board; others get it with no cards or themes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from server.realtime.audience import Scope, Shape, projection

AUTHOR_KEY = "_author"


def card_for(scope: Scope, card: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(variant, card) as this viewer sees it, or None when they may not see it."""
    data = {k: v for k, v in card.items() if k != AUTHOR_KEY}
    if scope.role == "facilitator":
        return "full", data
    own = scope.attendee_id is not None and card.get(AUTHOR_KEY) == scope.attendee_id
    if own and card["status"] != "hidden":
        return f"author:{scope.attendee_id}", data
    if card["status"] != "visible":
        return None
    data.pop("held_reason", None)
    return "public", data


def board_for(scope: Scope, board: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(variant, board with the cards and themes this viewer may see)."""
    if scope.role != "facilitator" and board["state"] == "hidden":
        return "hidden", {**board, "cards": [], "themes": []}
    variant = "full" if scope.role == "facilitator" else "public"
    cards = []
    for card in board.get("cards", []):
        shown = card_for(scope, card)
        if shown is None:
            continue
        if shown[0].startswith("author:"):
            variant = shown[0]
        cards.append(shown[1])
    return variant, {**board, "cards": cards, "themes": board.get("themes", [])}


def card_viewer(scope: Scope, card: dict[str, Any]) -> Hashable:
    """A card looks the same to everyone of a role, except to its own author."""
    return scope.role, scope.attendee_id is not None and card.get(AUTHOR_KEY) == scope.attendee_id


def board_viewer(scope: Scope, board: dict[str, Any]) -> Hashable:
    """A board carries cards, so each attendee may be some card's author."""
    return scope.role, scope.attendee_id


@projection("card.created", viewer=card_viewer)
def card_created(scope: Scope, payload: dict[str, Any]) -> tuple[str, str, dict[str, Any]] | None:
    shown = card_for(scope, payload)
    return None if shown is None else (shown[0], "card.created", shown[1])


@projection("card.updated", viewer=card_viewer)
def card_updated(scope: Scope, payload: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """A card that became pending or hidden is gone, for those who may no longer see it."""
    shown = card_for(scope, payload)
    if shown is None:
        return "deleted", "card.deleted", {"id": payload["id"]}
    return shown[0], "card.updated", shown[1]


def _board_projection(type: str) -> Shape:
    def project_board(scope: Scope, payload: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        variant, data = board_for(scope, payload)
        return variant, type, data

    return project_board


projection("board.created", viewer=board_viewer)(_board_projection("board.created"))
projection("board.updated", viewer=board_viewer)(_board_projection("board.updated"))
