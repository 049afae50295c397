"""What each viewer sees of breakout groups and their notes; the same rules serve REST, /state
and the log, and say how a later row rewrites an earlier one.

- Facilitators see every group, member and note, with `held_reason` on notes.
- A group's members see all its notes (without `held_reason`).
- Everyone else sees a group's notes only once the facilitator has shared it, and even then not
  the notes that look like personal data; public followers see no member names.
- A paired screen sees every group's notes that are not held; of a held note only that it is
  there (`{"id", "breakout_id", "created_at", "held": true}`), so the room can be told the
  group's notes wait for review without a word of them.
- A note someone may no longer see reaches them as `note.deleted`.

Logged note payloads carry one private key, `_shared` (whether its group is shared, as of the
row's last rewrite), which never leaves the server. A connection's groups follow
`breakout.member` rows (server/realtime/audience.py `follow`) before the row itself is projected.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from server.realtime.audience import Scope
from server.realtime.projections import Payload, Shown, Subjects, mentions, replace_in, tombstone

SHARED_KEY = "_shared"


def _gone(note: Payload) -> bool:
    return "text" not in note


def note_for(scope: Scope, note: Payload, shared: bool) -> tuple[str, Payload] | None:
    """(variant, note) as this viewer sees it, or None when they may not see it."""
    if _gone(note):
        return None
    data = {k: v for k, v in note.items() if not k.startswith("_")}
    if scope.role == "facilitator":
        return "full", data
    held = data.pop("held_reason", "")
    if scope.role == "screen":
        return "screen", held_stub(data) if held else data
    if note["breakout_id"] in scope.groups:
        return "member", data
    if shared and not held:
        return "shared", data
    return None


def held_stub(note: Payload) -> Payload:
    """A held note as the screen sees it: there, and waiting; nothing of what it says."""
    keys = ("id", "breakout_id", "created_at")  # created_at: notes are kept in that order
    return {**{k: note[k] for k in keys}, "held": True}


def breakout_for(scope: Scope, breakout: Payload) -> tuple[str, Payload]:
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


def note_viewer(scope: Scope, note: Payload) -> Hashable:
    return scope.role, note["breakout_id"] in scope.groups


def groups_viewer(scope: Scope, payload: Payload) -> Hashable:
    """Groups list their notes and members, which depend on every group one is in."""
    return scope.role, frozenset(scope.groups)


# -- shapes -----------------------------------------------------------------------------------


def note_created(scope: Scope, payload: Payload) -> Shown | None:
    shown = note_for(scope, payload, bool(payload.get(SHARED_KEY)))
    return None if shown is None else (shown[0], "note.created", shown[1])


def note_updated(scope: Scope, payload: Payload) -> Shown:
    """A shared note edited into something that looks personal is gone for non-members."""
    shown = note_for(scope, payload, bool(payload.get(SHARED_KEY)))
    if shown is None:
        return "gone", "note.deleted", {"id": payload["id"]}
    return shown[0], "note.updated", shown[1]


def note_deleted(scope: Scope, payload: Payload) -> Shown:
    return "all", "note.deleted", {"id": payload["id"]}


def breakout_shape(type: str) -> Any:
    def project_breakout(scope: Scope, payload: Payload) -> Shown:
        variant, data = breakout_for(scope, payload)
        return variant, type, data

    return project_breakout


def breakout_member(scope: Scope, payload: Payload) -> Shown:
    """Who moved where, and every group they left or joined as this viewer now sees it."""
    if scope.role == "facilitator":
        return "full", "breakout.member", payload
    groups = [breakout_for(scope, b)[1] for b in payload["breakouts"]]
    mine = ",".join(str(b["id"]) for b in groups if b["id"] in scope.groups)
    moves = payload["moves"] if scope.role == "attendee" else []
    data = {"moves": moves, "breakouts": groups}
    return f"{scope.role}:{mine}", "breakout.member", data


def opened_group(scope: Scope, payload: Payload) -> int | None:
    """The open group this viewer sits in, of those the row calls the room to."""
    return next((i for i in payload.get("breakout_ids", []) if i in scope.groups), None)


def opened_viewer(scope: Scope, payload: Payload) -> Hashable:
    return scope.role, opened_group(scope, payload)


def breakout_opened(scope: Scope, payload: Payload) -> Shown | None:
    """The room is called to its groups: an attendee learns their own group (None: pick one).

    Public followers never receive it; no attendee learns where anyone else sits.
    """
    if scope.role == "facilitator":
        return "full", "breakout.opened", payload
    if scope.role != "attendee":
        return None
    data = {
        "strategy": payload.get("strategy", "self"),
        "breakout_ids": payload.get("breakout_ids", []),
        "breakout_id": opened_group(scope, payload),
    }
    return f"attendee:{data['breakout_id']}", "breakout.opened", data


# -- what a row says is now true, what it mentions, and how a later row rewrites it ------------


def note_subjects(payload: Payload) -> Subjects:
    return [(f"note:{payload['id']}", None if _gone(payload) else payload)]


def note_mentions(payload: Payload) -> list[str]:
    return mentions("note", payload, "text", "breakout")


def revise_note(payload: Payload, ref: str, now: Payload | None) -> Payload:
    """Take a note's newest form, or whether its group is shared now."""
    if ref.startswith("breakout:"):
        shared = now is not None and bool(now["shared"])
        if _gone(payload) or bool(payload.get(SHARED_KEY)) == shared:
            return payload
        return {**payload, SHARED_KEY: shared}
    return now if now is not None else tombstone(payload, "breakout_id")


def _group_mentions(group: Payload) -> list[str]:
    return [f"breakout:{group['id']}"] + [f"note:{n['id']}" for n in group.get("notes", [])]


def breakout_subjects(payload: Payload) -> Subjects:
    return [(f"breakout:{payload['id']}", payload)]


def breakout_mentions(payload: Payload) -> list[str]:
    return _group_mentions(payload)


def revise_breakout(payload: Payload, ref: str, now: Payload | None) -> Payload:
    """Take the group's newest form, or one of its notes' (dropped when gone)."""
    if ref.startswith("breakout:"):
        return now if now is not None and now["id"] == payload["id"] else payload
    return {**payload, "notes": replace_in(payload.get("notes", []), ref, now)}


def member_subjects(payload: Payload) -> Subjects:
    return [(f"breakout:{b['id']}", b) for b in payload["breakouts"]]


def member_mentions(payload: Payload) -> list[str]:
    return [ref for b in payload["breakouts"] for ref in _group_mentions(b)]


def revise_member(payload: Payload, ref: str, now: Payload | None) -> Payload:
    """The moves stay (connections follow them); the groups take their newest form."""
    groups = [revise_breakout(b, ref, now) for b in payload["breakouts"]]
    return {**payload, "breakouts": groups}
