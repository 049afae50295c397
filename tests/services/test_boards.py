"""Boards, cards, votes and themes through their services, and what each viewer sees of them.

The strongest check here is Zulip's: load the state, act, apply the logged messages as each
kind of viewer receives them, and compare with a freshly loaded state.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import col, func, select

from server.db import Database
from server.errors import Conflict, EventFrozen, Forbidden, NotFound, RateLimited
from server.models.boards import (
    BoardCreate,
    BoardUpdate,
    Card,
    CardCreate,
    CardUpdate,
    ThemeCreate,
    ThemeUpdate,
)
from server.models.events import Event, EventLog
from server.models.liveblog import Entry
from server.realtime.audience import Scope
from server.realtime.registry import project
from server.services import boards, cards, events, state, votes
from server.services.access import Caller
from server.settings import Settings
from tests.factories import (
    FACILITATOR,
    PUBLIC,
    Room,
    board_of,
    last_row,
    make_attendee,
    make_board,
    make_event,
    make_programme,
    make_user,
    make_world,
    moderate,
    post,
    shown,
)

# -- idempotent creation ------------------------------------------------------------------------


def test_the_same_client_id_makes_one_card(db: Database, room: Room) -> None:
    data = CardCreate(client_id=str(uuid.uuid4()), text="Residents chose the menu")
    with db.session() as s:
        first, created = cards.create_card(
            s, actor=room.amy.caller, board=board_of(s, room), data=data
        )
        assert created
    with db.session() as s:
        again, created = cards.create_card(
            s, actor=room.amy.caller, board=board_of(s, room), data=data
        )
        assert not created and again.id == first.id
        assert s.exec(select(func.count()).select_from(Card)).one() == 1
        types = s.exec(select(EventLog.type).where(EventLog.event_id == room.world.event.id))
        assert list(types).count("card.created") == 1


def test_someone_elses_client_id_is_a_conflict(db: Database, room: Room) -> None:
    data = CardCreate(client_id="same-id", text="Residents chose the menu")
    with db.session() as s:
        cards.create_card(s, actor=room.amy.caller, board=board_of(s, room), data=data)
    with db.session() as s, pytest.raises(Conflict):
        cards.create_card(s, actor=room.ben.caller, board=board_of(s, room), data=data)


@pytest.fixture
def pg_db(pg_settings: Settings) -> Iterator[Database]:
    database = Database(pg_settings.effective_database_url)
    yield database
    database.dispose()


@pytest.mark.postgres
def test_racing_retries_make_one_card_on_postgres(pg_db: Database) -> None:
    """The second insert waits on the unique index, fails, and answers with the first card."""
    with pg_db.session() as s:
        world = make_world(s, status="live")
        event = s.get(Event, world.event.id)
        assert event is not None
        board_id, amy = make_board(s, world).id, make_attendee(s, event, "Amy")
    data = CardCreate(client_id=str(uuid.uuid4()), text="Residents chose the menu")
    first_inserted = threading.Event()
    results: dict[str, tuple[int, bool]] = {}

    def first() -> None:
        with pg_db.session() as s:
            card, created = cards.create_card(
                s, actor=amy.caller, board=boards.board_or_404(s, board_id=board_id), data=data
            )
            results["first"] = (card.id, created)
            first_inserted.set()
            time.sleep(0.5)  # still uncommitted while the retry looks, misses and inserts

    def retry() -> None:
        first_inserted.wait(10)
        with pg_db.session() as s:
            card, created = cards.create_card(
                s, actor=amy.caller, board=boards.board_or_404(s, board_id=board_id), data=data
            )
            results["retry"] = (card.id, created)

    threads = [threading.Thread(target=first), threading.Thread(target=retry)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results["first"] == (results["retry"][0], True)
    assert results["retry"][1] is False
    with pg_db.session(write=False) as s:
        assert s.exec(select(func.count()).select_from(Card)).one() == 1


# -- moderation and the privacy guard -------------------------------------------------------------


def test_pre_moderated_cards_wait_but_a_facilitators_do_not(db: Database, room: Room) -> None:
    with db.session() as s:
        board = boards.update_board(
            s,
            actor=room.world.facilitator,
            board=board_of(s, room),
            data=BoardUpdate(moderation="pre"),
        )
        assert post(s, room.amy.caller, board, "Music every afternoon").status == "pending"
        mine = post(s, Caller(user=room.world.facilitator), board, "Welcome, everyone")
        assert mine.status == "visible" and mine.author_user_id == room.world.facilitator.id


@pytest.mark.parametrize(
    ("text", "status", "reason"),
    [
        ("Bea (943 476 5919) loved the garden", "pending", "looks like an NHS number"),
        ("Ring 07700 900123 for the rota", "pending", "looks like a phone number"),
        ("Batch 943 476 5910 of gloves arrived", "visible", ""),
        ("In 2026, room 12 won the garden prize", "visible", ""),
    ],
)
def test_the_privacy_guard_holds_cards_whatever_the_moderation(
    db: Database, room: Room, text: str, status: str, reason: str
) -> None:
    with db.session() as s:
        card = post(s, room.amy.caller, board_of(s, room), text)
        assert (card.status, card.held_reason) == (status, reason)


def test_an_author_edit_is_screened_again(db: Database, room: Room) -> None:
    with db.session() as s:
        card = post(s, room.amy.caller, board_of(s, room), "Call me on 07700 900123")
        assert card.status == "pending"
        edit = CardUpdate(text="Ask me at the break")
        cards.update_card(s, actor=room.amy.caller, card=card, data=edit)
        assert (card.status, card.held_reason) == ("visible", "")
        edit = CardUpdate(text="Write to amy@example.org")
        cards.update_card(s, actor=room.amy.caller, card=card, data=edit)
        assert (card.status, card.held_reason) == ("pending", "looks like an email address")
        with pytest.raises(NotFound):  # someone else's held card answers as if it did not exist
            cards.update_card(s, actor=room.ben.caller, card=card, data=edit)


# -- what each viewer receives --------------------------------------------------------------------


def test_a_held_card_reaches_only_facilitators_and_its_author(db: Database, room: Room) -> None:
    amy, ben = room.amy, room.ben
    with db.session() as s:
        card = post(s, amy.caller, board_of(s, room), "Bea, M1 1AE, loves the garden")
        full = shown(s, room, FACILITATOR)
        assert full is not None and full[:2] == ("full", "card.created")
        assert full[2]["held_reason"] == "looks like a postcode" and "_author" not in full[2]
        mine = shown(s, room, amy.scope)
        assert mine is not None and mine[0] == f"author:{amy.attendee.id}"
        assert mine[2]["held_reason"] == "looks like a postcode"
        assert shown(s, room, ben.scope) is None and shown(s, room, PUBLIC) is None

        moderate(s, room.world, card, status="visible")
        for_ben, for_public = shown(s, room, ben.scope), shown(s, room, PUBLIC)
        assert for_ben is not None and for_ben == for_public
        assert for_ben[:2] == ("public", "card.updated") and "held_reason" not in for_ben[2]
        mine = shown(s, room, amy.scope)
        assert mine is not None and mine[2]["held_reason"] == ""

        moderate(s, room.world, card, status="hidden")
        gone = ("deleted", "card.deleted", {"id": card.id})
        assert shown(s, room, PUBLIC) == gone
        assert shown(s, room, ben.scope) == gone
        assert shown(s, room, amy.scope) == gone
        full = shown(s, room, FACILITATOR)
        assert full is not None and full[2]["status"] == "hidden"


def test_an_anonymous_card_shows_no_author_even_to_facilitators(db: Database, room: Room) -> None:
    with db.session() as s:
        post(
            s, room.amy.caller, board_of(s, room), "Staff stayed late for the party", anonymous=True
        )
        for scope in (FACILITATOR, room.amy.scope, room.ben.scope, PUBLIC):
            seen = shown(s, room, scope)
            assert seen is not None and seen[2]["author"] is None
        named = post(s, room.ben.caller, board_of(s, room), "The new rota works")
        seen = shown(s, room, PUBLIC)
        assert seen is not None and seen[2]["author"] == {
            "id": room.ben.attendee.id,
            "display_name": "Ben",
            "kind": "attendee",
        }
        assert named.author_attendee_id == room.ben.attendee.id


def test_load_state_shows_each_role_its_own_cards(db: Database, room: Room) -> None:
    with db.session() as s:
        board = board_of(s, room)
        post(s, room.amy.caller, board, "Breakfast club is back")
        post(s, room.amy.caller, board, "Her NHS number is 943 476 5919")
        hidden = make_board(s, room.world, title="Facilitators' notes")
        boards.update_board(
            s, actor=room.world.facilitator, board=hidden, data=BoardUpdate(state="hidden")
        )
        event = s.get(Event, room.world.event.id)
        assert event is not None

        def texts(role: str, attendee_id: int | None = None) -> list[list[str]]:
            loaded = state.load_state(s, event=event, role=role, attendee_id=attendee_id)
            return [[c["text"] for c in b["cards"]] for b in loaded.boards]

        both = ["Breakfast club is back", "Her NHS number is 943 476 5919"]
        assert texts("facilitator") == [both, []]
        assert texts("attendee", room.amy.attendee.id) == [both]
        assert texts("attendee", room.ben.attendee.id) == [["Breakfast club is back"]]
        assert texts("public") == [["Breakfast club is back"]]


VIEWERS = ["facilitator", "author", "other attendee", "public"]
BOARD_TYPES = {
    "board.created",
    "board.updated",
    "card.created",
    "card.updated",
    "card.deleted",
    "vote.changed",
    "theme.created",
    "theme.updated",
    "theme.deleted",
}


def scope_of(room: Room, viewer: str) -> Scope:
    return {
        "facilitator": FACILITATOR,
        "author": room.amy.scope,
        "other attendee": room.ben.scope,
        "public": PUBLIC,
    }[viewer]


def loaded_boards(db: Database, room: Room, scope: Scope) -> tuple[int, list[dict[str, Any]]]:
    with db.session(write=False) as s:
        event = s.get(Event, room.world.event.id)
        assert event is not None
        loaded = state.load_state(s, event=event, role=scope.role, attendee_id=scope.attendee_id)
        return loaded.seq, loaded.boards


def apply(boards_seen: list[dict[str, Any]], type: str, data: dict[str, Any], scope: Scope) -> None:
    """What a client does with each message, written once, as the phone's code would."""
    by_id = {b["id"]: b for b in boards_seen}
    by_card = {c["id"]: (b, c) for b in boards_seen for c in b["cards"]}
    if type in ("board.created", "board.updated"):
        if data["id"] in by_id:
            boards_seen.remove(by_id[data["id"]])
        if data["state"] != "hidden" or scope.role == "facilitator":
            boards_seen.append(data)
        boards_seen.sort(key=lambda b: b["id"])
    elif type in ("card.created", "card.updated"):
        if data["id"] in by_card:
            board, old = by_card[data["id"]]
            board["cards"].remove(old)
        by_id[data["board_id"]]["cards"].append(data)
        by_id[data["board_id"]]["cards"].sort(key=lambda c: c["id"])
    elif type == "card.deleted" and data["id"] in by_card:
        board, old = by_card[data["id"]]
        board["cards"].remove(old)
    elif type in ("theme.created", "theme.updated"):
        themes = by_id[data["board_id"]]["themes"]
        themes[:] = sorted(
            [t for t in themes if t["id"] != data["id"]] + [data], key=lambda t: t["id"]
        )
    elif type == "theme.deleted":
        for board in boards_seen:
            board["themes"] = [t for t in board["themes"] if t["id"] != data["id"]]
    elif type == "vote.changed" and data["board_id"] in by_id:
        key, items = ("card_id", "cards") if data.get("card_id") else ("theme_id", "themes")
        for item in by_id[data["board_id"]][items]:
            if item["id"] == data[key]:
                item["votes"] = data["votes"]


