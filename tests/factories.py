"""Builders for test data: each test makes the rows it needs, through the services."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from server.db import Database
from server.models.accounts import AccountRole, User
from server.models.actions import ActionCreate, ProgressCreate
from server.models.archive import Archive
from server.models.attendees import Attendee
from server.models.boards import Board, BoardCreate, Card, CardCreate, CardUpdate, ThemeCreate
from server.models.breakouts import Breakout, BreakoutCreate, BreakoutUpdate, NoteCreate
from server.models.events import AgendaItemCreate, Event, EventCreate, EventLog
from server.models.liveblog import EntryCreate, EntryUpdate
from server.models.programmes import Programme, ProgrammeCreate
from server.realtime.audience import Scope
from server.realtime.registry import project
from server.services import (
    accounts,
    actions,
    archive,
    attendees,
    boards,
    breakout_members,
    breakouts,
    cards,
    events,
    liveblog,
    notes,
    programmes,
    votes,
)
from server.services.access import Caller

PASSWORD = "correct horse battery"
SECRET = "test-secret-key"  # the test settings' secret key, which keys attendees' tokens
FACILITATOR = Scope(role="facilitator")
PUBLIC = Scope(role="public")
_counter = itertools.count(1)


def make_user(session: Session, *, role: AccountRole = "facilitator", name: str = "") -> User:
    n = next(_counter)
    return accounts.create_user(
        session,
        email=f"user{n}@example.test",
        password=PASSWORD,
        name=name or f"User {n}",
        role=role,
    )


def make_programme(
    session: Session, *, owner: User | None = None, visibility: str = "public"
) -> Programme:
    owner = owner or make_user(session)
    n = next(_counter)
    return programmes.create_programme(
        session,
        actor=owner,
        data=ProgrammeCreate(slug=f"programme-{n}", title=f"Programme {n}", visibility=visibility),  # type: ignore[arg-type]
    )


def make_event(
    session: Session,
    *,
    programme: Programme,
    owner: User,
    status: str = "draft",
    agenda: int = 0,
) -> Event:
    n = next(_counter)
    event = events.create_event(
        session,
        actor=owner,
        programme=programme,
        data=EventCreate(slug=f"event-{n}", title=f"Event {n}"),
    )
    for i in range(agenda):
        events.add_agenda_item(
            session, actor=owner, event=event, data=AgendaItemCreate(title=f"Session {i + 1}")
        )
    for action in ("start", "end", "freeze"):
        if event.status == status:
            break
        events.transition(session, actor=owner, event=event, action=action)
    return event


@dataclass
class World:
    """A programme with an event, its facilitator, an admin and an outsider."""

    admin: User
    facilitator: User
    outsider: User
    programme: Programme
    event: Event


def make_world(session: Session, *, status: str = "draft", visibility: str = "public") -> World:
    admin = make_user(session, role="admin")
    facilitator = make_user(session)
    outsider = make_user(session)
    make_programme(session, owner=outsider)
    programme = make_programme(session, owner=facilitator, visibility=visibility)
    event = make_event(session, programme=programme, owner=facilitator, status=status, agenda=2)
    return World(admin, facilitator, outsider, programme, event)


def login(client: TestClient, user: User | None) -> dict[str, str]:
    """Sign `client` in as `user` (or out, for None); returns headers a cookie write needs."""
    client.cookies.clear()
    if user is None:
        return {}
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


# -- attendees, boards and breakouts --------------------------------------------------------------


def event_of(session: Session, world: World) -> Event:
    """The world's event as this session has it now."""
    event = session.get(Event, world.event.id)
    assert event is not None
    return event


@dataclass
class Joined:
    """An attendee who joined with the event's code, and the token their phone keeps."""

    attendee: Attendee
    token: str

    @property
    def caller(self) -> Caller:
        return Caller(attendee=self.attendee)

    @property
    def scope(self) -> Scope:
        return Scope(role="attendee", attendee_id=self.attendee.id)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_attendee(session: Session, event: Event, name: str = "", organisation: str = "") -> Joined:
    """Join `event` as a new attendee, exactly as a phone does, with an organisation if given."""
    attendee, token = attendees.join(
        session,
        code=event.join_code,
        secret_key=SECRET,
        display_name=name,
        organisation=organisation,
    )
    assert token is not None
    return Joined(attendee, token)


