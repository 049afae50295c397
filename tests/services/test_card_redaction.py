"""A facilitator redacts a held card: the removed words are gone from the card, every log row,
every viewer's replay, the audit log and the archive; its author is told."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from server.db import Database
from server.errors import Forbidden, NotFound
from server.models.audit import AuditEntry
from server.models.boards import BoardUpdate, Card, CardRedact
from server.models.events import Event, EventLog
from server.realtime.registry import project
from server.services import archive, boards, card_redaction, events, state
from server.services.access import Caller
from tests.factories import FACILITATOR, PUBLIC, Room, board_of, moderate, post

HELD = "Mrs Doris Green in room 12 had a fall at teatime, daughter on 07700 900123"
REDACTED = "[redacted] had a fall at teatime, daughter on [redacted]"
WORDS = ["Doris", "Green", "room 12", "07700", "900123"]


def redact(session: Session, room: Room, card: Card, text: str, **fields: bool) -> Card:
    caller = Caller(user=room.world.facilitator)
    data = CardRedact(text=text, **fields)
    return card_redaction.redact_card(session, actor=caller, card=card, data=data)


def held_card(session: Session, room: Room) -> Card:
    card = post(session, room.amy.caller, board_of(session, room), HELD)
    assert card.status == "pending"
    # A board row that carries the card too, as the console's board list does.
    data = BoardUpdate(title="Glimpses, renamed")
    boards.update_board(
        session, actor=room.world.facilitator, board=board_of(session, room), data=data
    )
    return card


def assert_forgotten(text: str) -> None:
    for word in WORDS:
        assert word not in text


def test_the_removed_words_are_nowhere_and_the_author_is_told(db: Database, room: Room) -> None:
    with db.session() as s:
        card = held_card(s, room)
        redact(s, room, card, REDACTED.replace("[redacted]", "[Redacted]", 1))
    with db.session() as s:
        stored = s.get(Card, card.id)
        assert stored is not None
        assert (stored.text, stored.status, stored.redacted) == (REDACTED, "pending", True)
        assert stored.held_reason == ""  # nothing personal left: it waits only for approval
        rows = s.exec(select(EventLog).where(EventLog.event_id == room.world.event.id)).all()
        assert_forgotten(json.dumps([r.payload for r in rows]))
        for scope in (FACILITATOR, room.amy.scope, room.ben.scope, PUBLIC):
            replay = [project(scope, r.type, r.audience, r.payload) for r in rows]
            assert_forgotten(json.dumps(replay))
        audited = s.exec(select(AuditEntry).where(AuditEntry.action == "card.redacted")).one()
        assert audited.details == {
            "card": card.id,
            "board": room.board_id,
            "parts": 2,
            "characters": len("Mrs Doris Green in room 12") + len("07700 900123"),
            "approved": False,
            "still_held": False,
        }
        event = s.get(Event, room.world.event.id)
        assert event is not None
        mine = state.load_state(s, event=event, role="attendee", attendee_id=room.amy.attendee.id)
        [shown] = mine.boards[0]["cards"]
        assert shown["redacted"] is True and shown["text"] == REDACTED
        last = rows[-1]
        told = project(room.amy.scope, last.type, last.audience, last.payload)
        assert told is not None and told[2]["redacted"] is True
        assert project(room.ben.scope, last.type, last.audience, last.payload) is None


def test_approved_it_goes_on_the_board_and_into_the_archive_redacted(
    db: Database, room: Room
) -> None:
    with db.session() as s:
        card = held_card(s, room)
        redact(s, room, card, REDACTED, approve=True)
        assert card.status == "visible"
        event = s.get(Event, room.world.event.id)
        assert event is not None
        for step in ("end", "freeze"):
            events.transition(s, actor=room.world.facilitator, event=event, action=step)
        document = archive.archive_or_404(s, event_id=event.id).document
    assert REDACTED in document
    assert_forgotten(document)


def test_what_still_looks_personal_stays_held_unless_approved(db: Database, room: Room) -> None:
    with db.session() as s:
        card = held_card(s, room)
        redact(s, room, card, "Mrs Doris Green in [redacted] had a fall at teatime, [redacted]")
        assert (card.status, card.held_reason) == (
            "pending",
            "looks like a person's name with a title",
        )
        audited = s.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert audited is not None and audited.details["still_held"] is True
        redact(
            s,
            room,
            card,
            "Mrs Doris [redacted] in [redacted] had a fall at teatime, [redacted]",
            approve=True,
        )
        assert (card.status, card.held_reason, card.redacted) == ("visible", "", True)


@pytest.mark.parametrize(
    ("proposed", "message"),
    [
        (HELD, "Replace each part"),  # no marker
        ("Mr [redacted] had a fall at teatime, daughter on [redacted]", "only replace parts"),
        ("[redacted] had a nasty fall at teatime, daughter on [redacted]", "only replace parts"),
        (f"{HELD} [redacted]", "only replace parts"),  # a marker that stands for nothing
    ],
)
def test_a_redaction_only_takes_words_out(
    db: Database, room: Room, proposed: str, message: str
) -> None:
    with db.session() as s:
        card = held_card(s, room)
        with pytest.raises(card_redaction.NotARedaction, match=message):
            redact(s, room, card, proposed)


def test_only_facilitators_redact_and_only_held_cards(db: Database, room: Room) -> None:
    with db.session() as s:
        card = held_card(s, room)
        data = CardRedact(text=REDACTED)
        with pytest.raises(NotFound):  # a held card is not there for anyone else
            card_redaction.redact_card(s, actor=room.ben.caller, card=card, data=data)
        with pytest.raises(Forbidden):  # its author may edit it instead
            card_redaction.redact_card(s, actor=room.amy.caller, card=card, data=data)
        moderate(s, room.world, card, status="visible")
        with pytest.raises(Forbidden):
            card_redaction.redact_card(s, actor=room.ben.caller, card=card, data=data)
        with pytest.raises(card_redaction.NotHeld):
            redact(s, room, card, REDACTED)