def act_out_a_session(db: Database, room: Room) -> None:
    """Cards posted, held, approved, edited, grouped, voted on, hidden, deleted; boards too."""
    world, amy, ben = room.world, room.amy, room.ben
    with db.session() as s:
        board = board_of(s, room)
        kept = post(s, amy.caller, board, "Residents planned the garden", column="Going well")
        held = post(s, amy.caller, board, "Mrs B, room 4, M1 1AE", anonymous=True)
        other = post(s, ben.caller, board, "Agency staff don't know residents", column="Concerning")
        doomed = post(s, ben.caller, board, "Typo card")
        theme = votes.create_theme(
            s, actor=world.facilitator, board=board, data=ThemeCreate(title="Staffing")
        )
    with db.session() as s:
        moderate(s, world, held, status="visible")
        moderate(s, world, other, theme_id=theme.id, spotlight=True)
        votes.set_card_vote(s, actor=ben.caller, card=kept, count=2)
        votes.set_theme_vote(s, actor=amy.caller, theme=theme, count=1)
        cards.update_card(
            s, actor=amy.caller, card=kept, data=CardUpdate(text="Garden: ring 07700 900123")
        )
        cards.delete_card(s, actor=ben.caller, card=doomed)
        moderate(s, world, other, status="hidden")
        votes.update_theme(s, actor=world.facilitator, theme=theme, data=ThemeUpdate(title="Staff"))
    with db.session() as s:
        board = board_of(s, room)
        boards.update_board(
            s, actor=world.facilitator, board=board, data=BoardUpdate(state="hidden")
        )
        moderate(s, world, cards.card_or_404(s, card_id=held.id), spotlight=True)
        boards.update_board(
            s,
            actor=world.facilitator,
            board=board,
            data=BoardUpdate(state="open", title="Brilliance"),
        )
        votes.delete_theme(
            s, actor=world.facilitator, theme=votes.theme_or_404(s, theme_id=theme.id)
        )
        second = make_board(s, world, title="What next?", moderation="pre")
        post(s, ben.caller, second, "More training on medicines")
        boards.update_board(
            s, actor=world.facilitator, board=second, data=BoardUpdate(state="closed")
        )


