"""JSON API for breakout groups, who sits in them, their shared notes and report-back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from server.api.deps import Actor, CountedWrite, CurrentViewer, DbSession, EventById, PathId
from server.models.boards import CardPublic
from server.models.breakouts import (
    AssignRequest,
    Breakout,
    BreakoutCreate,
    BreakoutPublic,
    BreakoutUpdate,
    MemberAdd,
    Note,
    NoteChoice,
    NoteCreate,
    NotePublic,
    NoteUpdate,
    ToBoard,
    ToBoardResult,
)
from server.models.events import Event
from server.models.liveblog import EntryPublic
from server.services import boards, breakout_members, breakouts, liveblog, notes, reportback
from server.services.access import Caller

router = APIRouter(prefix="/api/v1", tags=["breakouts"])


async def caller_dep(actor: Actor, viewer: CurrentViewer) -> Caller:
    """Organiser or attendee; an organiser's cookie write has passed the CSRF check (Actor)."""
    return Caller(user=actor, attendee=viewer.attendee)


def breakout_dep(breakout_id: PathId, session: DbSession) -> Breakout:
    return breakouts.breakout_or_404(session, breakout_id=breakout_id)


def note_dep(note_id: PathId, session: DbSession) -> Note:
    return notes.note_or_404(session, note_id=note_id)


CurrentCaller = Annotated[Caller, Depends(caller_dep)]
BreakoutById = Annotated[Breakout, Depends(breakout_dep)]
NoteById = Annotated[Note, Depends(note_dep)]


def _group(session: DbSession, breakout: Breakout, caller: Caller) -> BreakoutPublic:
    return BreakoutPublic.model_validate(
        breakouts.breakout_as_seen(session, breakout=breakout, actor=caller)
    )


def _groups(session: DbSession, event: Event, caller: Caller) -> list[BreakoutPublic]:
    scope = breakouts.viewer_scope(session, event=event, actor=caller)
    found = breakouts.breakouts_as_seen(session, event=event, scope=scope)
    return [BreakoutPublic.model_validate(b) for b in found]


# Routes answering with notes leave out unset fields: `held_reason` is omitted for those who may
# not see it, rather than sent as null.
def _note(session: DbSession, note: Note, caller: Caller) -> NotePublic:
    return NotePublic.model_validate(notes.note_as_seen(session, note=note, actor=caller))


# -- groups ------------------------------------------------------------------------------------


@router.post("/events/{event_id}/breakouts", status_code=201, response_model_exclude_unset=True)
def create_breakout(
    body: BreakoutCreate, event: EventById, session: DbSession, caller: CurrentCaller
) -> BreakoutPublic:
    """Open a breakout group with a name, a prompt and an optional cap for picking it."""
    breakout = breakouts.create_breakout(session, actor=caller.user, event=event, data=body)
    return _group(session, breakout, caller)


@router.get("/events/{event_id}/breakouts", response_model_exclude_unset=True)
def list_breakouts(
    event: EventById, session: DbSession, caller: CurrentCaller
) -> list[BreakoutPublic]:
    """The event's groups, with the members and notes the caller may see."""
    return _groups(session, event, caller)


@router.post("/events/{event_id}/breakouts/assign", response_model_exclude_unset=True)
def assign_breakouts(
    body: AssignRequest, event: EventById, session: DbSession, caller: CurrentCaller
) -> list[BreakoutPublic]:
    """`balanced`: seat every attendee evenly now, colleagues apart; `self`: empty the open
    groups so attendees pick one on their phone (`cap`, if given, applies to every group)."""
    breakout_members.assign(session, actor=caller.user, event=event, data=body)
    return _groups(session, event, caller)


@router.post("/events/{event_id}/breakouts/close", response_model_exclude_unset=True)
def close_breakouts(
    event: EventById, session: DbSession, caller: CurrentCaller
) -> list[BreakoutPublic]:
    """Close every open group: their notes become read-only."""
    breakouts.close_breakouts(session, actor=caller.user, event=event)
    return _groups(session, event, caller)


@router.get("/breakouts/{breakout_id}", response_model_exclude_unset=True)
def read_breakout(
    breakout: BreakoutById, session: DbSession, caller: CurrentCaller
) -> BreakoutPublic:
    """One group, with the members and notes the caller may see (the screen shows this)."""
    return _group(session, breakout, caller)


