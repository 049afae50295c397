"""Builders for test data: each test makes the rows it needs, through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import Session

from server.models.accounts import User
from server.models.events import AgendaItemCreate, Event, EventCreate
from server.models.programmes import Programme, ProgrammeCreate
from server.services import accounts, events, programmes

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(session: Session, *, role: str = "facilitator", name: str = "") -> User:
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
