"""Breakout groups, seating and notes through their services, and what each viewer sees."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from server.db import Database
from server.errors import BadInput, Conflict, EventFrozen, Forbidden, NotFound
from server.models.boards import Card
from server.models.breakouts import (
    AssignRequest,
    Breakout,
    BreakoutMember,
    BreakoutUpdate,
    Note,
    NoteCreate,
    NoteUpdate,
)
from server.models.events import Event, EventLog
from server.realtime.audience import Scope, follow
from server.realtime.registry import project
from server.services import (
    breakout_members,
    breakouts,
    events,
    notes,
    reportback,
    state,
)
from server.services.access import Caller
from server.settings import Settings
from tests.factories import (
    FACILITATOR,
    PUBLIC,
    Joined,
    World,
    event_of,
    make_attendee,
    make_board,
    make_group,
    make_world,
)


def write(session: Session, who: Caller, group: Breakout, text: str) -> Note:
    data = NoteCreate(client_id=str(uuid.uuid4()), text=text)
    note, created = notes.create_note(session, actor=who, breakout=group, data=data)
    assert created
    return note


def last_seq(session: Session, event_id: int) -> int:
    """The event's last log seq, read afresh (log.append bumps it behind the ORM's back)."""
    event = session.get(Event, event_id)
    assert event is not None
    session.refresh(event)
    return event.last_seq


def rows(session: Session, event_id: int, after: int = 0) -> list[EventLog]:
    query = select(EventLog).where(EventLog.event_id == event_id, col(EventLog.seq) > after)
    return list(session.exec(query.order_by(col(EventLog.seq))))


def seen(scope: Scope, logged: list[EventLog]) -> list[tuple[str, dict[str, Any]]]:
    """What a connection with this scope receives of these rows, following its moves."""
    shown = []
    for row in logged:
        follow(scope, row.type, row.payload)
        projected = project(scope, row.type, row.audience, row.payload)
        if projected is not None:
            shown.append((projected[1], projected[2]))
    return shown


@dataclass
class Tables:
    """A live event with two groups; Amy and Ben sit at table 1, Cat at table 2, Dev nowhere."""

    world: World
    one: int
    two: int
    amy: Joined
    ben: Joined
    cat: Joined
    dev: Joined

    def group(self, session: Session, which: int) -> Breakout:
        return breakouts.breakout_or_404(session, breakout_id=which)

    def scope(self, session: Session, who: Joined) -> Scope:
        return breakouts.viewer_scope(
            session, event=event_of(session, self.world), actor=who.caller
        )


@pytest.fixture
def tables(db: Database) -> Tables:
    with db.session() as s:
        world = make_world(s, status="live")
        event = event_of(s, world)
        one = make_group(s, world, "Table 1", prompt="What does good look like for safe?")
        two = make_group(s, world, "Table 2")
        people = [make_attendee(s, event, n) for n in ("Amy", "Ben", "Cat", "Dev")]
        for who, group in zip(people[:3], (one, one, two), strict=True):
            breakout_members.join(s, actor=who.caller, breakout=group)
        return Tables(world, one.id, two.id, *people)


# -- balanced seating -------------------------------------------------------------------------


@pytest.mark.parametrize(("people", "groups"), [(1, 3), (7, 3), (30, 4), (31, 5), (12, 12)])
def test_balanced_plan_sizes_differ_by_at_most_one(people: int, groups: int) -> None:
    plan = breakout_members.balanced_plan([(i, "") for i in range(people)], list(range(groups)))
    sizes = Counter(plan.values())
    assert len(plan) == people
    assert max(sizes.values()) - min(sizes.get(g, 0) for g in range(groups)) <= 1


def test_balanced_plan_keeps_colleagues_apart() -> None:
    people = [(1, "Oak House"), (2, "oak  house"), (3, "Oak House"), (4, "Elm Court")]
    people += [(5, "Elm Court"), (6, ""), (7, ""), (8, "Birch Lodge")]
    people += [(10 + i, "Big Care Group") for i in range(5)]
    plan = breakout_members.balanced_plan(people, [100, 200, 300])
    per_group = Counter((org.casefold().replace(" ", ""), plan[a]) for a, org in people if org)
    # Three colleagues, three groups: one each. Five colleagues: never more than two together.
    assert {g for (org, g) in per_group if org == "oakhouse"} == {100, 200, 300}
    assert max(n for (org, _), n in per_group.items() if org == "bigcaregroup") == 2
    assert max(n for (org, _), n in per_group.items() if org == "elmcourt") == 1
    sizes = Counter(plan.values())
    assert max(sizes.values()) - min(sizes.values()) <= 1


def test_assign_balanced_seats_everyone_and_logs_one_row(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
        event = event_of(s, world)
        groups = [make_group(s, world, f"Table {i}") for i in (1, 2, 3)]
        homes = ["Oak House"] * 3 + ["Elm Court"] * 2 + [""] * 5
        people = [make_attendee(s, event, f"P{i}", home) for i, home in enumerate(homes)]
        before = last_seq(s, event.id)
        data = AssignRequest(strategy="balanced")
        breakout_members.assign(s, actor=world.facilitator, event=event, data=data)
        logged = rows(s, event.id, before)
        assert [r.type for r in logged] == ["breakout.member", "breakout.opened"]
        seats = {m["attendee_id"]: m["breakout_id"] for m in logged[0].payload["moves"]}
        assert set(seats) == {p.attendee.id for p in people}
        assert sorted(Counter(seats.values()).values()) == [3, 3, 4]
        oak = {seats[p.attendee.id] for p in people[:3]}
        assert oak == {g.id for g in groups}
        full = breakouts.breakouts_as_seen(s, event=event, scope=FACILITATOR)
        assert sorted(b["member_count"] for b in full) == [3, 3, 4]


def test_assign_needs_an_open_group(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
        with pytest.raises(breakouts.NoOpenBreakouts):
            breakout_members.assign(
                s,
                actor=world.facilitator,
                event=event_of(s, world),
                data=AssignRequest(strategy="balanced"),
            )


def test_opening_calls_each_phone_to_its_own_group_and_nobody_else(
    db: Database, tables: Tables
) -> None:
    """Balanced: every attendee is told their own table only; followers are told nothing."""
    with db.session() as s:
        event = event_of(s, tables.world)
        scopes = [(w.attendee.id, tables.scope(s, w)) for w in (tables.amy, tables.cat, tables.dev)]
        before = last_seq(s, event.id)
        data = AssignRequest(strategy="balanced")
        breakout_members.assign(s, actor=tables.world.facilitator, event=event, data=data)
        logged = rows(s, event.id, before)
        seats = dict(s.exec(select(BreakoutMember.attendee_id, BreakoutMember.breakout_id)).all())
        for attendee_id, scope in scopes:
            calls = [data for type, data in seen(scope, logged) if type == "breakout.opened"]
            assert calls == [
                {"strategy": "balanced", "breakout_ids": [tables.one, tables.two],
                 "breakout_id": seats[attendee_id]}
            ]  # fmt: skip
        assert [t for t, _ in seen(Scope(role="public"), logged)] == ["breakout.member"]
        (full,) = [d for t, d in seen(FACILITATOR, logged) if t == "breakout.opened"]
        assert full == {"strategy": "balanced", "breakout_ids": [tables.one, tables.two]}


def test_let_people_pick_invites_every_phone_to_the_picker(db: Database, tables: Tables) -> None:
    with db.session() as s:
        event = event_of(s, tables.world)
        amy = tables.scope(s, tables.amy)
        before = last_seq(s, event.id)
        data = AssignRequest(strategy="self")
        breakout_members.assign(s, actor=tables.world.facilitator, event=event, data=data)
        (call,) = [d for t, d in seen(amy, rows(s, event.id, before)) if t == "breakout.opened"]
        assert call == {"strategy": "self", "breakout_ids": [tables.one, tables.two],
                        "breakout_id": None}  # fmt: skip


# -- picking on the phone ---------------------------------------------------------------------


def test_self_pick_respects_the_cap(db: Database, tables: Tables) -> None:
    with db.session() as s:
        event = event_of(s, tables.world)
        data = AssignRequest(strategy="self", cap=2)
        breakout_members.assign(s, actor=tables.world.facilitator, event=event, data=data)
        one = tables.group(s, tables.one)
        assert one.cap == 2
        # "self" released everyone: they pick again.
        assert breakouts.open_groups(s, event=event, attendee_id=tables.amy.attendee.id) == []
        for who in (tables.amy, tables.ben):
            breakout_members.join(s, actor=who.caller, breakout=one)
        with pytest.raises(breakouts.BreakoutFull) as full:
            breakout_members.join(s, actor=tables.cat.caller, breakout=one)
        assert full.value.status == 409 and full.value.code == "breakout_full"
        breakout_members.join(s, actor=tables.cat.caller, breakout=tables.group(s, tables.two))


def test_joining_twice_is_fine_but_switching_is_the_facilitators_call(
    db: Database, tables: Tables
) -> None:
    with db.session() as s:
        before = last_seq(s, tables.world.event.id)
        breakout_members.join(s, actor=tables.amy.caller, breakout=tables.group(s, tables.one))
        assert rows(s, tables.world.event.id, before) == []
        with pytest.raises(breakouts.AlreadyInGroup, match="Table 1"):
            breakout_members.join(s, actor=tables.amy.caller, breakout=tables.group(s, tables.two))
        with pytest.raises(Forbidden):
            breakout_members.join(
                s, actor=Caller(user=tables.world.outsider), breakout=tables.group(s, tables.two)
            )


def test_a_move_takes_the_attendee_out_of_their_open_group(db: Database, tables: Tables) -> None:
    with db.session() as s:
        event = event_of(s, tables.world)
        before = last_seq(s, event.id)
        breakout_members.move(
            s,
            actor=tables.world.facilitator,
            breakout=tables.group(s, tables.two),
            attendee_id=tables.amy.attendee.id,
        )
        assert breakouts.open_groups(s, event=event, attendee_id=tables.amy.attendee.id) == [
            tables.two
        ]
        (row,) = rows(s, event.id, before)
        assert row.type == "breakout.member"
        assert row.payload["moves"] == [
            {"attendee_id": tables.amy.attendee.id, "breakout_id": tables.two,
             "from_breakout_id": tables.one}
        ]  # fmt: skip
        assert {b["id"] for b in row.payload["breakouts"]} == {tables.one, tables.two}
        with pytest.raises(Forbidden):
            breakout_members.move(
                s,
                actor=tables.world.outsider,
                breakout=tables.group(s, tables.one),
                attendee_id=tables.amy.attendee.id,
            )


# -- the group audience -------------------------------------------------------------------------


def test_a_groups_notes_reach_its_members_and_facilitators_only(
    db: Database, tables: Tables
) -> None:
    with db.session() as s:
        start = last_seq(s, tables.world.event.id)
        write(s, tables.amy.caller, tables.group(s, tables.one), "Staff know every routine")
        write(s, tables.cat.caller, tables.group(s, tables.two), "Map the GP practice")
        logged = rows(s, tables.world.event.id, start)
        assert [r.audience for r in logged] == [f"group:{tables.one}", f"group:{tables.two}"]

        def texts(scope: Scope) -> list[str]:
            return [d["text"] for t, d in seen(scope, logged) if t == "note.created"]

        assert texts(tables.scope(s, tables.ben)) == ["Staff know every routine"]
        assert texts(tables.scope(s, tables.cat)) == ["Map the GP practice"]
        assert texts(tables.scope(s, tables.dev)) == []
        assert texts(PUBLIC) == []
        assert len(texts(FACILITATOR)) == 2


def test_a_moved_member_follows_their_new_group_from_the_move_on(
    db: Database, tables: Tables
) -> None:
    with db.session() as s:
        start = last_seq(s, tables.world.event.id)
        amy_scope = tables.scope(s, tables.amy)  # as her phone connected: table 1
        write(s, tables.cat.caller, tables.group(s, tables.two), "Before the move")
        breakout_members.move(
            s,
            actor=tables.world.facilitator,
            breakout=tables.group(s, tables.two),
            attendee_id=tables.amy.attendee.id,
        )
        write(s, tables.cat.caller, tables.group(s, tables.two), "After the move")
        write(s, tables.ben.caller, tables.group(s, tables.one), "Table 1 carries on")
        got = seen(amy_scope, rows(s, tables.world.event.id, start))
        assert amy_scope.groups == {tables.two}
        assert [t for t, _ in got] == ["breakout.member", "note.created"]
        moved = {b["id"]: b for b in got[0][1]["breakouts"]}
        assert [n["text"] for n in moved[tables.two]["notes"]] == ["Before the move"]
        assert moved[tables.one]["notes"] == []
        assert got[1][1]["text"] == "After the move"


def test_sharing_shows_notes_to_everyone_except_personal_data(db: Database, tables: Tables) -> None:
    with db.session() as s:
        one = tables.group(s, tables.one)
        kept = write(s, tables.amy.caller, one, "Residents plan the menu")
        held = write(s, tables.amy.caller, one, "Ring 07700 900123 about Bea")
        start = last_seq(s, tables.world.event.id)
        update = BreakoutUpdate(shared=True)
        breakouts.update_breakout(s, actor=tables.world.facilitator, breakout=one, data=update)
        write(s, tables.ben.caller, one, "Later, in public")
        logged = rows(s, tables.world.event.id, start)
        assert [r.audience for r in logged] == ["public", "public"]
        for scope in (PUBLIC, tables.scope(s, tables.cat)):
            got = seen(scope, logged)
            assert [n["id"] for n in got[0][1]["notes"]] == [kept.id]
            assert got[1][1]["text"] == "Later, in public"
            assert "held_reason" not in got[1][1]
        members = seen(tables.scope(s, tables.ben), logged)
        assert {n["id"] for n in members[0][1]["notes"]} == {kept.id, held.id}
        (facilitator_view,) = [
            n for n in seen(FACILITATOR, logged)[0][1]["notes"] if n["id"] == held.id
        ]
        assert facilitator_view["held_reason"] == "looks like a phone number"


def test_a_shared_note_edited_into_personal_data_is_deleted_for_others(
    db: Database, tables: Tables
) -> None:
    with db.session() as s:
        one = tables.group(s, tables.one)
        breakouts.update_breakout(
            s, actor=tables.world.facilitator, breakout=one, data=BreakoutUpdate(shared=True)
        )
        note = write(s, tables.amy.caller, one, "Residents plan the menu")
        start = last_seq(s, tables.world.event.id)
        notes.update_note(
            s,
            actor=tables.ben.caller,
            note=note,
            data=NoteUpdate(text="Ask jo@example.org", version=1),
        )
        logged = rows(s, tables.world.event.id, start)
        assert seen(PUBLIC, logged) == [("note.deleted", {"id": note.id})]
        assert seen(tables.scope(s, tables.amy), logged)[0][0] == "note.updated"


def test_rest_reads_show_a_non_member_no_notes(db: Database, tables: Tables) -> None:
    with db.session() as s:
        two = tables.group(s, tables.two)
        note = write(s, tables.cat.caller, two, "Map the GP practice")
        seen_by_amy = breakouts.breakout_as_seen(s, breakout=two, actor=tables.amy.caller)
        assert seen_by_amy["notes"] == [] and seen_by_amy["member_count"] == 1
        with pytest.raises(NotFound):
            notes.note_as_seen(s, note=note, actor=tables.amy.caller)
        with pytest.raises(NotFound):
            notes.update_note(
                s, actor=tables.amy.caller, note=note, data=NoteUpdate(text="x", version=1)
            )
        snapshot = state.load_state(
            s, event=event_of(s, tables.world), role="attendee", attendee_id=tables.amy.attendee.id
        )
        assert {b["id"]: len(b["notes"]) for b in snapshot.breakouts} == {
            tables.one: 0,
            tables.two: 0,
        }
        public = state.load_state(s, event=event_of(s, tables.world), role="public")
        assert all(b["members"] == [] for b in public.breakouts)


# -- notes ----------------------------------------------------------------------------------------


def test_the_same_client_id_makes_one_note(db: Database, tables: Tables) -> None:
    data = NoteCreate(client_id="phone-1", text="Night staff feel heard")
    with db.session() as s:
        first, created = notes.create_note(
            s, actor=tables.amy.caller, breakout=tables.group(s, tables.one), data=data
        )
        assert created
    with db.session() as s:
        again, created = notes.create_note(
            s, actor=tables.amy.caller, breakout=tables.group(s, tables.one), data=data
        )
        assert (again.id, created) == (first.id, False)
        with pytest.raises(Conflict):
            notes.create_note(
                s, actor=tables.ben.caller, breakout=tables.group(s, tables.one), data=data
            )


def test_non_members_cannot_write_in_a_group(db: Database, tables: Tables) -> None:
    with db.session() as s, pytest.raises(Forbidden):
        write(s, tables.dev.caller, tables.group(s, tables.one), "Let me in")
    with db.session() as s:
        note = write(s, Caller(user=tables.world.facilitator), tables.group(s, tables.one), "Hi")
        assert note.author_user_id == tables.world.facilitator.id


def test_a_stale_version_is_a_conflict_carrying_the_current_note(
    db: Database, tables: Tables
) -> None:
    with db.session() as s:
        note = write(s, tables.amy.caller, tables.group(s, tables.one), "First thought")
        note_id = note.id
    with db.session() as s:
        notes.update_note(
            s,
            actor=tables.ben.caller,
            note=notes.note_or_404(s, note_id=note_id),
            data=NoteUpdate(text="Ben's take", version=1),
        )
    with db.session() as s, pytest.raises(notes.StaleVersion) as stale:
        notes.update_note(
            s,
            actor=tables.amy.caller,
            note=notes.note_or_404(s, note_id=note_id),
            data=NoteUpdate(text="Amy's take", version=1),
        )
    error = stale.value.body()["error"]
    assert (stale.value.status, error["code"]) == (409, "stale_version")
    assert error["details"]["current"]["text"] == "Ben's take"
    assert error["details"]["current"]["version"] == 2
    with db.session() as s:
        assert notes.note_or_404(s, note_id=note_id).text == "Ben's take"


def test_deleting_a_note_is_logged_and_repeatable(db: Database, tables: Tables) -> None:
    with db.session() as s:
        note = write(s, tables.amy.caller, tables.group(s, tables.one), "Soon gone")
        start = last_seq(s, tables.world.event.id)
        notes.delete_note(s, actor=tables.ben.caller, note=note)
        notes.delete_note(s, actor=tables.ben.caller, note=note)
        assert [(r.type, r.payload) for r in rows(s, tables.world.event.id, start)] == [
            ("note.deleted", {"id": note.id, "breakout_id": tables.one})
        ]
        with pytest.raises(NotFound):
            notes.update_note(
                s, actor=tables.amy.caller, note=note, data=NoteUpdate(text="x", version=2)
            )
        assert (
            breakouts.breakout_as_seen(
                s, breakout=tables.group(s, tables.one), actor=tables.amy.caller
            )["notes"]
            == []
        )


def test_text_is_checked(db: Database, tables: Tables) -> None:
    with db.session() as s:
        with pytest.raises(BadInput):
            write(s, tables.amy.caller, tables.group(s, tables.one), "x" * 501)
        with pytest.raises(ValidationError, match="blank"):
            write(s, tables.amy.caller, tables.group(s, tables.one), " \u3000 ")


# -- closing --------------------------------------------------------------------------------------


def test_closed_breakouts_make_notes_read_only(db: Database, tables: Tables) -> None:
    with db.session() as s:
        note = write(s, tables.amy.caller, tables.group(s, tables.one), "Before the bell")
        start = last_seq(s, tables.world.event.id)
        closed = breakouts.close_breakouts(
            s, actor=tables.world.facilitator, event=event_of(s, tables.world)
        )
        assert {b.state for b in closed} == {"closed"}
        assert [r.type for r in rows(s, tables.world.event.id, start)] == ["breakout.updated"] * 2
        one = tables.group(s, tables.one)
        for attempt in (
            lambda: write(s, tables.amy.caller, one, "After the bell"),
            lambda: notes.update_note(
                s, actor=tables.amy.caller, note=note, data=NoteUpdate(text="x", version=1)
            ),
            lambda: notes.delete_note(s, actor=tables.amy.caller, note=note),
            lambda: breakout_members.join(s, actor=tables.dev.caller, breakout=one),
        ):
            with pytest.raises(breakouts.BreakoutsClosed) as refused:
                attempt()
            assert refused.value.code == "breakouts_closed"
        # Members keep reading their closed group's notes.
        assert [n["text"] for n in breakouts.breakout_as_seen(
            s, breakout=one, actor=tables.amy.caller
        )["notes"]] == ["Before the bell"]  # fmt: skip


def test_a_frozen_event_refuses_every_breakout_write(db: Database, tables: Tables) -> None:
    with db.session() as s:
        event = event_of(s, tables.world)
        note = write(s, tables.amy.caller, tables.group(s, tables.one), "Kept for the archive")
        for action in ("end", "freeze"):
            events.transition(s, actor=tables.world.facilitator, event=event, action=action)
    with db.session() as s:
        one, user = tables.group(s, tables.one), tables.world.facilitator
        event = event_of(s, tables.world)
        for attempt in (
            lambda: make_group(s, tables.world, "Late"),
            lambda: write(s, tables.amy.caller, one, "Too late"),
            lambda: notes.delete_note(s, actor=tables.amy.caller, note=note),
            lambda: breakouts.close_breakouts(s, actor=user, event=event),
            lambda: breakout_members.join(s, actor=tables.dev.caller, breakout=one),
            lambda: reportback.promote_notes(s, actor=user, breakout=one, note_ids=None),
        ):
            with pytest.raises(EventFrozen):
                attempt()


# -- report-back ----------------------------------------------------------------------------------


def test_promoting_posts_one_entry_with_the_notes_escaped(db: Database, tables: Tables) -> None:
    with db.session() as s:
        one = tables.group(s, tables.one)
        first = write(s, tables.amy.caller, one, "Residents *choose* the menu")
        write(s, tables.ben.caller, one, "1. Handovers at the bedside")
        chosen = write(s, tables.ben.caller, one, "# Night checks")
        user = tables.world.facilitator
        entry = reportback.promote_notes(s, actor=user, breakout=one, note_ids=None)
        assert entry.body.startswith("**Report-back from Table 1**: What does good look like")
        assert "<em>" not in entry.html and "<ol>" not in entry.html and "<h1>" not in entry.html
        assert entry.html.count("<li>") == 3
        assert "Residents *choose* the menu" in entry.html.replace("\\", "")
        again = reportback.promote_notes(s, actor=user, breakout=one, note_ids=None)
        assert again.id == entry.id
        only = reportback.promote_notes(s, actor=user, breakout=one, note_ids=[chosen.id])
        assert only.id != entry.id and only.html.count("<li>") == 1
        notes.update_note(
            s, actor=tables.amy.caller, note=first, data=NoteUpdate(text="Edited", version=1)
        )
        assert reportback.promote_notes(s, actor=user, breakout=one, note_ids=None).id != entry.id
        with pytest.raises(Forbidden):
            reportback.promote_notes(s, actor=tables.world.outsider, breakout=one, note_ids=None)


def test_promoting_refuses_personal_data_and_foreign_notes(db: Database, tables: Tables) -> None:
    with db.session() as s:
        one, two = tables.group(s, tables.one), tables.group(s, tables.two)
        user = tables.world.facilitator
        with pytest.raises(BadInput):
            reportback.promote_notes(s, actor=user, breakout=one, note_ids=None)
        held = write(s, tables.amy.caller, one, "Mrs B, SW1A 1AA")
        other = write(s, tables.cat.caller, two, "Elsewhere")
        with pytest.raises(reportback.PersonalData) as refused:
            reportback.promote_notes(s, actor=user, breakout=one, note_ids=None)
        assert refused.value.details == {"note_ids": [held.id]}
        with pytest.raises(BadInput):
            reportback.promote_notes(s, actor=user, breakout=one, note_ids=[other.id])


def test_notes_become_cards_once(db: Database, tables: Tables) -> None:
    with db.session() as s:
        one = tables.group(s, tables.one)
        board = make_board(s, tables.world, title="Themes")
        write(s, tables.amy.caller, one, "Staff wellbeing")
        write(s, tables.ben.caller, one, "Call 07700 900123")
        user = tables.world.facilitator
        made = reportback.notes_to_board(
            s, actor=user, breakout=one, board_id=board.id, note_ids=None
        )
        again = reportback.notes_to_board(
            s, actor=user, breakout=one, board_id=board.id, note_ids=None
        )
        assert [c.id for c in made] == [c.id for c in again]
        assert [(c.text, c.status) for c in made] == [
            ("Staff wellbeing", "visible"),
            ("Call 07700 900123", "pending"),  # the privacy guard holds it, as any card
        ]
        assert len(s.exec(select(Card).where(Card.board_id == board.id)).all()) == 2


# -- the version lock on PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def pg_db(pg_settings: Settings) -> Iterator[Database]:
    database = Database(pg_settings.effective_database_url)
    yield database
    database.dispose()


@pytest.mark.postgres
def test_two_saves_from_one_version_cannot_both_win_on_postgres(pg_db: Database) -> None:
    """READ COMMITTED alone would let both read version 1; the row lock makes one wait."""
    with pg_db.session() as s:
        world = make_world(s, status="live")
        event = event_of(s, world)
        group = make_group(s, world, "Table 1")
        amy, ben = make_attendee(s, event, "Amy"), make_attendee(s, event, "Ben")
        for who in (amy, ben):
            breakout_members.join(s, actor=who.caller, breakout=group)
        note_id = write(s, amy.caller, group, "First thought").id
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def save(who: Joined, text: str) -> None:
        with pg_db.session() as s:
            note = notes.note_or_404(s, note_id=note_id)
            start.wait(10)
            try:
                notes.update_note(
                    s, actor=who.caller, note=note, data=NoteUpdate(text=text, version=1)
                )
                outcomes.append("saved")
            except notes.StaleVersion:
                outcomes.append("stale")

    threads = [
        threading.Thread(target=save, args=(amy, "Amy's")),
        threading.Thread(target=save, args=(ben, "Ben's")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(outcomes) == ["saved", "stale"]
    with pg_db.session(write=False) as s:
        assert notes.note_or_404(s, note_id=note_id).version == 2


def test_a_reopened_group_leaves_no_one_in_two_open_groups_after_a_reseat(
    db: Database, tables: Tables
) -> None:
    with db.session() as s:
        user, event = tables.world.facilitator, event_of(s, tables.world)
        breakouts.close_breakouts(s, actor=user, event=event)
        for which in (tables.two, tables.one):
            # Table 2 reopens and everyone is reseated there; then table 1 reopens too.
            group = tables.group(s, which)
            breakouts.update_breakout(
                s, actor=user, breakout=group, data=BreakoutUpdate(state="open")
            )
            if which == tables.two:
                data = AssignRequest(strategy="balanced")
                breakout_members.assign(s, actor=user, event=event, data=data)
        amy = tables.amy.attendee.id
        assert sorted(breakouts.open_groups(s, event=event, attendee_id=amy)) == [
            tables.one,
            tables.two,
        ]
        start = last_seq(s, event.id)
        breakout_members.move(s, actor=user, breakout=tables.group(s, tables.one), attendee_id=amy)
        assert breakouts.open_groups(s, event=event, attendee_id=amy) == [tables.one]
        (row,) = rows(s, event.id, start)
        assert row.payload["moves"] == [
            {"attendee_id": amy, "breakout_id": tables.one, "from_breakout_id": tables.two}
        ]
        breakout_members.assign(s, actor=user, event=event, data=AssignRequest(strategy="balanced"))
        for who in (tables.amy, tables.ben, tables.cat, tables.dev):
            assert len(breakouts.open_groups(s, event=event, attendee_id=who.attendee.id)) == 1