@router.patch("/breakouts/{breakout_id}", response_model_exclude_unset=True)
def update_breakout(
    body: BreakoutUpdate, breakout: BreakoutById, session: DbSession, caller: CurrentCaller
) -> BreakoutPublic:
    """Rename, re-prompt or re-cap a group; close or reopen it; `shared` shows its notes to all."""
    breakouts.update_breakout(session, actor=caller.user, breakout=breakout, data=body)
    return _group(session, breakout, caller)


@router.post("/breakouts/{breakout_id}/join", response_model_exclude_unset=True)
def join_breakout(
    breakout: BreakoutById, session: DbSession, caller: CurrentCaller
) -> BreakoutPublic:
    """The calling attendee sits in this group; 409 breakout_full past its cap, or
    already_in_group when they sit in another open group."""
    breakout_members.join(session, actor=caller, breakout=breakout)
    return _group(session, breakout, caller)


@router.post("/breakouts/{breakout_id}/members", response_model_exclude_unset=True)
def move_member(
    body: MemberAdd, breakout: BreakoutById, session: DbSession, caller: CurrentCaller
) -> BreakoutPublic:
    """Move an attendee into this group (out of their open group), live on their phone."""
    breakout_members.move(
        session, actor=caller.user, breakout=breakout, attendee_id=body.attendee_id
    )
    return _group(session, breakout, caller)


# -- notes ---------------------------------------------------------------------------------------

SEEN_BEFORE: dict[int | str, dict[str, Any]] = {
    200: {"model": NotePublic, "description": "The note this client_id already made"}
}


@router.post(
    "/breakouts/{breakout_id}/notes",
    status_code=201,
    responses=SEEN_BEFORE,
    response_model_exclude_unset=True,
    dependencies=[CountedWrite],
)
def create_note(
    body: NoteCreate,
    breakout: BreakoutById,
    response: Response,
    session: DbSession,
    caller: CurrentCaller,
) -> NotePublic:
    """Add a note: 201, or 200 with the same note when its client_id was seen before."""
    note, created = notes.create_note(session, actor=caller, breakout=breakout, data=body)
    if not created:
        response.status_code = 200
    return _note(session, note, caller)


@router.patch("/notes/{note_id}", response_model_exclude_unset=True, dependencies=[CountedWrite])
def update_note(
    body: NoteUpdate, note: NoteById, session: DbSession, caller: CurrentCaller
) -> NotePublic:
    """Change a note's text from `version`; 409 stale_version with `error.details.current`."""
    notes.update_note(session, actor=caller, note=note, data=body)
    return _note(session, note, caller)


@router.delete("/notes/{note_id}", status_code=204, dependencies=[CountedWrite])
def delete_note(note: NoteById, session: DbSession, caller: CurrentCaller) -> None:
    """Take a note out of its group (a member or a facilitator)."""
    notes.delete_note(session, actor=caller, note=note)


# -- report-back ---------------------------------------------------------------------------------


@router.post("/breakouts/{breakout_id}/promote", status_code=201)
def promote_notes(
    body: NoteChoice, breakout: BreakoutById, session: DbSession, caller: CurrentCaller
) -> EntryPublic:
    """Post the group's notes (or `note_ids`) on the live blog as one entry; 409 personal_data
    names notes that look like personal data."""
    entry = reportback.promote_notes(
        session, actor=caller.user, breakout=breakout, note_ids=body.note_ids
    )
    return liveblog.entry_public(entry)


@router.post("/breakouts/{breakout_id}/to-board", status_code=201)
def notes_to_board(
    body: ToBoard, breakout: BreakoutById, session: DbSession, caller: CurrentCaller
) -> ToBoardResult:
    """Turn the group's notes (or `note_ids`) into cards on one of the event's boards."""
    made = reportback.notes_to_board(
        session,
        actor=caller.user,
        breakout=breakout,
        board_id=body.board_id,
        note_ids=body.note_ids,
    )
    shown = [boards.card_as_seen(session, card=c, actor=caller) for c in made]
    return ToBoardResult(
        board_id=body.board_id, cards=[CardPublic.model_validate(c) for c in shown]
    )
