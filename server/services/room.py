"""Room control: the session screen's mode, the room's countdown timer, and the join code.

Neither the screen nor the timer has a table. Each change appends one event-log row
(`screen.changed`, `timer.started`, `timer.stopped`) and the current value is read back as the
payload of the latest such row. The log is already the realtime truth, so a screen that
reconnects and loads /state sees exactly what the stream told everyone else. Finding that row
walks the log back from its end (the (event_id, seq) index); an index on (event_id, type, seq)
would make it constant if days ever grow long enough for that to show.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.errors import BadInput, NotFound
from server.lib.timeutil import utcnow
from server.models.accounts import User
from server.models.boards import Board, Card
from server.models.breakouts import Breakout
from server.models.events import AgendaItem, Event, EventLog
from server.models.room import ScreenMode, ScreenPublic, ScreenSet, TimerPublic, TimerStart
from server.realtime import log
from server.services.access import require_event_assistant, require_not_frozen
from server.services.attendees import JOINABLE
from server.services.join_codes import normalise_join_code

TIMER_TYPES = ("timer.started", "timer.stopped")
SCREEN_TYPES = ("screen.changed",)
# "Time is up" stays this long, then every surface drops it (web/static/js/room.js
# TIMER_LINGER_MS and the session screen's linger say the same), and so does /state.
TIMER_LINGER = timedelta(minutes=2)
# Modes that show one thing, named by target_id; the agenda's (the current session) is optional.
TARGETED = frozenset({"board", "results", "spotlight", "agenda", "breakout"})
NEEDS_TARGET = frozenset({"board", "results", "spotlight", "breakout"})
# Targets that need only be this event's. A breakout group may be open or closed (report-back
# usually comes after the groups close); the screen leaves out notes that look like personal
# data, as it does held cards (web/static/js/screen.js).
OWNED: dict[str, tuple[type[AgendaItem] | type[Breakout], str]] = {
    "agenda": (AgendaItem, "That session is not on this event's agenda."),
    "breakout": (Breakout, "That breakout group is not one of this event's."),
}


def _latest(session: Session, event: Event, types: tuple[str, ...]) -> EventLog | None:
    return session.exec(
        select(EventLog)
        .where(EventLog.event_id == event.id, col(EventLog.type).in_(types))
        .order_by(col(EventLog.seq).desc())
        .limit(1)
    ).first()


def current_timer(session: Session, *, event: Event) -> TimerPublic | None:
    """The timer last started, unless it was stopped since or ran out over TIMER_LINGER ago."""
    row = _latest(session, event, TIMER_TYPES)
    if row is None or row.type != "timer.started":
        return None
    timer = TimerPublic.model_validate(row.payload)
    return None if timer.ends_at + TIMER_LINGER < utcnow() else timer


def current_screen(session: Session, *, event: Event) -> ScreenPublic:
    """What the session screen shows; the join code until a facilitator changes it."""
    row = _latest(session, event, SCREEN_TYPES)
    return ScreenPublic() if row is None else ScreenPublic.model_validate(row.payload)


def _control(session: Session, actor: User | None, event: Event) -> None:
    require_event_assistant(session, actor=actor, event=event)
    require_not_frozen(event)


def _append(session: Session, event: Event, type: str, payload: dict[str, Any]) -> None:
    log.append(session, event_id=event.id, type=type, audience=log.PUBLIC, payload=payload)


def start_timer(
    session: Session, *, actor: User | None, event: Event, data: TimerStart
) -> TimerPublic:
    """Start a countdown on the screen, replacing any that runs."""
    _control(session, actor, event)
    # Whole seconds: the log and every client show times to the second.
    now = utcnow().replace(microsecond=0)
    timer = TimerPublic(
        seconds=data.seconds,
        label=data.label.strip(),
        chime=data.chime,
        started_at=now,
        ends_at=now + timedelta(seconds=data.seconds),
    )
    _append(session, event, "timer.started", timer.model_dump(mode="json"))
    return timer


def stop_timer(session: Session, *, actor: User | None, event: Event) -> None:
    """Take the countdown off the screen; stopping no timer changes nothing."""
    _control(session, actor, event)
    timer = current_timer(session, event=event)
    if timer is not None:
        _append(session, event, "timer.stopped", timer.model_dump(mode="json"))


def set_screen(
    session: Session, *, actor: User | None, event: Event, data: ScreenSet
) -> ScreenPublic:
    """Switch what the session screen shows (and so what the phones open); a timer that has
    run out is taken off with it."""
    _control(session, actor, event)
    target_id = data.target_id if data.mode in TARGETED else None
    if data.mode in NEEDS_TARGET and target_id is None:
        raise BadInput(f"Say which {_noun(data.mode)} the screen should show (target_id).")
    if target_id is not None:
        _check_target(session, event, data.mode, target_id)
    clear_finished_timer(session, event=event)
    screen = ScreenPublic(mode=data.mode, target_id=target_id, changed_at=utcnow())
    _append(session, event, "screen.changed", screen.model_dump(mode="json"))
    return screen


def clear_finished_timer(session: Session, *, event: Event) -> None:
    """The room moved on: a timer that has run out leaves every surface now, not at its linger."""
    timer = current_timer(session, event=event)
    if timer is not None and timer.ends_at <= utcnow():
        _append(session, event, "timer.stopped", timer.model_dump(mode="json"))


def _noun(mode: ScreenMode) -> str:
    return {"spotlight": "card", "agenda": "session", "breakout": "breakout group"}.get(
        mode, "board"
    )


def _check_target(session: Session, event: Event, mode: ScreenMode, target_id: int) -> None:
    """The target must belong to this event and be fit for the whole room to see."""
    if mode in OWNED:
        model, message = OWNED[mode]
        if getattr(session.get(model, target_id), "event_id", None) != event.id:
            raise BadInput(message)
        return
    card = session.get(Card, target_id) if mode == "spotlight" else None
    board_id = card.board_id if card else (None if mode == "spotlight" else target_id)
    board = session.get(Board, board_id) if board_id is not None else None
    if board is None or board.event_id != event.id:
        raise BadInput(f"That {_noun(mode)} is not one of this event's.")
    if board.state == "hidden":
        raise BadInput("That board is hidden; open or close it before showing it.")
    if card is not None and card.status != "visible":
        raise BadInput("Only a card shown on its board can be spotlighted.")


# -- the way in: the join code ----------------------------------------------------------------


def event_for_code(session: Session, *, code: str) -> Event:
    """The event behind a join code as people type it (any case, spaces, dashes)."""
    wanted = normalise_join_code(code)
    event = session.exec(select(Event).where(Event.join_code == wanted)).first() if wanted else None
    if event is None:
        raise NotFound("No event has that code. Check the code on the screen and try again.")
    return event


def joinable_event(session: Session, *, code: str) -> Event:
    """The event a code lets people join now; a closed day says so plainly."""
    event = event_for_code(session, code=code)
    if event.status not in JOINABLE:
        raise NotFound(f"{event.title} has ended, so it no longer takes new people.")
    return event
