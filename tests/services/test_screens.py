"""Pairing session screens through their service, and what a paired screen sees."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from server.db import Database
from server.errors import EventFrozen, Forbidden, NotFound, RateLimited
from server.lib.ratelimit import Limits
from server.models.audit import AuditEntry
from server.models.breakouts import BreakoutCreate, NoteCreate
from server.models.events import Event, EventLog
from server.models.screens import ScreenPairing
from server.services import access, breakouts, notes, programmes, screens, state
from server.services.access import Caller
from server.settings import Settings
from tests.factories import SECRET, World, make_attendee, make_board, make_user, make_world, post

ADDRESS = "203.0.113.9"


def limits() -> Limits:
    return Limits(Settings(secret_key=SECRET, _env_file=None))  # type: ignore[call-arg]


def waiting_screen(session: Session, budget: Limits) -> tuple[ScreenPairing, str]:
    screen, token = screens.request_code(
        session, screen=None, secret_key=SECRET, limits=budget, address=ADDRESS
    )
    assert token is not None
    return screen, token


def paired(session: Session, world: World) -> tuple[ScreenPairing, str, Event]:
    budget = limits()
    screen, token = waiting_screen(session, budget)
    event = session.get(Event, world.event.id)
    assert event is not None
    screens.pair_screen(
        session,
        actor=world.facilitator,
        event=event,
        code=f" {screen.code[:3].lower()}-{screen.code[3:]} ",
        limits=budget,
        address=ADDRESS,
    )
    return screen, token, event


def test_a_code_typed_in_the_console_pairs_the_screen_with_that_event_only(
    db: Database, live_world: World
) -> None:
    with db.session() as s:
        budget = limits()
        screen, token = waiting_screen(s, budget)
        assert len(screen.code) == 6 and set(screen.code) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        again, none = screens.request_code(
            s, screen=screen, secret_key=SECRET, limits=budget, address=ADDRESS
        )
        assert (again.code, none) == (screen.code, None)  # the same code while it lasts
        screen, token, event = paired(s, live_world)
        found = screens.screen_for_token(s, token=token, secret_key=SECRET)
        assert found is not None and found.event_id == event.id
        caller = Caller(screen=found)
        assert access.event_scope(s, event=event, actor=caller).role == "screen"
        other = make_world(s, status="live")
        other_event = s.get(Event, other.event.id)
        assert other_event is not None
        assert access.event_scope(s, event=other_event, actor=caller).role == "public"
        actions = [a.action for a in s.exec(select(AuditEntry))]
        assert "screen.paired" in actions


def test_a_wrong_or_spent_code_pairs_nothing_and_guessing_is_limited(
    db: Database, live_world: World
) -> None:
    with db.session() as s:
        budget = limits()
        event = s.get(Event, live_world.event.id)
        assert event is not None
        screen, _ = waiting_screen(s, budget)
        kwargs = {"actor": live_world.facilitator, "event": event, "limits": budget}
        with pytest.raises(NotFound):
            screens.pair_screen(s, code="ZZZZZZ" if screen.code != "ZZZZZZ" else "YYYYYY",
                                address=ADDRESS, **kwargs)  # fmt: skip
        screens.pair_screen(s, code=screen.code, address=ADDRESS, **kwargs)
        with pytest.raises(NotFound):  # a code pairs once
            screens.pair_screen(s, code=screen.code, address=ADDRESS, **kwargs)
        guesses = 0
        with pytest.raises(RateLimited):
            while guesses <= 100:
                guesses += 1
                with pytest.raises(NotFound):
                    screens.pair_screen(s, code="AAAAAA", address="198.51.100.4", **kwargs)
        assert guesses == 21  # 20 wrong guesses in ten minutes, then 429


def test_unpairing_revokes_the_cookie_and_is_logged_for_facilitators(
    db: Database, live_world: World
) -> None:
    with db.session() as s:
        screen, token, event = paired(s, live_world)
        screens.unpair_screen(s, actor=live_world.facilitator, screen=screen)
        assert screens.screen_for_token(s, token=token, secret_key=SECRET) is None
        assert screens.paired_screens(s, actor=live_world.facilitator, event=event) == []
        row = s.exec(select(EventLog).where(EventLog.type == "screen.unpaired")).one()
        assert (row.audience, row.payload["id"]) == ("facilitators", screen.id)
        with pytest.raises(NotFound):
            screens.unpair_screen(s, actor=live_world.facilitator, screen=screen)


def test_a_lead_cannot_pair_and_a_frozen_event_takes_no_screen(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="frozen")
        lead = make_user(s)
        programmes.add_facilitator(
            s, actor=world.facilitator, programme=world.programme, email=lead.email, role="lead"
        )
        event = s.get(Event, world.event.id)
        assert event is not None
        budget = limits()
        screen, _ = waiting_screen(s, budget)
        with pytest.raises(Forbidden):
            screens.pair_screen(s, actor=lead, event=event, code=screen.code, limits=budget,
                                address=ADDRESS)  # fmt: skip
        with pytest.raises(EventFrozen):
            screens.pair_screen(s, actor=world.facilitator, event=event, code=screen.code,
                                limits=budget, address=ADDRESS)  # fmt: skip


def test_a_paired_screen_sees_the_room_and_of_held_notes_only_that_they_wait(
    db: Database, live_world: World
) -> None:
    with db.session() as s:
        _, _, event = paired(s, live_world)
        board = make_board(s, live_world, moderation="pre")
        amy = make_attendee(s, event, "Amy")
        post(s, amy.caller, board, "Waiting for approval")
        group = breakouts.create_breakout(
            s, actor=live_world.facilitator, event=event, data=BreakoutCreate(name="Safe")
        )
        data = NoteCreate(client_id=str(uuid.uuid4()), text="Ring 07700 900123 about Bea")
        notes.create_note(s, actor=Caller(user=live_world.facilitator), breakout=group, data=data)
        seen = state.load_state(s, event=event, role="screen")
        assert [b["cards"] for b in seen.boards] == [[]]
        [shown] = seen.breakouts
        [held] = shown["notes"]
        assert set(held) == {"id", "breakout_id", "created_at", "held"} and held["held"] is True
        assert shown["members"] == []
