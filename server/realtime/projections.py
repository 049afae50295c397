"""What each viewer sees of boards, cards, themes and votes; the same rules serve REST, /state
and the log, and say how a later row rewrites an earlier one.

A logged card is the facilitator's view plus private keys, which never leave the server:
`_author` (the author's attendee id, kept even when the card is anonymous, so the author can be
told apart) and `_board_hidden` (its board was hidden when the row was last rewritten).

- Facilitators see every card in full.
- A card's author sees their own card while it is visible or pending, with `held_reason`.
- Everyone else sees visible cards only, without `held_reason`.
- Public followers see only cards whose author gave text consent, and the author's name only
  with name consent too. The session screen sees them the same way on a board whose
  facilitator chose `screen_public_only` (the row's `_screen_public_only`); otherwise it sees
  what the room sees. This is the only place consent is enforced for the live surfaces.
- A card someone may no longer see reaches them as `card.deleted`.
- Only facilitators see inside a hidden board; others get only its id and state.
- A card, theme or board that is gone (its latest row is a `*.deleted`) is in no earlier row.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from server.realtime.audience import Scope

AUTHOR_KEY = "_author"
BOARD_HIDDEN_KEY = "_board_hidden"
SCREEN_PUBLIC_KEY = "_screen_public_only"
# On a board row: whether the board was hidden or shown by it (else its cards' rows stay as
# they are). A row without it (logged before it existed) counts as one that was.
VISIBILITY_KEY = "_visibility_changed"

Payload = dict[str, Any]
Shown = tuple[str, str, Payload]
Subjects = list[tuple[str, Payload | None]]


def _gone(item: Payload, key: str) -> bool:
    """A row rewritten after its thing was deleted keeps only ids."""
    return key not in item


def tombstone(item: Payload, parent: str) -> Payload:
    return {"id": item["id"], parent: item.get(parent)}


def card_for(scope: Scope, card: Payload) -> tuple[str, Payload] | None:
    """(variant, card) as this viewer sees it, or None when they may not see it."""
    if _gone(card, "text"):
        return None
    data = {k: v for k, v in card.items() if not k.startswith("_")}
    if scope.role == "facilitator":
        return "full", data
    if card.get(BOARD_HIDDEN_KEY):
        return None
    own = scope.attendee_id is not None and card.get(AUTHOR_KEY) == scope.attendee_id
    if own and card["status"] != "hidden":
        return f"author:{scope.attendee_id}", data
    if card["status"] != "visible":
        return None
    data.pop("held_reason", None)
    if scope.role == "public" or (scope.role == "screen" and card.get(SCREEN_PUBLIC_KEY)):
        return consented(data)
    return "public", data


def consented(card: Payload) -> tuple[str, Payload] | None:
    """A card as a public surface may show it: only with text consent, named only with name
    consent (the room sees it whole)."""
    if not card.get("text_consent"):
        return None
    if not card.get("name_consent"):
        card = {**card, "author": None}
    return "public", card


def board_for(scope: Scope, board: Payload) -> tuple[str, Payload]:
    """(variant, board with the cards and themes this viewer may see)."""
    if scope.role != "facilitator" and board["state"] == "hidden":
        return "hidden", {"id": board["id"], "state": "hidden", "cards": [], "themes": []}
    variant = "full" if scope.role == "facilitator" else "public"
    screen_public_only = bool(board.get("screen_public_only"))
    cards = []
    for card in board.get("cards", []):
        shown = card_for(scope, {**card, SCREEN_PUBLIC_KEY: screen_public_only})
        if shown is None:
            continue
        if shown[0].startswith("author:"):
            variant = shown[0]
        cards.append(shown[1])
    return variant, {**board, "cards": cards, "themes": board.get("themes", [])}


def card_viewer(scope: Scope, card: Payload) -> Hashable:
    """A card looks the same to everyone of a role, except to its own author."""
    return scope.role, scope.attendee_id is not None and card.get(AUTHOR_KEY) == scope.attendee_id


def board_viewer(scope: Scope, board: Payload) -> Hashable:
    """A board carries cards, so each attendee may be some card's author."""
    return scope.role, scope.attendee_id


def role_viewer(scope: Scope, payload: Payload) -> Hashable:
    return scope.role == "facilitator"


# -- shapes: (variant, type, data) a viewer receives for a row, or None -----------------------


def card_created(scope: Scope, payload: Payload) -> Shown | None:
    shown = card_for(scope, payload)
    return None if shown is None else (shown[0], "card.created", shown[1])


def card_updated(scope: Scope, payload: Payload) -> Shown:
    """A card that became pending, hidden or gone is deleted, for those who may not see it."""
    shown = card_for(scope, payload)
    if shown is None:
        return "deleted", "card.deleted", {"id": payload["id"]}
    return shown[0], "card.updated", shown[1]