@pytest.mark.parametrize("viewer", VIEWERS)
def test_messages_bring_a_loaded_state_up_to_date(db: Database, room: Room, viewer: str) -> None:
    scope = scope_of(room, viewer)
    seq, seen = loaded_boards(db, room, scope)
    act_out_a_session(db, room)
    with db.session(write=False) as s:
        rows = s.exec(
            select(EventLog)
            .where(EventLog.event_id == room.world.event.id, col(EventLog.seq) > seq)
            .order_by(col(EventLog.seq))
        ).all()
    assert {r.type for r in rows} == BOARD_TYPES
    for row in rows:
        message = project(scope, row.type, row.audience, row.payload)
        if message is not None:
            apply(seen, message[1], message[2], scope)
    assert seen == loaded_boards(db, room, scope)[1]


# -- votes ----------------------------------------------------------------------------------------


def test_dots_come_from_one_budget_per_board(db: Database, room: Room) -> None:
    amy = room.amy.caller
    with db.session() as s:
        board = board_of(s, room)
        first, second = post(s, amy, board, "One"), post(s, amy, board, "Two")
        theme = votes.create_theme(
            s, actor=room.world.facilitator, board=board, data=ThemeCreate(title="T")
        )
        assert votes.set_card_vote(s, actor=amy, card=first, count=2).remaining == 1
        with pytest.raises(votes.OverBudget):
            votes.set_card_vote(s, actor=amy, card=second, count=2)
        with pytest.raises(votes.OverBudget):
            votes.set_theme_vote(s, actor=amy, theme=theme, count=2)
        assert votes.set_theme_vote(s, actor=amy, theme=theme, count=1).remaining == 0
        # Setting a card's dots replaces them, so lowering frees budget at once.
        assert votes.set_card_vote(s, actor=amy, card=first, count=0).remaining == 2
        result = votes.set_card_vote(s, actor=room.ben.caller, card=second, count=3)
        assert (result.votes, result.count, result.remaining) == (3, 3, 0)
        # Dots on a card a facilitator hides are handed back.
        moderate(s, room.world, second, status="hidden")
        assert votes.my_votes(s, actor=room.ben.caller, board=board).remaining == 3
        with pytest.raises(NotFound):  # a hidden card answers as if it did not exist
            votes.set_card_vote(s, actor=room.ben.caller, card=second, count=1)
        with pytest.raises(Forbidden):
            votes.set_card_vote(s, actor=Caller(user=room.world.facilitator), card=first, count=1)


