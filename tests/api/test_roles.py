"""Programme roles at every mutation door: a co-facilitator moderates, blogs and runs the room;
a programme lead reads everything a facilitator reads and changes nothing (403 everywhere)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from server.db import Database
from server.models.accounts import User
from server.models.boards import CardCreate
from server.services import cards, programmes
from server.services.access import Caller
from tests.factories import World, login, make_attendee, make_board, make_user

# (door, may a co-facilitator use it). Every one refuses a programme lead.
DOORS: list[tuple[str, str, dict[str, Any] | None, bool]] = [
    ("PATCH", "/api/v1/programmes/{slug}", {"title": "Renamed"}, False),
    ("POST", "/api/v1/programmes/{slug}/facilitators", {"email": "{outsider}"}, False),
    ("POST", "/api/v1/programmes/{slug}/events", {"slug": "another", "title": "Another"}, False),
    ("POST", "/api/v1/programmes/{slug}/actions", {"title": "Fewer falls"}, False),
    ("PATCH", "/api/v1/events/{event}", {"title": "Renamed"}, False),
    ("POST", "/api/v1/events/{event}/agenda", {"title": "Lunch"}, False),
    ("POST", "/api/v1/events/{event}/boards", {"title": "Concerns"}, False),
    ("PATCH", "/api/v1/boards/{board}", {"state": "closed"}, False),
    ("POST", "/api/v1/events/{event}/breakouts", {"name": "Safe"}, False),
    ("POST", "/api/v1/events/{event}/end", None, False),
    ("POST", "/api/v1/events/{event}/attendees/{attendee}/erase", {"cards": "delete"}, False),
    ("POST", "/api/v1/events/{event}/entries", {"body": "Welcome, everyone"}, True),
    ("POST", "/api/v1/events/{event}/timer", {"seconds": 300}, True),
    ("POST", "/api/v1/events/{event}/screen", {"mode": "join"}, True),
    ("POST", "/api/v1/events/{event}/screens", {"code": "AAAAAA"}, True),  # 404: none shows it
    ("POST", "/api/v1/boards/{board}/cards", {"client_id": "{uuid}", "text": "Tea at 11"}, True),
    ("POST", "/api/v1/cards/{card}/promote", None, True),
    ("PATCH", "/api/v1/cards/{card}", {"status": "hidden"}, True),
    ("DELETE", "/api/v1/cards/{card}", None, True),
]


def member(session: Session, world: World, role: str) -> User:
    user = make_user(session)
    programmes.add_facilitator(
        session, actor=world.facilitator, programme=world.programme, email=user.email, role=role
    )  # type: ignore[arg-type]
    return user


def room(session: Session, world: World) -> dict[str, str]:
    """What the doors name: a board with a card shared publicly, and an attendee."""
    board = make_board(session, world)
    amy = make_attendee(session, world.event, "Amy")
    data = CardCreate(
        client_id=str(uuid.uuid4()), text="Residents chose the menu", text_consent=True
    )
    card, _ = cards.create_card(
        session, actor=Caller(attendee=amy.attendee), board=board, data=data
    )
    return {
        "slug": world.programme.slug,
        "event": str(world.event.id),
        "board": str(board.id),
        "card": str(card.id),
        "attendee": str(amy.attendee.id),
        "outsider": world.outsider.email,
    }


def fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, str):
        return value.format(uuid=uuid.uuid4(), **names)
    return value


@pytest.mark.parametrize("role", ["lead", "cofacilitator"])
def test_each_mutation_door_refuses_the_roles_not_allowed_through_it(
    client: TestClient, db: Database, live_world: World, role: str
) -> None:
    with db.session() as s:
        user = member(s, live_world, role)
        names = room(s, live_world)
    headers = login(client, user)
    wrong = []
    for method, path, body, cofacilitator_may in DOORS:
        answer = client.request(method, fill(path, names), json=fill(body, names), headers=headers)
        refused = answer.status_code == 403
        if refused and answer.json()["error"]["code"] != "forbidden":
            wrong.append((method, path, "error shape", answer.text))
        done = answer.is_success or (path.endswith("/screens") and answer.status_code == 404)
        if (refused, done) != (
            (True, False) if role == "lead" or not cofacilitator_may else (False, True)
        ):
            wrong.append((method, path, answer.status_code, answer.text[:120]))
    assert wrong == []


def test_a_lead_reads_what_a_facilitator_reads(
    client: TestClient, db: Database, live_world: World
) -> None:
    with db.session() as s:
        lead = member(s, live_world, "lead")
        names = room(s, live_world)
    login(client, lead)
    event = names["event"]
    assert client.get(f"/api/v1/events/{event}/state").json()["role"] == "facilitator"
    board = client.get(f"/api/v1/boards/{names['board']}").json()
    assert [c["status"] for c in board["cards"]] == ["visible"]
    for page in (f"/console/events/{event}", f"/console/events/{event}/boards",
                 f"/console/events/{event}/people", f"/console/p/{names['slug']}"):  # fmt: skip
        assert client.get(page, follow_redirects=False).status_code == 200, page
    assert client.get(f"/api/v1/events/{event}/screens").json() == []
