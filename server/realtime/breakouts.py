"""What each viewer sees of breakout groups and their notes; the same rules serve REST, /state
and the log.

- Facilitators see every group, member and note, with `held_reason` on notes.
- A group's members see all its notes (without `held_reason`).
- Everyone else sees a group's notes only once the facilitator has shared it, and even then not
  the notes that look like personal data; public followers see no member names.
- A note someone may no longer see reaches them as `note.deleted`.

Logged note payloads carry one private key, `_shared` (whether its group was shared when the row
was written), which never leaves here. A connection's groups follow `breakout.member` rows
(server/realtime/audience.py `follow`) before the row itself is projected.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from server.realtime.audience import Scope, Shape, projection

SHARED_KEY = "_shared"
Shown = tuple[str, str, dict[str, Any]]


def note_for(scope: Scope, note: dict[str, Any], shared: bool) -> tuple[str, dict[str, Any]] | None:
    """(variant, note) as this viewer sees it, or None when they may not see it."""
    data = {k: v for k, v in note.items() if k != SHARED_KEY}
    if scope.role == "facilitator":
        return "full", data
    held = data.pop("held_reason", "")
    if note["breakout_id"] in scope.groups:
        return "member", data
    if shared and not held:
        return "shared", data
    return None


def breakout_for(scope: Scope, breakout: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(variant, group with the members and notes this viewer may see)."""
    if scope.role == "facilitator":
        return "full", breakout
    notes = []
    for note in breakout["notes"]:
        shown = note_for(scope, note, breakout["shared"])
        if shown is not None:
            notes.append(shown[1])
    member = breakout["id"] in scope.groups
    variant = "member" if member else scope.role
    members = breakout["members"] if scope.role == "attendee" else []
    return variant, {**breakout, "members": members, "notes": notes}


def note_viewer(scope: Scope, note: dict[str, Any]) -> Hashable:
    return scope.role, note["breakout_id"] in scope.groups


def groups_viewer(scope: Scope, payload: dict[str, Any]) -> Hashable:
    """Groups list their notes and members, which depend on every group one is in."""
    return scope.role, frozenset(scope.groups)


@projection("note.created", viewer=note_viewer)
def note_created(scope: Scope, payload: dict[str, Any]) -> Shown | None:
    shown = note_for(scope, payload, bool(payload.get(SHARED_KEY)))
    return None if shown is None else (shown[0], "note.created", shown[1])


@projection("note.updated", viewer=note_viewer)
def note_updated(scope: Scope, payload: dict[str, Any]) -> Shown:
    """A shared note edited into something that looks personal is gone for non-members."""
    shown = note_for(scope, payload, bool(payload.get(SHARED_KEY)))
    if shown is None:
        return "gone", "note.deleted", {"id": payload["id"]}
    return shown[0], "note.updated", shown[1]


def _breakout_projection(type: str) -> Shape:
    def project_breakout(scope: Scope, payload: dict[str, Any]) -> Shown:
        variant, data = breakout_for(scope, payload)
        return variant, type, data

    return project_breakout


projection("breakout.created", viewer=groups_viewer)(_breakout_projection("breakout.created"))
projection("breakout.updated", viewer=groups_viewer)(_breakout_projection("breakout.updated"))


@projection("breakout.member", viewer=groups_viewer)
def breakout_member(scope: Scope, payload: dict[str, Any]) -> Shown:
    """Who moved where, and every group they left or joined as this viewer now sees it."""
    if scope.role == "facilitator":
        return "full", "breakout.member", payload
    groups = [breakout_for(scope, b)[1] for b in payload["breakouts"]]
    mine = ",".join(str(b["id"]) for b in groups if b["id"] in scope.groups)
    moves = payload["moves"] if scope.role == "attendee" else []
    data = {"moves": moves, "breakouts": groups}
    return f"{scope.role}:{mine}", "breakout.member", data