def test_vote_changed_carries_the_new_total(db: Database, room: Room) -> None:
    with db.session() as s:
        card = post(s, room.amy.caller, board_of(s, room), "One")
        votes.set_card_vote(s, actor=room.amy.caller, card=card, count=1)
        votes.set_card_vote(s, actor=room.ben.caller, card=card, count=2)
        row = last_row(s, room.world.event.id)
        assert (row.type, row.audience) == ("vote.changed", "public")
        shown = project(PUBLIC, row.type, row.audience, row.payload)
        assert shown is not None
        assert shown[2] == {"board_id": room.board_id, "card_id": card.id, "votes": 3}


# -- limits, frozen events, promotion, programme boards -------------------------------------------


def test_an_attendee_may_post_ten_cards_a_minute(db: Database, room: Room) -> None:
    with db.session() as s:
        board = board_of(s, room)
        for n in range(cards.CARD_RATE_LIMIT):
            post(s, room.amy.caller, board, f"Card {n}")
        with pytest.raises(RateLimited) as caught:
            post(s, room.amy.caller, board, "One too many")
        assert caught.value.headers is not None
        assert 1 <= int(caught.value.headers["Retry-After"]) <= cards.CARD_RATE_WINDOW
        post(s, room.ben.caller, board, "Ben is not limited by Amy")
        for n in range(cards.CARD_RATE_LIMIT + 1):
            post(s, Caller(user=room.world.facilitator), board, f"Facilitator {n}")


