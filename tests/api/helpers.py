"""Shared steps for the route tests: rooms set up over the API, and reading their answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from server.db import Database
from server.models.events import Event
from tests.factories import (
    CONSENT,
    Day,
    Joined,
    World,
    login,
    make_attendee,
    make_event,
    make_world,
)


@dataclass
class ApiRoom:
    """An event with a board opened by its facilitator, two attendees and one from elsewhere."""

    world: World
    board_id: int
    amy: Joined
    ben: Joined
    stranger: Joined

    @property
    def board_url(self) -> str:
        return f"/api/v1/boards/{self.board_id}"


def open_board(client: TestClient, world: World, **fields: Any) -> int:
    headers = login(client, world.facilitator)
    body = {"title": "Glimpses of brilliance", "votes_per_attendee": 3, **fields}
    response = client.post(f"/api/v1/events/{world.event.id}/boards", json=body, headers=headers)
    assert response.status_code == 201, response.text
    board_id: int = response.json()["id"]
    return board_id


def make_people(db: Database) -> tuple[World, Joined, Joined, Joined]:
    """A live event's world; Amy and Ben joined it, Dev joined another event of the programme."""
    with db.session() as s:
        world = make_world(s, status="live")
        event = s.get(Event, world.event.id)
        assert event is not None
        amy, ben = make_attendee(s, event, "Amy"), make_attendee(s, event, "Ben")
        elsewhere = make_event(s, programme=world.programme, owner=world.facilitator)
        return world, amy, ben, make_attendee(s, elsewhere, "Dev")


def post_card(
    client: TestClient, room: ApiRoom, headers: dict[str, str], text: str, **fields: Any
) -> Response:
    """A card whose author lets it be public, name and all, unless `fields` say otherwise."""
    body = {"client_id": str(uuid.uuid4()), "text": text, **CONSENT, **fields}
    return client.post(f"{room.board_url}/cards", json=body, headers=headers)


def card_of(
    client: TestClient, room: ApiRoom, who: Joined, text: str, **fields: Any
) -> dict[str, Any]:
    response = post_card(client, room, who.headers, text, **fields)
    assert response.status_code == 201, response.text
    card: dict[str, Any] = response.json()
    return card


def texts_seen(client: TestClient, room: ApiRoom, headers: dict[str, str]) -> list[str]:
    return [c["text"] for c in client.get(room.board_url, headers=headers).json()["cards"]]


def error_of(response: Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def open_group(client: TestClient, world: World, name: str, **fields: Any) -> int:
    """A breakout group opened over the API by the world's facilitator, who then signs out."""
    headers = login(client, world.facilitator)
    body = {"name": name, **fields}
    response = client.post(f"/api/v1/events/{world.event.id}/breakouts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    group_id: int = response.json()["id"]
    client.cookies.clear()
    return group_id


def archive_api(day: Day, suffix: str = "") -> str:
    return f"/api/v1/events/{day.world.event.id}/archive{suffix}"


def summary_url(day: Day) -> str:
    return f"/p/{day.world.programme.slug}/{day.world.event.slug}/summary"
