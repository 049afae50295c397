"""Run of show: "Next session" opens the board, starts the timer, switches the screen, marks now."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from server.db import Database
from server.errors import BadTransition, Conflict, Forbidden
from server.models.boards import BoardUpdate
from server.models.events import AgendaItemCreate, AgendaItemUpdate, Event
from server.services import boards, events, room, run_of_show, state
from tests.factories import World, event_of, log_types, make_board, make_world


def timed_day(session: Session) -> tuple[World, Event, list[int], int]:
    """A live day with three timed sessions (the first with a closed board) and one untimed."""
    world = make_world(session, status="live")
    event = event_of(session, world)
    for item in events.agenda(session, event=event):
        events.delete_agenda_item(session, actor=world.facilitator, item=item)
    board = make_board(session, world, title="Safe: what does good look like?")
    boards.update_board(
        session, actor=world.facilitator, board=board, data=BoardUpdate(state="closed")
    )
    ids = []
    for title, hour, board_id in (
        ("Welcome", 9, None),
        ("Breakout: safe", 10, board.id),
        ("Themes", 11, None),
    ):
        at = datetime(2026, 12, 3, hour, 30 if hour == 10 else 0, tzinfo=UTC)
        data = AgendaItemCreate(title=title, starts_at=at, board_id=board_id)
        ids.append(
            events.add_agenda_item(session, actor=world.facilitator, event=event, data=data).id
        )
    extra = AgendaItemCreate(title="Close")
    ids.append(events.add_agenda_item(session, actor=world.facilitator, event=event, data=extra).id)
    return world, event, ids, board.id


def test_next_session_walks_the_agenda_and_moves_the_room(db: Database) -> None:
    with db.session() as s:
        world, event, ids, board_id = timed_day(s)
        first = run_of_show.move_to_next(s, actor=world.facilitator, event=event)
        assert first.item.id == ids[0]
        assert first.screen.mode == "agenda" and first.screen.target_id == ids[0]
        assert first.timer is not None and first.timer.seconds == 90 * 60
        assert first.timer.label == "Welcome"

        second = run_of_show.move_to_next(s, actor=world.facilitator, event=event)
        assert second.item.id == ids[1]
        assert boards.board_or_404(s, board_id=board_id).state == "open"
        assert (second.screen.mode, second.screen.target_id) == ("board", board_id)
        assert second.timer is not None and second.timer.seconds == 30 * 60

        seen = state.load_state(s, event=event, role="public")
        assert seen.event.now_item_id == ids[1]
        assert seen.screen.target_id == board_id
        assert seen.timer is not None and seen.timer.label == "Breakout: safe"
        assert log_types(s, event.id)[-4:] == [
            "board.updated",
            "timer.started",
            "screen.changed",
            "event.updated",
        ]


def test_an_untimed_session_ends_the_last_timer_and_the_agenda_runs_out(db: Database) -> None:
    with db.session() as s:
        world, event, ids, _ = timed_day(s)
        themes = events.agenda_item_or_404(s, item_id=ids[2])
        run_of_show.move_to_next(s, actor=world.facilitator, event=event, item=themes)
        assert room.current_timer(s, event=event) is None  # "Themes" has no timed session after it
        close = run_of_show.move_to_next(s, actor=world.facilitator, event=event)
        assert close.item.id == ids[3] and close.timer is None
        with pytest.raises(Conflict, match="last session"):
            run_of_show.move_to_next(s, actor=world.facilitator, event=event)


def test_deleting_the_session_on_now_clears_the_marker(db: Database) -> None:
    with db.session() as s:
        world, event, _, _ = timed_day(s)
        now = run_of_show.move_to_next(s, actor=world.facilitator, event=event).item
        events.update_agenda_item(
            s, actor=world.facilitator, item=now, data=AgendaItemUpdate(board_id=None)
        )
        events.delete_agenda_item(s, actor=world.facilitator, item=now)
        assert event.now_item_id is None
        assert run_of_show.next_item(s, event=event) is not None


def test_only_a_facilitator_of_a_live_day_moves_it_on(db: Database) -> None:
    with db.session() as s:
        world = make_world(s)
        draft = event_of(s, world)
        with pytest.raises(BadTransition):
            run_of_show.move_to_next(s, actor=world.facilitator, event=draft)
        events.transition(s, actor=world.facilitator, event=draft, action="start")
        with pytest.raises(Forbidden):
            run_of_show.move_to_next(s, actor=world.outsider, event=draft)