def test_a_frozen_event_refuses_every_board_write(db: Database, room: Room) -> None:
    world, amy = room.world, room.amy
    with db.session() as s:
        card = post(s, amy.caller, board_of(s, room), "Before the end")
        theme = votes.create_theme(
            s, actor=world.facilitator, board=board_of(s, room), data=ThemeCreate(title="T")
        )
        event = s.get(Event, world.event.id)
        assert event is not None
        for action in ("end", "freeze"):
            events.transition(s, actor=world.facilitator, event=event, action=action)
    with db.session() as s:
        board, event = board_of(s, room), s.get(Event, world.event.id)
        assert event is not None
        card, theme = (
            cards.card_or_404(s, card_id=card.id),
            votes.theme_or_404(s, theme_id=theme.id),
        )
        attempts = [
            lambda: make_board(s, world),
            lambda: boards.update_board(
                s, actor=world.facilitator, board=board, data=BoardUpdate(title="x")
            ),
            lambda: post(s, amy.caller, board, "After the end"),
            lambda: cards.update_card(s, actor=amy.caller, card=card, data=CardUpdate(text="x")),
            lambda: moderate(s, world, card, status="hidden"),
            lambda: cards.delete_card(s, actor=amy.caller, card=card),
            lambda: votes.set_card_vote(s, actor=amy.caller, card=card, count=1),
            lambda: votes.set_theme_vote(s, actor=amy.caller, theme=theme, count=1),
            lambda: votes.create_theme(
                s, actor=world.facilitator, board=board, data=ThemeCreate(title="x")
            ),
            lambda: votes.delete_theme(s, actor=world.facilitator, theme=theme),
            lambda: cards.promote_card(s, actor=world.facilitator, card=card),
        ]
        for attempt in attempts:
            with pytest.raises(EventFrozen):
                attempt()


