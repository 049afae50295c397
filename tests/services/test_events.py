"""An event's day moves draft -> live -> ended -> frozen, one step at a time."""

from __future__ import annotations

from typing import Any

import pytest

from server.db import Database
from server.errors import BadInput, BadTransition, EventFrozen
from server.services import events
from tests.factories import make_world


def test_a_day_moves_one_step_at_a_time_and_never_back(db: Database) -> None:
    with db.session() as s:
        world = make_world(s)
        event = world.event
        assert event.status == "draft"
        steps: list[tuple[events.Transition, str]] = [
            ("start", "live"),
            ("end", "ended"),
            ("freeze", "frozen"),
        ]
        for action, status in steps:
            before = event.status
            for wrong, _ in steps:
                if wrong != action:
                    with pytest.raises(BadTransition):
                        events.transition(s, actor=world.facilitator, event=event, action=wrong)
                    assert event.status == before
            events.transition(s, actor=world.facilitator, event=event, action=action)
            assert event.status == status
        for action, _ in steps:
            with pytest.raises(EventFrozen):
                events.transition(s, actor=world.facilitator, event=event, action=action)
        assert event.status == "frozen"


def test_an_unknown_action_is_bad_input_not_a_crash(db: Database) -> None:
    with db.session() as s:
        world = make_world(s)
        action: Any = "restart"
        with pytest.raises(BadInput) as caught:
            events.transition(s, actor=world.facilitator, event=world.event, action=action)
        assert caught.value.status == 400 and "start, end or freeze" in caught.value.message
        assert world.event.status == "draft"
