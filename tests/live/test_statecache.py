"""/state from the snapshot cache: each viewer gets what a fresh read would show them, whoever
asked first, and a change (logged, or one that bumps no seq) is seen at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from server.db import Database
from server.live.pagecache import PageCache
from server.live.statecache import StateCache
from server.models.breakouts import BreakoutCreate
from server.models.events import Event
from server.services import access, attendees, breakout_members, breakouts, state
from server.services.access import Caller, Role
from tests.factories import SECRET, Room, board_of, make_attendee, post

HELD = "Her NHS number is 943 476 5919"
Viewer = tuple[Role, int | None]


@pytest.fixture
def cache(db: Database) -> Iterator[StateCache]:
    pages = PageCache(1 << 20)
    db.changed = pages.stale  # as the hub does: changes that bump no seq move the generation
    yield StateCache(pages.token)
    db.changed = None


def cached(db: Database, cache: StateCache, event_id: int, viewer: Viewer) -> dict[str, Any]:
    token = cache.token()
    with db.session(write=False) as s:
        event = s.get(Event, event_id)
        assert event is not None
        role, attendee_id = viewer
        scope = access.scope_of(s, role=role, attendee_id=attendee_id)
        return json.loads(cache.answer(s, event=event, scope=scope, token=token))  # type: ignore[no-any-return]


def fresh(db: Database, event_id: int, viewer: Viewer) -> dict[str, Any]:
    with db.session(write=False) as s:
        event = s.get(Event, event_id)
        assert event is not None
        role, attendee_id = viewer
        return state.load_state(s, event=event, role=role, attendee_id=attendee_id).model_dump(
            mode="json"
        )


def texts(answer: dict[str, Any]) -> list[str]:
    return [c["text"] for b in answer["boards"] for c in b["cards"]]


@pytest.fixture
def busy(db: Database, room: Room) -> dict[str, Viewer]:
    """Amy wrote a card and one held back; Cy sits in a group with a note; Dee just joined."""
    with db.session() as s:
        board = board_of(s, room)
        post(s, room.amy.caller, board, "Breakfast club is back")
        post(s, room.amy.caller, board, HELD)
        event = s.get(Event, room.world.event.id)
        assert event is not None
        cy, dee = make_attendee(s, event, "Cy"), make_attendee(s, event, "Dee")
        group = breakouts.create_breakout(
            s, actor=room.world.facilitator, event=event, data=BreakoutCreate(name="Table 1")
        )
        breakout_members.join(s, actor=cy.caller, breakout=group)
    return {
        "facilitator": ("facilitator", None),
        "amy": ("attendee", room.amy.attendee.id),
        "ben": ("attendee", room.ben.attendee.id),
        "cy": ("attendee", cy.attendee.id),
        "dee": ("attendee", dee.attendee.id),
        "public": ("public", None),
    }


@pytest.mark.parametrize("first", ["ben", "amy", "cy", "facilitator", "public"])
def test_each_viewer_gets_a_fresh_reads_answer_whoever_asked_first(
    db: Database, room: Room, cache: StateCache, busy: dict[str, Viewer], first: str
) -> None:
    event_id = room.world.event.id
    order = [first, *(name for name in busy if name != first)]
    answers = {name: cached(db, cache, event_id, busy[name]) for name in order}
    for name, viewer in busy.items():
        assert answers[name] == fresh(db, event_id, viewer), name
    assert HELD in texts(answers["amy"]) and HELD in texts(answers["facilitator"])
    for name in ("ben", "cy", "dee", "public"):
        assert texts(answers[name]) == ["Breakfast club is back"], name
    members = {name: [m["display_name"] for g in a["breakouts"] for m in g["members"]]
               for name, a in answers.items()}  # fmt: skip
    assert members["cy"] == members["dee"] == ["Cy"] and members["public"] == []


def test_a_logged_change_is_in_the_next_answer(
    db: Database, room: Room, cache: StateCache, busy: dict[str, Viewer]
) -> None:
    event_id = room.world.event.id
    before = cached(db, cache, event_id, busy["dee"])
    with db.session() as s:
        post(s, Caller(user=room.world.facilitator), board_of(s, room), "From the front")
    after = cached(db, cache, event_id, busy["dee"])
    assert after["seq"] > before["seq"]
    assert "From the front" in texts(after) and after == fresh(db, event_id, busy["dee"])


def test_a_new_name_that_bumps_no_seq_is_in_the_next_answer(
    db: Database, room: Room, cache: StateCache, busy: dict[str, Viewer]
) -> None:
    event_id = room.world.event.id
    with db.session() as s:
        post(s, room.ben.caller, board_of(s, room), "Night staff join the handover")
    before = cached(db, cache, event_id, busy["dee"])
    authors = {c["text"]: c["author"]["display_name"] for b in before["boards"] for c in b["cards"]}
    assert authors["Night staff join the handover"] == "Ben"
    with db.session() as s:
        event = s.get(Event, event_id)
        assert event is not None
        attendees.join(
            s,
            code=event.join_code,
            secret_key=SECRET,
            display_name="Benjamin",
            current=room.ben.attendee,
        )
    after = cached(db, cache, event_id, busy["dee"])
    assert after["seq"] == before["seq"]
    names = [c["author"]["display_name"] for b in after["boards"] for c in b["cards"]]
    assert "Benjamin" in names and "Ben" not in names
    assert after == fresh(db, event_id, busy["dee"])