def card_deleted(scope: Scope, payload: Payload) -> Shown:
    return "all", "card.deleted", {"id": payload["id"]}


def board_shape(type: str) -> Any:
    def project_board(scope: Scope, payload: Payload) -> Shown:
        variant, data = board_for(scope, payload)
        return variant, type, data

    return project_board


def _hidden_from(scope: Scope, payload: Payload) -> bool:
    return scope.role != "facilitator" and bool(payload.get(BOARD_HIDDEN_KEY))


def theme_shape(type: str) -> Any:
    """Themes look alike to all who may see their board; a gone theme is deleted."""

    def project_theme(scope: Scope, payload: Payload) -> Shown | None:
        if type == "theme.deleted":
            return "all", type, {"id": payload["id"]}
        if _gone(payload, "title") or _hidden_from(scope, payload):
            return (
                None
                if type == "theme.created"
                else ("gone", "theme.deleted", {"id": payload["id"]})
            )
        return "all", type, {k: v for k, v in payload.items() if not k.startswith("_")}

    return project_theme


def vote_changed(scope: Scope, payload: Payload) -> Shown | None:
    if _hidden_from(scope, payload):
        return None
    return "all", "vote.changed", {k: v for k, v in payload.items() if not k.startswith("_")}


# -- what a row says is now true, what it mentions, and how a later row rewrites it ------------


def card_subjects(payload: Payload) -> Subjects:
    return [(f"card:{payload['id']}", None if _gone(payload, "text") else payload)]


def card_mentions(payload: Payload) -> list[str]:
    """A gone card's rows no longer answer to its id, which the database may give again."""
    return mentions("card", payload, "text", "board", "board-cards")


def mentions(kind: str, payload: Payload, alive: str, parent: str, ref: str = "") -> list[str]:
    """The thing itself while it lives, and its parent (`ref`: under another name)."""
    mine = [] if _gone(payload, alive) else [f"{kind}:{payload['id']}"]
    owner = payload.get(f"{parent}_id")
    return mine + ([] if owner is None else [f"{ref or parent}:{owner}"])


def revise_card(payload: Payload, ref: str, now: Payload | None) -> Payload:
    """Take a card's newest form, or its board's hidden flag."""
    if ref.startswith("board-cards:"):
        return _with_board(payload, now)
    return now if now is not None else tombstone(payload, "board_id")


def _with_board(payload: Payload, board: Payload | None) -> Payload:
    hidden = board is not None and board["state"] == "hidden"
    screen = board is not None and bool(board.get("screen_public_only"))
    was = (bool(payload.get(BOARD_HIDDEN_KEY)), bool(payload.get(SCREEN_PUBLIC_KEY)))
    if was == (hidden, screen):
        return payload
    return {**payload, BOARD_HIDDEN_KEY: hidden, SCREEN_PUBLIC_KEY: screen}


def board_subjects(payload: Payload) -> Subjects:
    """The board; and to the rows of its cards, themes and votes, whether it is hidden, when
    this row hid or showed it."""
    board = f"board:{payload['id']}"
    if not payload.get(VISIBILITY_KEY, True):
        return [(board, payload)]
    return [(board, payload), (f"board-cards:{payload['id']}", payload)]


def board_mentions(payload: Payload) -> list[str]:
    return [f"board:{payload['id']}"] + [f"card:{c['id']}" for c in payload.get("cards", [])]


def revise_board(payload: Payload, ref: str, now: Payload | None) -> Payload:
    """Take the board's newest form, or one of its cards' (dropped when gone).

    An earlier board row keeps no cards: the newest row of the board carries them all, and the
    cards' own rows carry each; so hiding one card rewrites one board row, not every one.
    """
    if ref.startswith("board:"):
        return payload if now is None else {**now, "cards": []}
    return {**payload, "cards": replace_in(payload.get("cards", []), ref, now)}


def replace_in(items: list[Payload], ref: str, now: Payload | None) -> list[Payload]:
    ident = int(ref.partition(":")[2])
    if now is None:
        return [i for i in items if i["id"] != ident]
    return [now if i["id"] == ident else i for i in items]


def theme_subjects(payload: Payload) -> Subjects:
    return [(f"theme:{payload['id']}", None if _gone(payload, "title") else payload)]


def theme_mentions(payload: Payload) -> list[str]:
    return mentions("theme", payload, "title", "board", "board-cards")


def revise_theme(payload: Payload, ref: str, now: Payload | None) -> Payload:
    if ref.startswith("board-cards:"):
        return _with_board(payload, now)
    return now if now is not None else tombstone(payload, "board_id")


def vote_mentions(payload: Payload) -> list[str]:
    return [f"board-cards:{payload['board_id']}"]


def revise_vote(payload: Payload, ref: str, now: Payload | None) -> Payload:
    return _with_board(payload, now)
