"""A card's two consents: set by its author alone until freezing, logged, and honoured by the
projections (public followers, and the screen where its board says so) and by quotes."""

from __future__ import annotations

import json

import pytest
from sqlmodel import col, select

from server.db import Database
from server.errors import BadInput, EventFrozen, Forbidden, NotFound
from server.models.boards import BoardUpdate
from server.models.events import Event, EventLog
from server.models.liveblog import Entry
from server.realtime.audience import Scope
from server.realtime.registry import project
from server.services import boards, cards, events, state
from server.services.access import Caller
from tests.factories import (
    FACILITATOR,
    PUBLIC,
    Room,
    board_of,
    last_row,
    moderate,
    post,
    shown,
)

SCREEN = Scope(role="screen")


def test_a_card_gives_no_consent_unless_its_author_does(db: Database, room: Room) -> None:
    with db.session() as s:
        card = post(s, room.amy.caller, board_of(s, room), "Just us", text_consent=False)
        assert (card.text_consent, card.name_consent) == (False, True)
        bare = cards.CardCreate(client_id="c-1", text="Nothing said")
        made, _ = cards.create_card(s, actor=room.amy.caller, board=board_of(s, room), data=bare)
        assert (made.text_consent, made.name_consent) == (False, False)
        # An old phone's one box still means text consent, and nothing about the name.
        old = cards.CardCreate(client_id="c-2", text="Old phone", shareable=True)
        made, _ = cards.create_card(s, actor=room.amy.caller, board=board_of(s, room), data=old)
        assert (made.text_consent, made.name_consent) == (True, False)


def test_the_author_gives_and_withdraws_each_consent_apart(db: Database, room: Room) -> None:
    with db.session() as s:
        card = post(
            s, room.amy.caller, board_of(s, room), "Garden", text_consent=False, name_consent=False
        )
        cards.set_consent(s, actor=room.amy.caller, card=card, text=True)
        assert (card.text_consent, card.name_consent) == (True, False)
        row = last_row(s, room.world.event.id)
        assert row.type == "card.updated" and row.payload["text_consent"] is True
        cards.set_consent(s, actor=room.amy.caller, card=card, name=True)
        assert (card.text_consent, card.name_consent) == (True, True)
        cards.set_consent(s, actor=room.amy.caller, card=card, text=False)
        assert (card.text_consent, card.name_consent) == (False, True)
        with pytest.raises(BadInput):
            cards.set_consent(s, actor=room.amy.caller, card=card)


def test_only_the_author_may_change_consent(db: Database, room: Room) -> None:
    with db.session() as s:
        card = post(s, room.amy.caller, board_of(s, room), "Mine", text_consent=False)
        facilitator = Caller(user=room.world.facilitator)
        for other in (room.ben.caller, facilitator):
            with pytest.raises(Forbidden):
                cards.set_consent(s, actor=other, card=card, text=True)
        assert card.text_consent is False
        held = post(s, room.amy.caller, board_of(s, room), "Ring 07700 900123")
        with pytest.raises(NotFound):  # Ben may not see it at all
            cards.set_consent(s, actor=room.ben.caller, card=held, text=True)
        moderate(s, room.world, card, status="hidden")
        with pytest.raises(NotFound):  # nor may its author, once hidden
            cards.set_consent(s, actor=room.amy.caller, card=card, text=True)


def test_consent_cannot_change_once_frozen(db: Database, room: Room) -> None:
    world = room.world
    with db.session() as s:
        card = post(s, room.amy.caller, board_of(s, room), "Before the end")
        event = s.get(Event, world.event.id)
        assert event is not None
        for action in ("end", "freeze"):
            events.transition(s, actor=world.facilitator, event=event, action=action)
    with db.session() as s:
        card = cards.card_or_404(s, card_id=card.id)
        with pytest.raises(EventFrozen):
            cards.set_consent(s, actor=room.amy.caller, card=card, text=False)


