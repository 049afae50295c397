"""JSON API for room control: the session screen's mode and the countdown timer."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import Actor, DbSession, EventById
from server.models.room import ScreenPublic, ScreenSet, TimerPublic, TimerStart
from server.services import room

router = APIRouter(prefix="/api/v1", tags=["room"])


@router.post("/events/{event_id}/timer")
def start_timer(
    body: TimerStart, event: EventById, session: DbSession, actor: Actor
) -> TimerPublic:
    """Start a countdown on the session screen, replacing any that runs."""
    return room.start_timer(session, actor=actor, event=event, data=body)


@router.delete("/events/{event_id}/timer", status_code=204)
def stop_timer(event: EventById, session: DbSession, actor: Actor) -> None:
    """Take the countdown off the screen."""
    room.stop_timer(session, actor=actor, event=event)


@router.post("/events/{event_id}/screen")
def set_screen(body: ScreenSet, event: EventById, session: DbSession, actor: Actor) -> ScreenPublic:
    """Switch the session screen: join, board, agenda, spotlight, results, breakout, blank."""
    return room.set_screen(session, actor=actor, event=event, data=body)
