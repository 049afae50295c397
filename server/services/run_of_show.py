"""Run of show: moving the room on to the next session of the agenda in one step.

"Next session" is the existing room and blog controls composed: it opens the session's board,
starts a countdown as long as the session is scheduled for, puts the board (or the session) on
the screen, and marks the session "Now" for followers. Each step is the service function that
its own button calls, so the log, the screen and every phone see the usual messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from server.errors import BadInput, BadTransition, Conflict
from server.lib.timeutil import as_utc
from server.models.accounts import User
from server.models.boards import Board, BoardUpdate
from server.models.events import AgendaItem, Event
from server.models.room import TIMER_MAX_SECONDS, ScreenPublic, ScreenSet, TimerPublic, TimerStart
from server.services import boards, events, room
from server.services.access import require_event_facilitator


@dataclass
class NextSession:
    item: AgendaItem
    board: Board | None
    timer: TimerPublic | None
    screen: ScreenPublic


def next_item(session: Session, *, event: Event) -> AgendaItem | None:
    """The session after the one on now; the first of the day when none is on yet."""
    agenda = events.agenda(session, event=event)
    ids = [item.id for item in agenda]
    if event.now_item_id not in ids:
        return agenda[0] if agenda else None
    after = ids.index(event.now_item_id) + 1
    return agenda[after] if after < len(agenda) else None


def scheduled_seconds(agenda: list[AgendaItem], item: AgendaItem) -> int | None:
    """How long the session is scheduled for: until the next timed session starts."""
    if item.starts_at is None:
        return None
    later = [i.starts_at for i in agenda[agenda.index(item) + 1 :] if i.starts_at is not None]
    if not later:
        return None
    seconds = int((as_utc(later[0]) - as_utc(item.starts_at)).total_seconds())
    return min(seconds, TIMER_MAX_SECONDS) if seconds > 0 else None


def console_view(session: Session, *, event: Event) -> dict[str, object]:
    """What the console's event page shows of the run of show: now, its board, what is next."""
    now = session.get(AgendaItem, event.now_item_id) if event.now_item_id else None
    board = session.get(Board, now.board_id) if now and now.board_id else None
    return {"now_item": now, "now_board": board, "next_item": next_item(session, event=event)}


def move_to_next(
    session: Session, *, actor: User | None, event: Event, item: AgendaItem | None = None
) -> NextSession:
    """Put the next session (or `item`) on: board open, timer running, screen, "Now" marker."""
    require_event_facilitator(session, actor=actor, event=event)
    if event.status != "live":
        raise BadTransition("Start the day first: sessions run while the event is live.")
    item = item or next_item(session, event=event)
    if item is None:
        raise Conflict("That was the last session on the agenda.")
    if item.event_id != event.id:
        raise BadInput("That session is not on this event's agenda.")
    board = session.get(Board, item.board_id) if item.board_id is not None else None
    if board is not None and board.state != "open":
        boards.update_board(session, actor=actor, board=board, data=BoardUpdate(state="open"))
    timer = _restart_timer(session, actor, event, item)
    if board is not None:
        shown = ScreenSet(mode="board", target_id=board.id)
    else:
        shown = ScreenSet(mode="agenda", target_id=item.id)
    screen = room.set_screen(session, actor=actor, event=event, data=shown)
    events.set_now_item(session, actor=actor, event=event, item=item)
    return NextSession(item=item, board=board, timer=timer, screen=screen)


def _restart_timer(
    session: Session, actor: User | None, event: Event, item: AgendaItem
) -> TimerPublic | None:
    """The session's own countdown; an untimed session ends the last one's rather than keep it."""
    seconds = scheduled_seconds(events.agenda(session, event=event), item)
    if seconds is None:
        room.stop_timer(session, actor=actor, event=event)
        return None
    return room.start_timer(
        session, actor=actor, event=event, data=TimerStart(seconds=seconds, label=item.title[:80])
    )
