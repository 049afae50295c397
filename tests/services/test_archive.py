"""Freezing a day into its archive: what goes in, what never does, and that it is canonical."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlmodel import select

from server.cli import main
from server.db import Database
from server.errors import EventFrozen
from server.models.actions import ActionCreate
from server.models.archive import Archive, SearchEntry
from server.models.boards import Board, CardCreate, CardUpdate
from server.models.breakouts import Breakout
from server.models.events import Event
from server.models.liveblog import EntryCreate
from server.services import (
    actions,
    archive,
    cards,
    events,
    liveblog,
    participation,
)
from server.services.access import Caller
from server.services.archive_public import public_view
from server.settings import Settings
from tests.factories import SECRET, SECRETS, Day, end_and_freeze, make_day, make_world


@pytest.fixture
def day(db: Database) -> Day:
    with db.session() as s:
        return make_day(s)


def frozen_document(db: Database, day: Day) -> dict[str, Any]:
    with db.session() as s:
        event = s.get(Event, day.world.event.id)
        assert event is not None
        day.world.event = event
        row = end_and_freeze(s, day)
        return dict(json.loads(row.document))


# -- what the document holds ------------------------------------------------------------------


def test_the_document_holds_the_day(db: Database, day: Day) -> None:
    with db.session() as s:
        participation.record_peak(s, event_id=day.world.event.id, connected=3)
    record = frozen_document(db, day)
    assert record["format"] == archive.ARCHIVE_FORMAT
    statuses = {c["text"]: (c["status"], c["held_reason"]) for c in record["boards"][0]["cards"]}
    assert statuses["Call me on cara@example.org about it"][0] == "pending"
    assert "email" in statuses["Call me on cara@example.org about it"][1]
    assert statuses["Hide me later"] == ("hidden", "")
    doc = public_view(record)
    assert doc["view"] == "public"
    entries = {e["id"]: e for e in doc["entries"]}
    assert set(entries) == {day.entry_ids[k] for k in ("welcome", "moment", "edited")}
    edited = entries[day.entry_ids["edited"]]
    assert edited["body"] == "Final words" and edited["edited"] is True
    assert "First words" not in json.dumps(doc)
    [board] = doc["boards"]
    assert board["columns"] == ["Going well", "Concerning"]
    by_text = {c["text"]: c for c in board["cards"]}
    assert set(by_text) == {
        "Residents plant the garden",
        "Night staff stretched thin",
        "Staffing rotas change weekly",
        "Medicines rounds run on time",
    }
    assert by_text["Staffing rotas change weekly"]["votes"] == 2
    themes = {t["title"]: t for t in board["themes"]}
    assert themes["Staffing"] == {
        "id": day.theme_ids["Staffing"],
        "title": "Staffing",
        "votes": 1,
        "card_votes": 2,
        "cards": 2,
    }
    [group] = record["breakouts"]
    assert group["shared"] is True
    assert [(n["text"], bool(n["held_reason"])) for n in group["notes"]] == [
        ("Handover checklists work", False),
        ("Resident lives at M1 1AE", True),
    ]
    assert [n["text"] for n in doc["breakouts"][0]["notes"]] == ["Handover checklists work"]
    [action] = doc["actions"]
    assert action["status"] == "in progress"
    assert [u["text"] for u in action["updates"]] == ["Rota pilot agreed"]
    assert doc["participation"] == {
        "attendees_joined": 3,
        "peak_connected": 3,
        "entries": 3,
        "cards": 4,
        "notes": 1,
        # Dots on archived cards (2 + 1) and on themes (1); the hidden card's 3 are left out.
        "votes": 4,
    }


def test_anonymity_and_privacy_hold_in_the_document(db: Database, day: Day) -> None:
    record = frozen_document(db, day)
    for banned in ("Rosebank Care", "gla_", "token", "organisation", "client_id", "attendee_id"):
        assert banned not in json.dumps(record)
    doc = public_view(record)
    text = json.dumps(doc)
    for secret in SECRETS:
        assert secret not in text
    for banned in ("held_reason", "email"):
        assert banned not in text
    by_text = {c["text"]: c for c in doc["boards"][0]["cards"]}
    assert by_text["Night staff stretched thin"]["author"] is None  # anonymous, though named
    assert by_text["Staffing rotas change weekly"]["author"] is None  # chose no name
    assert by_text["Residents plant the garden"]["author"] == "Asha Patel"
    assert by_text["Medicines rounds run on time"]["author"] == day.world.facilitator.name


def test_freezing_twice_from_the_same_data_is_byte_identical(db: Database, day: Day) -> None:
    with db.session() as s:
        event = s.get(Event, day.world.event.id)
        assert event is not None
        day.world.event = event
        first = end_and_freeze(s, day)
        document, digest = first.document, first.sha256
    with db.session() as s:
        # Undo the freeze, keeping every row it read, and freeze again later.
        s.execute(delete(SearchEntry))
        s.execute(delete(Archive))
        s.execute(update(Event).where(Event.id == event.id).values(status="ended"))
    with db.session() as s:
        again = s.get(Event, event.id)
        assert again is not None
        events.transition(s, actor=day.world.facilitator, event=again, action="freeze")
        second = archive.archive_or_404(s, event_id=event.id)
        assert second.document == document
        assert second.sha256 == digest == archive.sha256(document)


def test_canonical_json_sorts_keys_and_keeps_unicode() -> None:
    assert archive.canonical_json({"b": 1, "a": ["é", {"d": 2, "c": 3}]}) == (
        '{"a":["é",{"c":3,"d":2}],"b":1}'
    )


def test_a_draft_is_the_same_builder_marked_as_draft(db: Database, day: Day) -> None:
    with db.session() as s:
        event = s.get(Event, day.world.event.id)
        assert event is not None
        draft = archive.draft_document(s, actor=day.world.facilitator, event=event)
        assert draft["draft"] is True
        assert draft["boards"] == archive.build_document(s, event=event)["boards"]


def test_the_peak_only_rises_and_stays_as_frozen(db: Database, day: Day) -> None:
    event_id = day.world.event.id

    def record(connected: int) -> int:
        with db.session() as s:
            return participation.record_peak(s, event_id=event_id, connected=connected)

    assert [record(n) for n in (2, 5, 3)] == [2, 5, 5]  # a later, lower count lowers nothing
    doc = frozen_document(db, day)
    assert doc["participation"]["peak_connected"] == 5
    assert record(9) == 5, "a frozen event keeps the peak it was frozen with"
    with db.session() as s:
        assert archive.verify(s, event_id=event_id) == [(event_id, True)]
    with db.session() as s:  # an event deleted while sockets were open: nothing to retry
        assert participation.record_peak(s, event_id=event_id + 1, connected=4) == 4


# -- ending and freezing ----------------------------------------------------------------------


def test_ending_the_day_closes_boards_and_breakouts(db: Database, day: Day) -> None:
    with db.session() as s:
        event = s.get(Event, day.world.event.id)
        assert event is not None
        events.transition(s, actor=day.world.facilitator, event=event, action="end")
    with db.session(write=False) as s:
        board = s.get(Board, day.board.id)
        group = s.get(Breakout, day.breakout.id)
        assert board is not None and board.state == "closed"
        assert group is not None and group.state == "closed"


def test_the_review_lists_what_is_held_back(db: Database, day: Day) -> None:
    with db.session() as s:
        event = s.get(Event, day.world.event.id)
        assert event is not None
        found = archive.review(s, actor=day.world.facilitator, event=event)
    assert [c["id"] for c in found.pending_cards] == [day.cards["held"].id]
    assert "email" in found.pending_cards[0]["why"]
    assert [n["text"] for n in found.held_notes] == ["Resident lives at M1 1AE"]


def test_approving_a_held_card_in_review_puts_it_in_the_archive(db: Database, day: Day) -> None:
    with db.session() as s:
        event = s.get(Event, day.world.event.id)
        assert event is not None
        events.transition(s, actor=day.world.facilitator, event=event, action="end")
        card = cards.card_or_404(s, card_id=day.cards["held"].id)
        cards.update_card(
            s,
            actor=Caller(user=day.world.facilitator),
            card=card,
            data=CardUpdate(status="visible"),
        )
    doc = public_view(frozen_document(db, day))
    texts = [c["text"] for c in doc["boards"][0]["cards"]]
    assert "Call me on cara@example.org about it" in texts


def test_writes_after_freezing_answer_event_frozen(db: Database, day: Day) -> None:
    frozen_document(db, day)
    with db.session() as s:
        event = s.get(Event, day.world.event.id)
        board = s.get(Board, day.board.id)
        assert event is not None and board is not None
        boss = Caller(user=day.world.facilitator)
        with pytest.raises(EventFrozen):
            cards.create_card(
                s, actor=boss, board=board, data=CardCreate(client_id="late", text="Too late")
            )
        with pytest.raises(EventFrozen):
            liveblog.create_entry(
                s, actor=day.world.facilitator, event=event, data=EntryCreate(body="Late")
            )
        with pytest.raises(EventFrozen):
            actions.create_action(
                s,
                actor=day.world.facilitator,
                programme=day.world.programme,
                data=ActionCreate(title="Late", event_id=event.id),
            )


# -- verify-archive ---------------------------------------------------------------------------


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("GLIMPSE_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("GLIMPSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GLIMPSE_SECRET_KEY", SECRET)
    return settings


def test_verify_archive_catches_a_quietly_edited_card(
    cli_env: Settings, db: Database, day: Day, capsys: pytest.CaptureFixture[str]
) -> None:
    frozen_document(db, day)
    with db.session() as s:
        other = make_world(s, status="ended")
        events.transition(s, actor=other.facilitator, event=other.event, action="freeze")
    assert main(["verify-archive"]) == 0
    assert capsys.readouterr().out.count(": ok") == 2
    with db.session() as s:
        row = s.get(Archive, day.world.event.id)
        assert row is not None
        # Valid JSON, same length class, one word changed: only the hash can tell.
        row.document = row.document.replace("Residents plant", "Residents paint")
        s.add(row)
    assert main(["verify-archive"]) == 1
    out = capsys.readouterr().out
    assert f"event {day.world.event.id}: MISMATCH" in out
    assert f"event {other.event.id}: ok" in out
    assert main(["verify-archive", "--event", str(other.event.id)]) == 0


def test_search_rows_are_written_in_the_freezing_transaction(db: Database, day: Day) -> None:
    frozen_document(db, day)
    with db.session(write=False) as s:
        kinds = sorted(
            r.kind
            for r in s.exec(select(SearchEntry).where(SearchEntry.event_id == day.world.event.id))
        )
    assert kinds == ["action", *["card"] * 6, *["entry"] * 3, "note", "note"]