def make_board(session: Session, world: World, **fields: Any) -> Board:
    event = session.get(Event, world.event.id)
    assert event is not None
    data = BoardCreate(**{"title": "Glimpses of brilliance", **fields})
    return boards.create_event_board(session, actor=world.facilitator, event=event, data=data)


# What the helpers' authors agree to unless a test says otherwise: most tests are about who
# sees what besides consent (consent itself: tests/services/test_consent.py, tests/api/...).
CONSENT = {"text_consent": True, "name_consent": True}


def post(session: Session, caller: Caller, board: Board, text: str, **fields: Any) -> Card:
    """A card whose author lets it be public, name and all, unless `fields` say otherwise."""
    data = CardCreate(client_id=str(uuid.uuid4()), text=text, **{**CONSENT, **fields})
    card, created = cards.create_card(session, actor=caller, board=board, data=data)
    assert created
    return card


def moderate(session: Session, world: World, card: Card, **changes: Any) -> Card:
    return cards.update_card(
        session, actor=Caller(user=world.facilitator), card=card, data=CardUpdate(**changes)
    )


@dataclass
class Room:
    """A live event with a board, a named author and another attendee."""

    world: World
    board_id: int
    amy: Joined
    ben: Joined


def board_of(session: Session, room: Room) -> Board:
    return boards.board_or_404(session, board_id=room.board_id)


def last_row(session: Session, event_id: int) -> EventLog:
    row = session.exec(
        select(EventLog).where(EventLog.event_id == event_id).order_by(col(EventLog.seq).desc())
    ).first()
    assert row is not None
    return row


def shown(session: Session, room: Room, scope: Scope) -> tuple[str, str, dict[str, Any]] | None:
    """What `scope` receives of the event's last log row, if anything."""
    row = last_row(session, room.world.event.id)
    return project(scope, row.type, row.audience, row.payload)


def make_group(
    session: Session, world: World, name: str, event: Event | None = None, **fields: Any
) -> Breakout:
    """A breakout group in the world's event, or in `event` if given, made by its facilitator."""
    data = BreakoutCreate(name=name, **fields)
    return breakouts.create_breakout(
        session, actor=world.facilitator, event=event or event_of(session, world), data=data
    )


def log_types(session: Session, event_id: int) -> list[str]:
    """The types of the event's log rows, in order."""
    rows = session.exec(
        select(EventLog.type).where(EventLog.event_id == event_id).order_by(col(EventLog.seq))
    )
    return list(rows)


# -- a whole day, for the archive -----------------------------------------------------------------

# Words that must never reach an archive or an export.
SECRETS = ("Rosebank Care", "cara@example.org", "M1 1AE", "Hide me later", "gla_")


@dataclass
class Day:
    """A live day with every kind of content, including what must stay out of the archive."""

    world: World
    board: Board
    cards: dict[str, Card]
    theme_ids: dict[str, int]
    breakout: Breakout
    entry_ids: dict[str, int]
    action_id: int
    people: dict[str, Attendee]


def post_once(session: Session, who: Caller, board: Board, text: str, **extra: Any) -> Card:
    """A card whose client id comes from its text: posting the same text again gives it back."""
    data = CardCreate(client_id=f"c-{text[:20]}", text=text, **{**CONSENT, **extra})
    return cards.create_card(session, actor=who, board=board, data=data)[0]


