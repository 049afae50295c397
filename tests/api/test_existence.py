"""No existence leaks: a vote, edit, read or delete of an item the caller may not see answers
exactly as for an item that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from server.db import Database
from tests.api.helpers import ApiRoom, card_of, make_people, open_board
from tests.factories import login

MISSING = 987_654


@pytest.fixture(name="room")
def room_fixture(client: TestClient, db: Database) -> ApiRoom:
    world, amy, ben, dev = make_people(db)
    return ApiRoom(world, open_board(client, world), amy, ben, dev)


def answer(response: Response) -> tuple[int, Any]:
    return response.status_code, response.json()


def same_as_missing(
    client: TestClient, method: str, path: str, headers: dict[str, str], **kw: Any
) -> None:
    seen = answer(client.request(method, path.format(id=kw.pop("id")), headers=headers, **kw))
    missing = answer(client.request(method, path.format(id=MISSING), headers=headers, **kw))
    assert seen == missing
    assert seen[0] == 404


def test_another_attendees_held_or_hidden_card_answers_as_missing(
    client: TestClient, room: ApiRoom
) -> None:
    held = card_of(client, room, room.amy, "Call Jo on 07700 900123")  # held: looks personal
    hidden = card_of(client, room, room.amy, "Soon hidden")
    headers = login(client, room.world.facilitator)
    moderated = client.patch(
        f"/api/v1/cards/{hidden['id']}", json={"status": "hidden"}, headers=headers
    )
    assert moderated.status_code == 200
    client.cookies.clear()
    for card in (held, hidden):
        ben = room.ben.headers
        same_as_missing(
            client, "PUT", "/api/v1/cards/{id}/vote", ben, id=card["id"], json={"count": 1}
        )
        same_as_missing(
            client, "PATCH", "/api/v1/cards/{id}", ben, id=card["id"], json={"text": "x"}
        )
        same_as_missing(client, "DELETE", "/api/v1/cards/{id}", ben, id=card["id"])
    # Its author still sees their held card, and is told why it takes no votes.
    own = client.put(
        f"/api/v1/cards/{held['id']}/vote", json={"count": 1}, headers=room.amy.headers
    )
    assert own.status_code == 409


def test_a_note_of_another_unshared_group_answers_as_missing(
    client: TestClient, room: ApiRoom, db: Database
) -> None:
    headers = login(client, room.world.facilitator)
    event_id = room.world.event.id
    group = client.post(
        f"/api/v1/events/{event_id}/breakouts", json={"name": "Table 1"}, headers=headers
    ).json()
    client.cookies.clear()
    assert (
        client.post(f"/api/v1/breakouts/{group['id']}/join", headers=room.amy.headers).status_code
        == 200
    )
    body = {"client_id": str(uuid.uuid4()), "text": "Our table's own words"}
    note = client.post(
        f"/api/v1/breakouts/{group['id']}/notes", json=body, headers=room.amy.headers
    ).json()
    ben = room.ben.headers
    same_as_missing(
        client, "PATCH", "/api/v1/notes/{id}", ben, id=note["id"], json={"text": "x", "version": 1}
    )
    same_as_missing(client, "DELETE", "/api/v1/notes/{id}", ben, id=note["id"])