def test_promoting_quotes_a_card_shared_publicly_once(db: Database, room: Room) -> None:
    with db.session() as s:
        board = board_of(s, room)
        card = post(
            s,
            room.amy.caller,
            board,
            "Residents planned\nthe garden",
            text_consent=True,
            name_consent=True,
        )
        entry = cards.promote_card(s, actor=room.world.facilitator, card=card)
        assert (entry.kind, entry.body, entry.attribution) == (
            "quote",
            "> Residents planned\n> the garden",
            "Amy",
        )
        assert cards.promote_card(s, actor=room.world.facilitator, card=card).id == entry.id
        private = post(s, room.amy.caller, board, "Just for the room", text_consent=False)
        with pytest.raises(cards.NotShareable):
            cards.promote_card(s, actor=room.world.facilitator, card=private)
        anonymous = post(
            s, room.ben.caller, board, "Quietly proud", text_consent=True, anonymous=True
        )
        assert cards.promote_card(s, actor=room.world.facilitator, card=anonymous).attribution == ""
        held = post(s, room.ben.caller, board, "Ring 07700 900123")
        with pytest.raises(Conflict):
            cards.promote_card(s, actor=room.world.facilitator, card=held)
        assert s.exec(select(func.count()).select_from(Entry)).one() == 2


def test_a_programme_board_takes_cards_from_any_of_its_events_and_logs_nothing(
    db: Database, room: Room
) -> None:
    world = room.world
    with db.session() as s:
        programme = boards.owner(s, board=board_of(s, room))[0]
        board = boards.create_programme_board(
            s,
            actor=world.facilitator,
            programme=programme,
            data=BoardCreate(title="Between events"),
        )
        later = make_event(s, programme=programme, owner=world.facilitator)
        carla = make_attendee(s, later, "Carla")
        owner = make_user(s)
        elsewhere = make_event(s, programme=make_programme(s, owner=owner), owner=owner)
        stranger = make_attendee(s, elsewhere, "Dev")
        before = last_row(s, world.event.id).seq
        post(s, room.amy.caller, board, "Tried the new handover sheet")
        post(s, carla.caller, board, "Our home did too")
        with pytest.raises(Forbidden):
            post(s, stranger.caller, board, "Not my programme")
        assert last_row(s, world.event.id).seq == before
        assert (
            s.exec(
                select(func.count()).select_from(EventLog).where(EventLog.event_id == later.id)
            ).one()
            == 0
        )
        seen = boards.board_as_seen(
            s, board=board, scope=boards.viewer_scope(s, board=board, actor=Caller())
        )
        assert [c["text"] for c in seen["cards"]] == [
            "Tried the new handover sheet",
            "Our home did too",
        ]


def test_a_hidden_board_is_not_found_by_attendees(db: Database, room: Room) -> None:
    with db.session() as s:
        board = boards.update_board(
            s,
            actor=room.world.facilitator,
            board=board_of(s, room),
            data=BoardUpdate(state="hidden"),
        )
        with pytest.raises(NotFound):
            boards.viewer_scope(s, board=board, actor=room.amy.caller)
        with pytest.raises(NotFound):
            post(s, room.amy.caller, board, "Hello?")
        assert (
            boards.viewer_scope(s, board=board, actor=Caller(user=room.world.admin)) == FACILITATOR
        )


def test_deleting_a_theme_ungroups_its_cards_and_says_so(db: Database, room: Room) -> None:
    with db.session() as s:
        board = board_of(s, room)
        card = post(s, room.amy.caller, board, "Lovely lunch")
        theme = votes.create_theme(
            s, actor=room.world.facilitator, board=board, data=ThemeCreate(title="Food")
        )
        moderate(s, room.world, card, theme_id=theme.id)
        votes.delete_theme(s, actor=room.world.facilitator, theme=theme)
        assert cards.card_or_404(s, card_id=card.id).theme_id is None
        rows = s.exec(
            select(EventLog)
            .where(EventLog.event_id == room.world.event.id)
            .order_by(col(EventLog.seq).desc())
            .limit(2)
        ).all()
        assert [r.type for r in rows] == ["theme.deleted", "card.updated"]
        assert rows[1].payload["theme_id"] is None


def test_board_titles_and_prompts_are_trimmed_and_a_blank_title_refused(
    db: Database, room: Room
) -> None:
    with db.session() as s:
        board = make_board(s, room.world, title="  Next steps  ", prompt=" What now? ")
        assert (board.title, board.prompt) == ("Next steps", "What now?")
        # A blank title is refused by the schema itself, before the service.
        with pytest.raises(ValidationError, match="blank"):
            BoardUpdate(title="   ")
        with pytest.raises(ValidationError, match="blank"):
            make_board(s, room.world, title=" ")