def test_public_followers_see_only_consented_words_and_consented_names(
    db: Database, room: Room
) -> None:
    with db.session() as s:
        card = post(s, room.amy.caller, board_of(s, room), "Garden", text_consent=False)
        assert shown(s, room, PUBLIC) is None
        room_view = shown(s, room, room.ben.scope)
        assert room_view is not None and room_view[2]["author"]["display_name"] == "Amy"
        cards.set_consent(s, actor=room.amy.caller, card=card, text=True, name=False)
        public = shown(s, room, PUBLIC)
        assert public is not None and public[1] == "card.updated"
        assert public[2]["text"] == "Garden" and public[2]["author"] is None
        room_view = shown(s, room, room.ben.scope)
        assert room_view is not None and room_view[2]["author"]["display_name"] == "Amy"
        cards.set_consent(s, actor=room.amy.caller, card=card, name=True)
        public = shown(s, room, PUBLIC)
        assert public is not None and public[2]["author"]["display_name"] == "Amy"
        cards.set_consent(s, actor=room.amy.caller, card=card, text=False)
        assert shown(s, room, PUBLIC) == ("deleted", "card.deleted", {"id": card.id})
        assert shown(s, room, FACILITATOR) is not None


def test_withdrawing_consent_rewrites_the_log_for_public_replay(db: Database, room: Room) -> None:
    with db.session() as s:
        card = post(s, room.amy.caller, board_of(s, room), "Said once")
        cards.set_consent(s, actor=room.amy.caller, card=card, text=False)
    with db.session() as s:
        rows = s.exec(select(EventLog).where(EventLog.event_id == room.world.event.id)).all()
        created = [r for r in rows if r.type == "card.created"]
        assert created and all(r.payload["text_consent"] is False for r in created)
        for row in rows:
            got = project(PUBLIC, row.type, row.audience, row.payload)
            assert got is None or "Said once" not in json.dumps(got)


def test_the_screen_keeps_to_consent_only_where_its_board_says(db: Database, room: Room) -> None:
    with db.session() as s:
        board = board_of(s, room)
        post(s, room.amy.caller, board, "Room only", text_consent=False)
        post(s, room.ben.caller, board, "Words only", name_consent=False)
        event = s.get(Event, room.world.event.id)
        assert event is not None

        def on_screen() -> list[tuple[str, str | None]]:
            seen = state.state_for(state.read_full(s, event=event), SCREEN).boards[0]["cards"]
            return [(c["text"], (c["author"] or {}).get("display_name")) for c in seen]

        assert on_screen() == [("Room only", "Amy"), ("Words only", "Ben")]
        boards.update_board(
            s, actor=room.world.facilitator, board=board, data=BoardUpdate(screen_public_only=True)
        )
        assert on_screen() == [("Words only", None)]
        row = last_row(s, room.world.event.id)
        assert row.type == "board.updated"
        projected = project(SCREEN, row.type, row.audience, row.payload)
        assert projected is not None
        assert [c["text"] for c in projected[2]["cards"]] == ["Words only"]
        # The cards' own earlier rows follow the board: replay to a screen drops "Room only".
        rows = s.exec(
            select(EventLog)
            .where(EventLog.event_id == room.world.event.id, EventLog.type == "card.created")
            .order_by(col(EventLog.seq))
        ).all()
        replayed = [project(SCREEN, r.type, r.audience, r.payload) for r in rows]
        assert [r[2]["text"] for r in replayed if r is not None] == ["Words only"]


def test_a_quote_keeps_to_its_authors_consent(db: Database, room: Room) -> None:
    facilitator = room.world.facilitator
    with db.session() as s:
        board = board_of(s, room)
        card = post(s, room.amy.caller, board, "Residents ran the shop", name_consent=False)
        entry = cards.promote_card(s, actor=facilitator, card=card)
        assert entry.attribution == ""
        named = post(s, room.ben.caller, board, "Staff sang")
        quote = cards.promote_card(s, actor=facilitator, card=named)
        assert quote.attribution == "Ben"
        cards.set_consent(s, actor=room.ben.caller, card=named, name=False)
        s.refresh(quote)
        assert quote.attribution == "" and quote.deleted_at is None
        cards.set_consent(s, actor=room.amy.caller, card=card, text=False)
        s.refresh(entry)
        assert entry.deleted_at is not None
        with pytest.raises(cards.NotShareable):
            cards.promote_card(s, actor=facilitator, card=card)
        live = s.exec(select(Entry).where(col(Entry.deleted_at).is_(None))).all()
        assert [e.id for e in live] == [quote.id]
