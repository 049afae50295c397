"""The action plan: raising actions from themes, dated progress, overdue, and the event log."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlmodel import col, select

from server.db import Database
from server.errors import BadInput, EventFrozen, Forbidden, NotSignedIn
from server.models.actions import ActionChange, ActionCreate, ProgressCreate
from server.models.events import EventLog
from server.services import actions, events
from tests.factories import make_day, make_event, make_programme, make_world

TODAY = date(2026, 11, 23)


def log_types(db: Database, event_id: int) -> list[str]:
    with db.session(write=False) as s:
        rows = s.exec(
            select(EventLog.type).where(EventLog.event_id == event_id).order_by(col(EventLog.seq))
        )
        return [t for t in rows if t.startswith("action.")]


def test_raising_an_action_at_an_event_logs_it_there(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
        action = actions.create_action(
            s,
            actor=world.facilitator,
            programme=world.programme,
            data=ActionCreate(
                title="  Falls huddles  ",
                involve=["GP", " ", "Pharmacist "],
                event_id=world.event.id,
            ),
        )
        shown = actions.actions_public(s, actions=[action], today=TODAY)[0]
    assert shown.title == "Falls huddles" and shown.involve == ["GP", "Pharmacist"]
    assert shown.status == "to commence" and shown.updates == []
    assert log_types(db, world.event.id) == ["action.created"]


def test_progress_updates_are_dated_move_the_status_and_log_at_the_new_event(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
        raised = actions.create_action(
            s,
            actor=world.facilitator,
            programme=world.programme,
            data=ActionCreate(title="Hydration rounds", event_id=world.event.id),
        )
        for step in ("end", "freeze"):
            events.transition(s, actor=world.facilitator, event=world.event, action=step)
        later = make_event(s, programme=world.programme, owner=world.facilitator, status="live")
        actions.add_update(
            s,
            actor=world.facilitator,
            action=raised,
            data=ProgressCreate(text="Two homes started", status="in progress", event_id=later.id),
        )
        # No event named: the frozen origin takes no row, and nothing fails.
        actions.update_action(
            s, actor=world.facilitator, action=raised, data=ActionChange(owner="Dev Rai")
        )
        shown = actions.actions_public(s, actions=[raised], today=TODAY)[0]
    assert shown.status == "in progress" and shown.owner == "Dev Rai"
    assert [(u.text, u.status, u.event_id) for u in shown.updates] == [
        ("Two homes started", "in progress", later.id)
    ]
    assert log_types(db, world.event.id) == ["action.created"]
    assert log_types(db, later.id) == ["action.updated"]


def test_naming_a_frozen_event_answers_event_frozen(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="frozen")
        with pytest.raises(EventFrozen):
            actions.create_action(
                s,
                actor=world.facilitator,
                programme=world.programme,
                data=ActionCreate(title="Late", event_id=world.event.id),
            )


def test_overdue_means_past_its_date_and_not_done(db: Database) -> None:
    with db.session() as s:
        world = make_world(s)
        made = {
            status: actions.create_action(
                s,
                actor=world.facilitator,
                programme=world.programme,
                data=ActionCreate(title=status, status=status, target_date=date(2026, 11, 1)),  # type: ignore[arg-type]
            )
            for status in ("in progress", "done")
        }
        soon = actions.create_action(
            s,
            actor=world.facilitator,
            programme=world.programme,
            data=ActionCreate(title="Soon", target_date=TODAY),
        )
        shown = actions.actions_public(s, actions=[*made.values(), soon], today=TODAY)
        assert [a.overdue for a in shown] == [True, False, False]
        assert [
            a.title for a in actions.list_actions(s, programme=world.programme, open_only=True)
        ] == [
            "in progress",
            "Soon",
        ]


def test_themes_must_belong_to_the_programme(db: Database) -> None:
    with db.session() as s:
        day = make_day(s)
        other = make_programme(s, owner=day.world.facilitator)
        with pytest.raises(BadInput):
            actions.create_action(
                s,
                actor=day.world.facilitator,
                programme=other,
                data=ActionCreate(title="X", theme_id=day.theme_ids["Staffing"]),
            )
        with pytest.raises(BadInput):
            actions.create_action(
                s,
                actor=day.world.facilitator,
                programme=other,
                data=ActionCreate(title="X", event_id=day.world.event.id),
            )


def test_only_facilitators_write_the_plan(db: Database) -> None:
    with db.session() as s:
        world = make_world(s)
        data = ActionCreate(title="Mine")
        with pytest.raises(NotSignedIn):
            actions.create_action(s, actor=None, programme=world.programme, data=data)
        with pytest.raises(Forbidden):
            actions.create_action(s, actor=world.outsider, programme=world.programme, data=data)
        action = actions.create_action(s, actor=world.admin, programme=world.programme, data=data)
        with pytest.raises(Forbidden):
            actions.add_update(
                s, actor=world.outsider, action=action, data=ProgressCreate(text="Sneaky")
            )


def test_statuses_are_the_plan_words() -> None:
    with pytest.raises(ValidationError):
        ActionCreate(title="X", status="finished")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        ProgressCreate(text="")