def make_day(session: Session, *, world: World | None = None) -> Day:
    """Everything a day can hold, through the services, as a room would make it."""
    world = world or make_world(session, status="live")
    boss, event = world.facilitator, world.event
    people = {
        "asha": make_attendee(session, event, "Asha Patel", "Rosebank Care").attendee,
        "ben": make_attendee(session, event, "").attendee,
        "cara": make_attendee(session, event, "Cara").attendee,
    }
    asha, ben, cara = (Caller(attendee=people[n]) for n in ("asha", "ben", "cara"))
    board = boards.create_event_board(
        session,
        actor=boss,
        event=event,
        data=BoardCreate(
            title="Glimpses", columns=["Going well", "Concerning"], votes_per_attendee=5
        ),
    )
    made = {
        "garden": post_once(
            session, asha, board, "Residents plant the garden", column="Going well"
        ),
        "night": post_once(session, asha, board, "Night staff stretched thin", anonymous=True),
        "rota": post_once(session, ben, board, "Staffing rotas change weekly", column="Concerning"),
        "held": post_once(session, cara, board, "Call me on cara@example.org about it"),
        "hidden": post_once(session, cara, board, "Hide me later"),
        "meds": post_once(session, Caller(user=boss), board, "Medicines rounds run on time"),
    }
    themes = {}
    for title, members in (("Staffing", ("night", "rota")), ("Activities", ("garden",))):
        theme = votes.create_theme(session, actor=boss, board=board, data=ThemeCreate(title=title))
        themes[title] = theme.id
        for key in members:
            cards.update_card(
                session,
                actor=Caller(user=boss),
                card=made[key],
                data=CardUpdate(theme_id=theme.id),
            )
    votes.set_card_vote(session, actor=asha, card=made["rota"], count=2)
    votes.set_card_vote(session, actor=ben, card=made["garden"], count=1)
    votes.set_card_vote(session, actor=cara, card=made["hidden"], count=3)
    cards.update_card(
        session, actor=Caller(user=boss), card=made["hidden"], data=CardUpdate(status="hidden")
    )
    staffing = votes.theme_or_404(session, theme_id=themes["Staffing"])
    votes.set_theme_vote(session, actor=cara, theme=staffing, count=1)
    group = breakouts.create_breakout(
        session,
        actor=boss,
        event=event,
        data=BreakoutCreate(name="Safe", prompt="Good looks like?"),
    )
    for who in (asha, ben):
        breakout_members.join(session, actor=who, breakout=group)
    for who, text in ((asha, "Handover checklists work"), (ben, "Resident lives at M1 1AE")):
        notes.create_note(
            session, actor=who, breakout=group, data=NoteCreate(client_id=text[:9], text=text)
        )
    breakouts.update_breakout(session, actor=boss, breakout=group, data=BreakoutUpdate(shared=True))
    agenda = events.agenda(session, event=event)
    entry_ids = {}
    for key, kind, body in (
        ("welcome", "update", "Welcome to **the day**"),
        ("moment", "key_moment", "The glimpses board is open"),
        ("edited", "update", "First words"),
        ("gone", "update", "A mistake"),
    ):
        item = agenda[0].id if key == "welcome" else None
        entry = liveblog.create_entry(
            session,
            actor=boss,
            event=event,
            data=EntryCreate(body=body, kind=kind, agenda_item_id=item),  # type: ignore[arg-type]
        )
        entry_ids[key] = entry.id
    edited = liveblog.entry_or_404(session, entry_id=entry_ids["edited"])
    liveblog.update_entry(session, actor=boss, entry=edited, data=EntryUpdate(body="Final words"))
    liveblog.delete_entry(
        session, actor=boss, entry=liveblog.entry_or_404(session, entry_id=entry_ids["gone"])
    )
    action = actions.create_action(
        session,
        actor=boss,
        programme=world.programme,
        data=ActionCreate(
            title="Stable rotas for night staff",
            owner="Tom Okafor",
            involve=["HR leads"],
            theme_id=themes["Staffing"],
            event_id=event.id,
        ),
    )
    actions.add_update(
        session,
        actor=boss,
        action=action,
        data=ProgressCreate(text="Rota pilot agreed", status="in progress", event_id=event.id),
    )
    return Day(world, board, made, themes, group, entry_ids, action.id, people)


def end_and_freeze(session: Session, day: Day) -> Archive:
    for step in ("end", "freeze"):
        if day.world.event.status != events.TRANSITIONS[step][1]:
            boss = day.world.facilitator
            events.transition(session, actor=boss, event=day.world.event, action=step)
    return archive.archive_or_404(session, event_id=day.world.event.id)


def frozen(db: Database) -> Day:
    """A whole day, ended and frozen into the archive."""
    with db.session() as s:
        day = make_day(s)
        end_and_freeze(s, day)
        return day
