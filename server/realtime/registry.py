"""Every logged type, and for each: what every kind of viewer receives, and how the log forgets.

This table is the whole of it. `server/realtime/log.py` refuses to append a type that is not
here (deny by default), and every key starting with `_` is the server's own and is stripped from
whatever a viewer receives.

Each type says:
- `shape`: (variant, type, data) a viewer receives for a row, or None for nothing;
- `viewer`: which viewers receive alike (fan-out encodes once per key); None: all alike;
- `subjects`: the things the row gives the newest form of ("card:12" and the card, or None once
  it is gone); appending the row rewrites every earlier row that mentions them;
- `mentions`: the things a row carries, so a later row about one of them can find it;
- `revise`: an earlier row rewritten for one thing it mentions, given that thing's newest form.

So the log forgets what the state hides: a deleted card, a hidden card's text, an entry's old
words, an erased attendee's name leave every earlier row in the transaction that changes them,
and replay from any seq carries only what `/state` would show that viewer now
(docs/realtime.md, "A log that forgets").
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from server.realtime import breakouts as groups
from server.realtime import projections as cards
from server.realtime.audience import Scope, may_see
from server.realtime.projections import Payload, Shown

Shape = Callable[[Scope, Payload], Shown | None]
Viewer = Callable[[Scope, Payload], Hashable]
Subjects = Callable[[Payload], list[tuple[str, Payload | None]]]
Mentions = Callable[[Payload], list[str]]
Revise = Callable[[Payload, str, Payload | None], Payload]


def _no_subjects(payload: Payload) -> list[tuple[str, Payload | None]]:
    return []


def _no_mentions(payload: Payload) -> list[str]:
    return []


def _unchanged(payload: Payload, ref: str, now: Payload | None) -> Payload:
    return payload


@dataclass(frozen=True)
class LogType:
    shape: Shape
    viewer: Viewer | None = None
    subjects: Subjects = _no_subjects
    mentions: Mentions = _no_mentions
    revise: Revise = _unchanged


def _same_for_all(type: str) -> LogType:
    """Facilitators' own words about the room: everyone who may see the row sees it whole."""
    return LogType(shape=lambda scope, payload: ("all", type, payload))


def _whole(kind: str, alive: str) -> dict[str, LogType]:
    """created/updated/deleted of a thing everyone sees alike (entries, agenda items).

    An earlier row takes the thing's newest form; once it is deleted, earlier rows keep its id
    only: a `created` row then shows nothing and an `updated` row shows the deletion.
    """

    def gone(payload: Payload) -> bool:
        return alive not in payload

    def subjects(payload: Payload) -> list[tuple[str, Payload | None]]:
        return [(f"{kind}:{payload['id']}", None if gone(payload) else payload)]

    def mentions(payload: Payload) -> list[str]:
        return [] if gone(payload) else [f"{kind}:{payload['id']}"]

    def revise(payload: Payload, ref: str, now: Payload | None) -> Payload:
        return now if now is not None else {"id": payload["id"]}

    def created(scope: Scope, payload: Payload) -> Shown | None:
        return None if gone(payload) else ("all", f"{kind}.created", payload)

    def updated(scope: Scope, payload: Payload) -> Shown:
        if gone(payload):
            return "all", f"{kind}.deleted", {"id": payload["id"]}
        return "all", f"{kind}.updated", payload

    def deleted(scope: Scope, payload: Payload) -> Shown:
        return "all", f"{kind}.deleted", {"id": payload["id"]}

    return {
        f"{kind}.{verb}": LogType(shape, None, subjects, mentions, revise)
        for verb, shape in (("created", created), ("updated", updated), ("deleted", deleted))
    }


def _family(
    viewer: Viewer, subjects: Subjects, mentions: Mentions, revise: Revise
) -> Callable[[Shape], LogType]:
    """The types of one kind of thing share who sees alike and how the log forgets them."""
    return lambda shape: LogType(shape, viewer, subjects, mentions, revise)


_card = _family(cards.card_viewer, cards.card_subjects, cards.card_mentions, cards.revise_card)
_board = _family(cards.board_viewer, cards.board_subjects, cards.board_mentions, cards.revise_board)
_theme = _family(cards.role_viewer, cards.theme_subjects, cards.theme_mentions, cards.revise_theme)
_note = _family(groups.note_viewer, groups.note_subjects, groups.note_mentions, groups.revise_note)
_group = _family(
    groups.groups_viewer,
    groups.breakout_subjects,
    groups.breakout_mentions,
    groups.revise_breakout,
)


REGISTRY: dict[str, LogType] = {
    "event.updated": _same_for_all("event.updated"),
    **_whole("agenda", "title"),
    **_whole("entry", "body"),
    "board.created": _board(cards.board_shape("board.created")),
    "board.updated": _board(cards.board_shape("board.updated")),
    "card.created": _card(cards.card_created),
    "card.updated": _card(cards.card_updated),
    "card.deleted": _card(cards.card_deleted),
    "vote.changed": LogType(
        cards.vote_changed,
        cards.role_viewer,
        mentions=cards.vote_mentions,
        revise=cards.revise_vote,
    ),
    "theme.created": _theme(cards.theme_shape("theme.created")),
    "theme.updated": _theme(cards.theme_shape("theme.updated")),
    "theme.deleted": _theme(cards.theme_shape("theme.deleted")),
    "breakout.created": _group(groups.breakout_shape("breakout.created")),
    "breakout.updated": _group(groups.breakout_shape("breakout.updated")),
    "breakout.member": _family(
        groups.groups_viewer, groups.member_subjects, groups.member_mentions, groups.revise_member
    )(groups.breakout_member),
    "breakout.opened": LogType(groups.breakout_opened, groups.opened_viewer),
    "note.created": _note(groups.note_created),
    "note.updated": _note(groups.note_updated),
    "note.deleted": _note(groups.note_deleted),
    "timer.started": _same_for_all("timer.started"),
    "timer.stopped": _same_for_all("timer.stopped"),
    "screen.changed": _same_for_all("screen.changed"),
    # Logged for facilitators only; the hub closes the unpaired screen's own sockets.
    "screen.paired": _same_for_all("screen.paired"),
    "screen.unpaired": _same_for_all("screen.unpaired"),
    "action.created": _same_for_all("action.created"),
    "action.updated": _same_for_all("action.updated"),
}


def spec(type: str) -> LogType:
    """The registered rules of a type; a type with none cannot be logged."""
    found = REGISTRY.get(type)
    if found is None:
        raise ValueError(f"{type!r} has no projection in server/realtime/registry.py")
    return found


def project(scope: Scope, type: str, audience: str, payload: Payload) -> Shown | None:
    """(variant, type, data) this viewer receives for a row, or None if nothing."""
    if not may_see(scope, audience):
        return None
    shown = spec(type).shape(scope, payload)
    if shown is None:
        return None
    variant, type_, data = shown
    return variant, type_, without_private(data)


def without_private(value: Any) -> Any:
    """The data with every server-only (`_`) key removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_private(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [without_private(v) for v in value]
    return value


def viewer_of(type: str) -> Viewer | None:
    """How to group viewers for rows of this type; None when every viewer sees them alike."""
    return spec(type).viewer
