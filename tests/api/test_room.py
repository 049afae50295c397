"""Room control over the API: the timer and the screen, by role, and as /state reports them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from server.db import Database
from server.services import events
from tests.api.helpers import error_of, open_board, open_group
from tests.factories import World, login, make_event, make_world


def test_a_facilitator_starts_and_stops_the_timer(client: TestClient, live_world: World) -> None:
    headers = login(client, live_world.facilitator)
    url = f"/api/v1/events/{live_world.event.id}/timer"
    response = client.post(url, json={"seconds": 300, "label": " Pairs "}, headers=headers)
    assert response.status_code == 200, response.text
    timer = response.json()
    assert (timer["seconds"], timer["label"], timer["chime"]) == (300, "Pairs", True)
    assert timer["started_at"].endswith("Z") and timer["ends_at"] > timer["started_at"]
    login(client, None)
    state = client.get(f"/api/v1/events/{live_world.event.id}/state").json()
    assert state["timer"] == timer
    headers = login(client, live_world.facilitator)
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(f"/api/v1/events/{live_world.event.id}/state").json()["timer"] is None


def test_the_screen_mode_is_in_everyones_state(client: TestClient, live_world: World) -> None:
    board_id = open_board(client, live_world)
    headers = login(client, live_world.facilitator)
    state_url = f"/api/v1/events/{live_world.event.id}/state"
    assert client.get(state_url).json()["screen"] == {
        "mode": "join",
        "target_id": None,
        "changed_at": None,
    }
    response = client.post(
        f"/api/v1/events/{live_world.event.id}/screen",
        json={"mode": "results", "target_id": board_id},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    login(client, None)
    assert client.get(state_url).json()["screen"] == response.json()


def test_the_screen_shows_a_breakout_group_of_this_event(
    client: TestClient, db: Database, live_world: World
) -> None:
    group = open_group(client, live_world, "Table 1", prompt="What does good look like?")
    with db.session() as s:
        other = make_event(s, programme=live_world.programme, owner=live_world.facilitator)
        elsewhere = replace(live_world, event=other)
    theirs = open_group(client, elsewhere, "Table 9")
    headers = login(client, live_world.facilitator)
    url = f"/api/v1/events/{live_world.event.id}/screen"
    for body in ({"mode": "breakout"}, {"mode": "breakout", "target_id": theirs}):
        assert error_of(client.post(url, json=body, headers=headers)) == (400, "bad_input")
    response = client.post(url, json={"mode": "breakout", "target_id": group}, headers=headers)
    assert response.status_code == 200, response.text
    state = client.get(f"/api/v1/events/{live_world.event.id}/state").json()
    assert (state["screen"]["mode"], state["screen"]["target_id"]) == ("breakout", group)
    assert [(g["id"], g["prompt"]) for g in state["breakouts"]] == [
        (group, "What does good look like?")
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("outsider", 403), ("facilitator", 200), ("admin", 200)],
)
def test_room_control_by_role(client: TestClient, live_world: World, who: str, status: int) -> None:
    user = {
        "anonymous": None,
        "outsider": live_world.outsider,
        "facilitator": live_world.facilitator,
        "admin": live_world.admin,
    }[who]
    headers = login(client, user)
    base = f"/api/v1/events/{live_world.event.id}"
    timer = client.post(f"{base}/timer", json={"seconds": 30}, headers=headers)
    screen = client.post(f"{base}/screen", json={"mode": "blank"}, headers=headers)
    assert (timer.status_code, screen.status_code) == (status, status)


def test_cookie_writes_need_the_csrf_token(client: TestClient, live_world: World) -> None:
    login(client, live_world.facilitator)
    response = client.post(f"/api/v1/events/{live_world.event.id}/screen", json={"mode": "blank"})
    assert error_of(response) == (403, "csrf_failed")


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("timer", {"seconds": 0}, (422, "validation_failed")),
        ("timer", {"seconds": 5 * 3600}, (422, "validation_failed")),
        ("screen", {"mode": "disco"}, (422, "validation_failed")),
        ("screen", {"mode": "board"}, (400, "bad_input")),
        ("screen", {"mode": "spotlight", "target_id": 999999}, (400, "bad_input")),
    ],
)
def test_bad_room_changes_are_refused(
    client: TestClient, live_world: World, path: str, body: dict[str, object], expected: object
) -> None:
    headers = login(client, live_world.facilitator)
    response = client.post(
        f"/api/v1/events/{live_world.event.id}/{path}", json=body, headers=headers
    )
    assert error_of(response) == expected


def test_a_frozen_event_answers_409(client: TestClient, db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="frozen")
    headers = login(client, world.facilitator)
    base = f"/api/v1/events/{world.event.id}"
    for response in (
        client.post(f"{base}/timer", json={"seconds": 30}, headers=headers),
        client.delete(f"{base}/timer", headers=headers),
        client.post(f"{base}/screen", json={"mode": "join"}, headers=headers),
        client.post(f"{base}/screen", json={"mode": "breakout", "target_id": 1}, headers=headers),
    ):
        assert error_of(response) == (409, "event_frozen")


def test_an_unknown_event_is_404(client: TestClient, live_world: World) -> None:
    headers = login(client, live_world.facilitator)
    response = client.post("/api/v1/events/999999/screen", json={"mode": "join"}, headers=headers)
    assert error_of(response) == (404, "not_found")


def test_next_session_moves_the_room_and_followers_see_now(
    client: TestClient, live_world: World
) -> None:
    board_id = open_board(client, live_world)
    headers = login(client, live_world.facilitator)
    event_url = f"/api/v1/events/{live_world.event.id}"
    second = client.get(f"{event_url}/state").json()["agenda"][1]
    patched = client.patch(
        f"/api/v1/agenda/{second['id']}", json={"board_id": board_id}, headers=headers
    )
    assert patched.json()["board_id"] == board_id
    first = client.post(f"{event_url}/agenda/next", json={}, headers=headers).json()
    moved = client.post(f"{event_url}/agenda/next", json={}, headers=headers)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["item"]["id"] == second["id"] != first["item"]["id"]
    assert body["board"]["id"] == board_id and body["screen"]["mode"] == "board"
    login(client, None)
    assert client.get(f"{event_url}/state").json()["event"]["now_item_id"] == second["id"]
    page = client.get(f"/p/{body['event']['programme_slug']}/{body['event']['slug']}")
    now = HTMLParser(page.text).css_first("[data-now]")
    assert now is not None and second["title"] in now.text()
    last = client.post(
        f"{event_url}/agenda/next", json={}, headers=login(client, live_world.facilitator)
    )
    assert error_of(last) == (409, "conflict")


def test_next_session_is_for_facilitators_of_this_event(
    client: TestClient, live_world: World, db: Database
) -> None:
    with db.session() as s:
        other = make_world(s, status="live")
        foreign_id = events.agenda(s, event=other.event)[0].id
    url = f"/api/v1/events/{live_world.event.id}/agenda/next"
    assert client.post(url, json={}).status_code == 401
    headers = login(client, other.facilitator)
    assert client.post(url, json={}, headers=headers).status_code == 403
    headers = login(client, live_world.facilitator)
    assert client.post(url, json={"item_id": 10**6}, headers=headers).status_code == 404
    foreign = client.post(url, json={"item_id": foreign_id}, headers=headers)
    assert error_of(foreign) == (400, "bad_input")
