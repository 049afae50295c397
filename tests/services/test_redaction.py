"""Redacting a frozen archive: a new version without what was named, a chain that verifies,
and an audit entry without the removed text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from server.cli import main
from server.db import Database
from server.errors import Forbidden
from server.models.archive import Archive, ArchiveVersion, RedactionItem, SearchEntry
from server.models.audit import AuditEntry
from server.models.events import Event
from server.services import archive, audit, redaction
from server.services.archive_public import public_view
from server.settings import Settings
from tests.factories import Day, end_and_freeze, make_day

GARDEN = "Residents plant the garden"  # Asha's named card
NIGHT = "Night staff stretched thin"  # Asha's anonymous card
ROTA = "Staffing rotas change weekly"
CHECKLISTS = "Handover checklists work"  # Asha's note


@pytest.fixture
def day(db: Database) -> Day:
    with db.session() as s:
        day = make_day(s)
        end_and_freeze(s, day)
        return day


def redact(db: Database, day: Day, items: list[tuple[str, int]], **extra: Any) -> Any:
    with db.session() as s:
        event = s.get(Event, day.world.event.id)
        assert event is not None
        return redaction.redact_archive(
            s,
            actor=extra.pop("actor", day.world.admin),
            event=event,
            items=[RedactionItem(kind=k, id=i) for k, i in items],  # type: ignore[arg-type]
            reason=extra.pop("reason", "personal_data"),
            **extra,
        )


def stored(session: Session, day: Day) -> tuple[Archive, dict[str, Any]]:
    row = archive.archive_or_404(session, event_id=day.world.event.id)
    return row, json.loads(row.document)


def texts(doc: dict[str, Any]) -> list[str]:
    cards = [c["text"] for b in doc["boards"] for c in b["cards"]]
    return cards + [n["text"] for g in doc["breakouts"] for n in g["notes"]]


def test_a_card_and_an_attendee_leave_a_new_version(db: Database, day: Day) -> None:
    with db.session(write=False) as s:
        first, _ = stored(s, day)
    rota, asha = day.cards["rota"].id, day.people["asha"].id
    done = redact(db, day, [("card", rota), ("attendee", asha)])
    assert done.version == 2 and done.replaces == first.sha256
    with db.session(write=False) as s:
        row, doc = stored(s, day)
        [old] = s.exec(select(ArchiveVersion)).all()
        rows = s.exec(select(SearchEntry).where(SearchEntry.event_id == day.world.event.id))
        indexed = {r.text for r in rows}
        assert archive.verify(s) == [(day.world.event.id, True)]
    assert (old.version, old.document, old.sha256) == (1, first.document, first.sha256)
    assert row.sha256 == done.sha256 == archive.sha256(row.document)
    assert doc["version"] == 2 and doc["replaces"] == first.sha256
    assert ROTA not in row.document and ROTA not in indexed
    assert "Asha Patel" not in row.document and "Asha Patel" in first.document
    # Her cards and note stay, with no author: only her name was asked for.
    assert {GARDEN, NIGHT, CHECKLISTS} <= set(texts(doc))
    by_text = {c["text"]: c for b in doc["boards"] for c in b["cards"]}
    assert by_text[GARDEN]["author"] is None
    [record] = doc["redactions"]
    assert record["reason"] == "personal_data"
    assert record["items"] == [{"kind": "card", "id": rota}, {"kind": "attendee", "id": asha}]
    assert record["counts"]["card"] == 1 and record["counts"]["cards_anonymised"] == 2
    # The figures are counted again: the rota card's two votes went with it.
    assert doc["participation"]["cards"] == 3 and doc["participation"]["votes"] == 2
    staffing = next(t for t in doc["boards"][0]["themes"] if t["title"] == "Staffing")
    assert (staffing["cards"], staffing["card_votes"]) == (1, 0)
    assert public_view(doc)["redactions"][0]["removed"] == {"attendee": 1, "card": 1}
    assert "items" not in public_view(doc)["redactions"][0]


def test_an_attendee_with_their_words(db: Database, day: Day) -> None:
    done = redact(db, day, [("attendee", day.people["asha"].id)], remove_content=True)
    assert done.counts["card"] == 2 and done.counts["note"] == 1
    with db.session(write=False) as s:
        _, doc = stored(s, day)
    assert not {GARDEN, NIGHT, CHECKLISTS} & set(texts(doc))
    assert ROTA in texts(doc)


def test_a_second_redaction_extends_the_chain(db: Database, day: Day) -> None:
    first = redact(db, day, [("entry", day.entry_ids["welcome"])], reason="inaccurate")
    second = redact(db, day, [("note", _note_id(db, day))])
    assert second.version == 3 and second.replaces == first.sha256
    with db.session(write=False) as s:
        _, doc = stored(s, day)
        assert archive.verify(s) == [(day.world.event.id, True)]
    assert [r["version"] for r in doc["redactions"]] == [2, 3]
    assert day.entry_ids["welcome"] not in {e["id"] for e in doc["entries"]}


def _note_id(db: Database, day: Day) -> int:
    with db.session(write=False) as s:
        _, doc = stored(s, day)
    return int(doc["breakouts"][0]["notes"][0]["id"])


def test_facilitators_cannot_redact_and_bad_items_change_nothing(db: Database, day: Day) -> None:
    with pytest.raises(Forbidden):
        redact(db, day, [("card", day.cards["rota"].id)], actor=day.world.facilitator)
    with pytest.raises(redaction.NotInArchive):
        # One unknown id among good ones: nothing is redacted.
        redact(db, day, [("card", day.cards["rota"].id), ("card", 999_999)])
    with pytest.raises(redaction.NotInArchive):
        redact(db, day, [("attendee", 999_999)])
    with db.session(write=False) as s:
        row, _ = stored(s, day)
        assert row.version == 1 and s.exec(select(ArchiveVersion)).all() == []
        assert s.exec(select(AuditEntry)).all() == []


def test_the_audit_log_says_who_and_what_kind_never_the_text(db: Database, day: Day) -> None:
    redact(db, day, [("card", day.cards["rota"].id), ("attendee", day.people["asha"].id)])
    with db.session(write=False) as s:
        [entry] = audit.entries(s, actor=day.world.admin)
        with pytest.raises(Forbidden):
            audit.entries(s, actor=day.world.facilitator)
    assert entry.action == "archive.redacted" and entry.actor_user_id == day.world.admin.id
    assert entry.event_id == day.world.event.id
    assert entry.details["items"][0] == {"kind": "card", "id": day.cards["rota"].id}
    logged = json.dumps(entry.details)
    for removed in (ROTA, "Staffing", "Asha", "Patel"):
        assert removed not in logged
    with db.session() as s, pytest.raises(ValueError):
        audit.record(s, actor=None, action="x.y", event_id=None, details={"text": "Asha Patel"})


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("GLIMPSE_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("GLIMPSE_DATA_DIR", str(settings.data_dir))
    return settings


def test_glimpse_redact_then_verify_catches_tampering(
    cli_env: Settings, db: Database, day: Day, capsys: pytest.CaptureFixture[str]
) -> None:
    event = str(day.world.event.id)
    as_facilitator = ["redact", "--event", event, "--card", str(day.cards["rota"].id)]
    assert main([*as_facilitator, "--as-email", day.world.facilitator.email]) == 2
    assert "administrator" in capsys.readouterr().err
    assert main([*as_facilitator, "--as-email", day.world.admin.email]) == 0
    assert "version 2" in capsys.readouterr().out
    assert main(["verify-archive"]) == 0
    with db.session() as s:  # the replaced version quietly edited
        [old] = s.exec(select(ArchiveVersion)).all()
        original = old.document
        old.document = old.document.replace("Residents plant", "Residents paint")
        s.add(old)
    assert main(["verify-archive"]) == 1
    assert f"event {event}: MISMATCH" in capsys.readouterr().out
    with db.session() as s:  # rewritten with a fresh hash: only the chain can tell
        [old] = s.exec(select(ArchiveVersion)).all()
        old.document = original.replace("plant", "paint")
        old.sha256 = archive.sha256(old.document)
        s.add(old)
    assert main(["verify-archive"]) == 1
    with db.session() as s:  # put back as it was
        [old] = s.exec(select(ArchiveVersion)).all()
        old.document, old.sha256 = original, archive.sha256(original)
        s.add(old)
    assert main(["verify-archive"]) == 0
    with db.session() as s:  # the current version's `replaces` tampered, its hash made afresh
        row, doc = stored(s, day)
        row.document = archive.canonical_json({**doc, "replaces": "f" * 64})
        row.sha256 = archive.sha256(row.document)
        s.add(row)
    assert main(["verify-archive"]) == 1
