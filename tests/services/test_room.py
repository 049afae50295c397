"""Room control through its service: the screen's mode and the timer, read back from the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from server.db import Database
from server.errors import BadInput, EventFrozen, Forbidden, NotSignedIn
from server.lib.timeutil import iso, utcnow
from server.models.boards import BoardCreate, BoardUpdate
from server.models.breakouts import Breakout, BreakoutUpdate
from server.models.events import Event, EventLog
from server.models.room import ScreenSet, TimerStart
from server.services import boards, breakouts, events, room, state
from tests.factories import (
    World,
    event_of,
    log_types,
    make_attendee,
    make_board,
    make_event,
    make_group,
    make_world,
    post,
)

PROMPT = "What does good look like?"


@dataclass
class Room:
    world: World
    board_id: int
    card_id: int
    held_id: int


@pytest.fixture
def live(db: Database) -> Room:
    with db.session() as s:
        world = make_world(s, status="live")
        board = make_board(s, world)
        amy = make_attendee(s, event_of(s, world), "Amy")
        shown = post(s, amy.caller, board, "Residents ran the garden club")
        held = post(s, amy.caller, board, "Ring me on 07700 900123")
        return Room(world, board.id, shown.id, held.id)


def screen(session: Session, world: World, mode: str, target_id: int | None = None) -> None:
    room.set_screen(
        session,
        actor=world.facilitator,
        event=event_of(session, world),
        data=ScreenSet(mode=mode, target_id=target_id),  # type: ignore[arg-type]
    )


def test_a_new_event_shows_its_join_code_and_no_timer(db: Database, live: Room) -> None:
    with db.session() as s:
        event = event_of(s, live.world)
        assert room.current_screen(s, event=event).mode == "join"
        assert room.current_timer(s, event=event) is None


def test_a_timer_runs_until_stopped_and_a_new_one_replaces_it(db: Database, live: Room) -> None:
    with db.session() as s:
        event = event_of(s, live.world)
        first = room.start_timer(
            s,
            actor=live.world.facilitator,
            event=event,
            data=TimerStart(seconds=300, label="Pairs"),
        )
        assert first.ends_at - first.started_at == timedelta(seconds=300)
        second = room.start_timer(
            s, actor=live.world.facilitator, event=event, data=TimerStart(seconds=60)
        )
        assert room.current_timer(s, event=event) == second
        room.stop_timer(s, actor=live.world.facilitator, event=event)
        assert room.current_timer(s, event=event) is None
        # Stopping again changes nothing, so it logs nothing.
        room.stop_timer(s, actor=live.world.facilitator, event=event)
        timer_rows = [t for t in log_types(s, event.id) if t.startswith("timer.")]
        assert timer_rows == ["timer.started", "timer.started", "timer.stopped"]


def test_the_screen_follows_the_latest_change(db: Database, live: Room) -> None:
    with db.session() as s:
        screen(s, live.world, "board", live.board_id)
        screen(s, live.world, "spotlight", live.card_id)
        screen(s, live.world, "join", live.card_id)
        shown = room.current_screen(s, event=event_of(s, live.world))
        # join names nothing: a target sent along is dropped, not stored.
        assert (shown.mode, shown.target_id) == ("join", None)
        assert log_types(s, live.world.event.id).count("screen.changed") == 3


@pytest.mark.parametrize(
    ("mode", "target", "message"),
    [
        ("board", None, "Say which board"),
        ("results", None, "Say which board"),
        ("spotlight", None, "Say which card"),
        ("board", "elsewhere", "not one of this event's"),
        ("spotlight", "held", "Only a card shown"),
        ("board", "hidden", "hidden"),
        ("agenda", "elsewhere-session", "not on this event's agenda"),
        ("breakout", None, "Say which breakout group"),
        ("breakout", "elsewhere-group", "not one of this event's"),
        ("breakout", "nowhere", "not one of this event's"),
    ],
)
def test_the_screen_shows_only_this_events_things_fit_for_the_room(
    db: Database, live: Room, mode: str, target: str | None, message: str
) -> None:
    with db.session() as s:
        world = live.world
        other = make_event(s, programme=world.programme, owner=world.facilitator, agenda=1)
        targets = {
            None: None,
            "held": live.held_id,
            "hidden": make_board(s, world).id,
            "elsewhere": boards.create_event_board(
                s, actor=world.facilitator, event=other, data=BoardCreate(title="Elsewhere")
            ).id,
            "elsewhere-session": events.agenda(s, event=other)[0].id,
            "elsewhere-group": make_group(s, world, "Table 1", event=other, prompt=PROMPT).id,
            "nowhere": 999999,
        }
        hidden = boards.board_or_404(s, board_id=targets["hidden"])
        boards.update_board(
            s, actor=world.facilitator, board=hidden, data=BoardUpdate(state="hidden")
        )
        with pytest.raises(BadInput, match=message):
            screen(s, world, mode, targets[target])


def test_the_screen_shows_a_breakout_group_open_or_closed(db: Database, live: Room) -> None:
    with db.session() as s:
        event = event_of(s, live.world)
        group = make_group(s, live.world, "Table 1", prompt=PROMPT)
        screen(s, live.world, "breakout", group.id)
        assert room.current_screen(s, event=event).model_dump(include={"mode", "target_id"}) == {
            "mode": "breakout",
            "target_id": group.id,
        }
        # Reporting back comes after the groups close: a closed group still goes on the screen.
        breakouts.update_breakout(
            s, actor=live.world.facilitator, breakout=group, data=BreakoutUpdate(state="closed")
        )
        screen(s, live.world, "breakout", group.id)
        loaded = state.load_state(s, event=event, role="facilitator")
        assert (loaded.screen.mode, loaded.screen.target_id) == ("breakout", group.id)
        assert [b["id"] for b in loaded.breakouts] == [group.id]


def test_agenda_may_name_the_current_session_or_not(db: Database, live: Room) -> None:
    with db.session() as s:
        item = events.agenda(s, event=event_of(s, live.world))[1]
        screen(s, live.world, "agenda", item.id)
        assert room.current_screen(s, event=event_of(s, live.world)).target_id == item.id
        screen(s, live.world, "agenda")
        assert room.current_screen(s, event=event_of(s, live.world)).target_id is None


def test_only_the_events_facilitators_control_the_room(db: Database, live: Room) -> None:
    with db.session() as s:
        event = event_of(s, live.world)
        data = TimerStart(seconds=10)
        with pytest.raises(NotSignedIn):
            room.start_timer(s, actor=None, event=event, data=data)
        with pytest.raises(Forbidden):
            room.start_timer(s, actor=live.world.outsider, event=event, data=data)
        with pytest.raises(Forbidden):
            room.set_screen(s, actor=live.world.outsider, event=event, data=ScreenSet(mode="blank"))
        room.start_timer(s, actor=live.world.admin, event=event, data=data)


def test_a_frozen_event_refuses_room_changes(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="frozen")
        event = event_of(s, world)
        with pytest.raises(EventFrozen):
            room.start_timer(s, actor=world.facilitator, event=event, data=TimerStart(seconds=5))
        with pytest.raises(EventFrozen):
            room.stop_timer(s, actor=world.facilitator, event=event)
        with pytest.raises(EventFrozen):
            room.set_screen(s, actor=world.facilitator, event=event, data=ScreenSet(mode="blank"))
        # A frozen event's groups stay, but the screen no longer changes to show one.
        group = Breakout(event_id=event.id, name="Table 1")
        s.add(group)
        s.flush()
        with pytest.raises(EventFrozen):
            screen(s, world, "breakout", group.id)


def run_out(session: Session, event: Event, ago: timedelta) -> None:
    """Make the running timer one that ended `ago` (as if started that much earlier)."""
    row = session.exec(
        select(EventLog)
        .where(EventLog.event_id == event.id, EventLog.type == "timer.started")
        .order_by(col(EventLog.seq).desc())
    ).first()
    assert row is not None
    ends = utcnow().replace(microsecond=0) - ago
    started = ends - timedelta(seconds=row.payload["seconds"])
    row.payload = {**row.payload, "started_at": iso(started), "ends_at": iso(ends)}
    session.add(row)
    session.flush()


def test_time_is_up_clears_when_the_room_moves_on_or_after_a_while(
    db: Database, live: Room
) -> None:
    with db.session() as s:
        event = event_of(s, live.world)
        room.start_timer(s, actor=live.world.facilitator, event=event, data=TimerStart(seconds=60))
        run_out(s, event, timedelta(seconds=30))
        assert room.current_timer(s, event=event) is not None  # "Time is up", for a moment
        screen(s, live.world, "board", live.board_id)
        assert log_types(s, event.id)[-2:] == ["timer.stopped", "screen.changed"]
        assert state.load_state(s, event=event, role="attendee").timer is None
        # Opening a board moves the room on too.
        room.start_timer(s, actor=live.world.facilitator, event=event, data=TimerStart(seconds=60))
        run_out(s, event, timedelta(seconds=30))
        board = make_board(s, live.world, title="Next board")
        closed = BoardUpdate(state="closed")
        boards.update_board(s, actor=live.world.facilitator, board=board, data=closed)
        assert room.current_timer(s, event=event) is not None
        reopen = BoardUpdate(state="open")
        boards.update_board(s, actor=live.world.facilitator, board=board, data=reopen)
        assert room.current_timer(s, event=event) is None
        # A running timer is not the screen's to stop.
        room.start_timer(s, actor=live.world.facilitator, event=event, data=TimerStart(seconds=60))
        screen(s, live.world, "join")
        assert room.current_timer(s, event=event) is not None
        # Left alone, a finished timer is gone from a reload after its linger.
        run_out(s, event, room.TIMER_LINGER + timedelta(seconds=1))
        assert room.current_timer(s, event=event) is None
        assert state.load_state(s, event=event, role="facilitator").timer is None


def test_every_role_loads_the_screen_and_timer_with_the_state(db: Database, live: Room) -> None:
    with db.session() as s:
        event = event_of(s, live.world)
        room.start_timer(s, actor=live.world.facilitator, event=event, data=TimerStart(seconds=90))
        screen(s, live.world, "results", live.board_id)
        amy = make_attendee(s, event, "Amy")
    with db.session(write=False) as s:
        event = event_of(s, live.world)
        viewers = (("facilitator", None), ("attendee", amy.attendee.id), ("public", None))
        for role, attendee_id in viewers:
            loaded = state.load_state(s, event=event, role=role, attendee_id=attendee_id)
            assert loaded.timer is not None and loaded.timer.seconds == 90
            assert (loaded.screen.mode, loaded.screen.target_id) == ("results", live.board_id)
