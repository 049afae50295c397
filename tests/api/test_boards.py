"""Boards, cards, themes and votes over the API for every role, and live over a real socket."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import func, select
from websockets.sync.client import ClientConnection, connect

from server.db import Database
from server.models.boards import Card
from server.models.events import Event
from server.services import accounts
from tests.api.helpers import (
    ApiRoom,
    card_of,
    error_of,
    make_people,
    open_board,
    post_card,
    texts_seen,
)
from tests.factories import (
    Joined,
    login,
    make_attendee,
    make_event,
    make_programme,
    make_user,
    make_world,
)
from tests.liveserver import LiveServer

CARD_KEYS = {
    "id",
    "board_id",
    "client_id",
    "text",
    "column",
    "status",
    "author",
    "anonymous",
    "text_consent",
    "name_consent",
    "theme_id",
    "votes",
    "spotlight",
    "redacted",
    "created_at",
    "updated_at",
}


# -- boards -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("attendee", 401),
        ("outsider", 403),
        ("facilitator", 201),
        ("admin", 201),
    ],
)
def test_opening_a_board_by_role(client: TestClient, room: ApiRoom, role: str, status: int) -> None:
    user = {"outsider": room.world.outsider, "facilitator": room.world.facilitator}.get(role)
    headers = login(client, room.world.admin if role == "admin" else user)
    if role == "attendee":
        headers = room.amy.headers
    response = client.post(
        f"/api/v1/events/{room.world.event.id}/boards",
        json={"title": "What next?", "columns": [" Now ", "Later", ""], "moderation": "pre"},
        headers=headers,
    )
    assert response.status_code == status
    if status == 201:
        board = response.json()
        assert (board["columns"], board["moderation"], board["state"]) == (
            ["Now", "Later"],
            "pre",
            "open",
        )
        assert (board["cards"], board["themes"]) == ([], [])


def test_patching_a_board_hides_closes_and_reopens_it(client: TestClient, room: ApiRoom) -> None:
    headers = login(client, room.world.facilitator)
    card_of(client, room, room.amy, "Music every afternoon")
    hidden = client.patch(
        room.board_url, json={"state": "hidden", "prompt": "Later"}, headers=headers
    )
    assert hidden.status_code == 200 and hidden.json()["state"] == "hidden"
    assert len(hidden.json()["cards"]) == 1
    assert error_of(client.get(room.board_url, headers=room.amy.headers)) == (404, "not_found")
    login(client, None)
    assert client.get(room.board_url).status_code == 404
    state = client.get(f"/api/v1/events/{room.world.event.id}/state").json()
    assert state["boards"] == []
    assert error_of(post_card(client, room, room.amy.headers, "Hello?")) == (404, "not_found")
    headers = login(client, room.world.facilitator)
    client.patch(room.board_url, json={"state": "closed"}, headers=headers)
    assert texts_seen(client, room, room.amy.headers) == ["Music every afternoon"]
    assert error_of(post_card(client, room, room.amy.headers, "Late")) == (409, "board_closed")
    client.patch(room.board_url, json={"state": "open"}, headers=headers)
    assert post_card(client, room, room.amy.headers, "Back again").status_code == 201
    assert client.patch(room.board_url, json={"state": "gone"}, headers=headers).status_code == 422
    outsider = login(client, room.world.outsider)
    assert client.patch(room.board_url, json={"title": "Mine"}, headers=outsider).status_code == 403


def test_unknown_boards_cards_and_themes_are_404(client: TestClient, room: ApiRoom) -> None:
    headers = room.amy.headers
    for response in [
        client.get("/api/v1/boards/999999"),
        client.post(
            "/api/v1/boards/999999/cards", json={"client_id": "a", "text": "b"}, headers=headers
        ),
        client.patch("/api/v1/cards/999999", json={"text": "b"}, headers=headers),
        client.put("/api/v1/cards/999999/vote", json={"count": 1}, headers=headers),
        client.put("/api/v1/themes/999999/vote", json={"count": 1}, headers=headers),
    ]:
        assert error_of(response) == (404, "not_found")


# -- cards --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("outsider", 403),
        ("attendee of another event", 403),
        ("attendee", 201),
        ("facilitator", 201),
        ("admin", 201),
    ],
)
def test_posting_a_card_by_role(client: TestClient, room: ApiRoom, role: str, status: int) -> None:
    users = {
        "outsider": room.world.outsider,
        "facilitator": room.world.facilitator,
        "admin": room.world.admin,
    }
    headers = login(client, users.get(role))
    if role == "attendee":
        headers = room.amy.headers
    if role == "attendee of another event":
        headers = room.stranger.headers
    assert post_card(client, room, headers, "Residents chose the menu").status_code == status


def test_the_same_client_id_answers_with_the_same_card(
    client: TestClient, db: Database, room: ApiRoom
) -> None:
    body = {"client_id": str(uuid.uuid4()), "text": "  Residents chose the menu  "}
    first = client.post(f"{room.board_url}/cards", json=body, headers=room.amy.headers)
    again = client.post(f"{room.board_url}/cards", json=body, headers=room.amy.headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() and first.json()["text"] == "Residents chose the menu"
    with db.session(write=False) as s:
        assert s.exec(select(func.count()).select_from(Card)).one() == 1
    taken = client.post(f"{room.board_url}/cards", json=body, headers=room.ben.headers)
    assert error_of(taken) == (409, "conflict")


def test_a_card_is_checked_before_it_is_posted(
    client: TestClient, db: Database, room: ApiRoom
) -> None:
    amy = room.amy.headers
    # Whitespace-only is refused by the schema itself (the OpenAPI pattern), not after it.
    assert error_of(post_card(client, room, amy, " \t\u3000")) == (422, "validation_failed")
    assert error_of(post_card(client, room, amy, "x" * 501)) == (400, "bad_input")
    assert post_card(client, room, amy, "x" * 500).status_code == 201
    assert error_of(post_card(client, room, amy, "x" * 5001)) == (422, "validation_failed")
    assert error_of(post_card(client, room, amy, "Hi", column="Elsewhere")) == (400, "bad_input")
    assert post_card(client, room, amy, "Hi", column="Concerning").json()["column"] == "Concerning"
    assert (
        client.post(f"{room.board_url}/cards", json={"text": "No id"}, headers=amy).status_code
        == 422
    )
    headers = login(client, room.world.facilitator)
    client.patch(room.board_url, json={"anonymous_allowed": False}, headers=headers)
    assert error_of(post_card(client, room, amy, "Shh", anonymous=True)) == (400, "bad_input")


def test_a_card_shows_each_viewer_what_they_may_see(client: TestClient, room: ApiRoom) -> None:
    mine = card_of(client, room, room.amy, "Staff stayed late", anonymous=True)
    assert set(mine) == CARD_KEYS | {"held_reason"}
    assert (mine["author"], mine["status"], mine["held_reason"], mine["votes"]) == (
        None,
        "visible",
        "",
        0,
    )
    assert mine["created_at"].endswith("Z")
    named = card_of(client, room, room.ben, "The rota works")
    assert named["author"] == {
        "id": room.ben.attendee.id,
        "display_name": "Ben",
        "kind": "attendee",
    }
    login(client, None)
    for card in client.get(room.board_url).json()["cards"]:
        assert set(card) == CARD_KEYS
    headers = login(client, room.world.facilitator)
    cards = client.get(room.board_url, headers=headers).json()["cards"]
    assert [c["author"] for c in cards] == [None, named["author"]]
    assert all(set(c) == CARD_KEYS | {"held_reason"} for c in cards)


def test_moderation_decides_who_sees_a_card(client: TestClient, room: ApiRoom) -> None:
    facilitator = login(client, room.world.facilitator)
    client.patch(room.board_url, json={"moderation": "pre"}, headers=facilitator)
    card = card_of(client, room, room.amy, "Music every afternoon")
    assert (card["status"], card["held_reason"]) == ("pending", "")

    def sees(headers: dict[str, str]) -> bool:
        return "Music every afternoon" in texts_seen(client, room, headers)

    def state_sees(headers: dict[str, str]) -> bool:
        boards = client.get(f"/api/v1/events/{room.world.event.id}/state", headers=headers).json()[
            "boards"
        ]
        return any(c["text"] == "Music every afternoon" for b in boards for c in b["cards"])

    facilitator = login(client, room.world.facilitator)
    assert sees(facilitator) and state_sees(facilitator)
    assert sees(room.amy.headers)
    assert not sees(room.ben.headers) and not state_sees(room.ben.headers)
    login(client, None)
    assert not sees({}) and not state_sees({})

    facilitator = login(client, room.world.facilitator)
    approved = client.patch(
        f"/api/v1/cards/{card['id']}", json={"status": "visible"}, headers=facilitator
    )
    assert approved.status_code == 200 and approved.json()["status"] == "visible"
    assert sees(room.ben.headers) and state_sees(room.ben.headers)
    login(client, None)
    assert sees({}) and state_sees({})


def test_the_privacy_guard_holds_personal_data(client: TestClient, room: ApiRoom) -> None:
    held = card_of(client, room, room.amy, "Her NHS number is 943 476 5919")
    assert (held["status"], held["held_reason"]) == ("pending", "looks like an NHS number")
    fine = card_of(client, room, room.amy, "Glove batch 943 476 5910 arrived")
    assert fine["status"] == "visible"
    assert texts_seen(client, room, room.ben.headers) == ["Glove batch 943 476 5910 arrived"]
    mine = client.get(room.board_url, headers=room.amy.headers).json()["cards"]
    assert [c["held_reason"] for c in mine] == ["looks like an NHS number", ""]
    edited = client.patch(
        f"/api/v1/cards/{fine['id']}", json={"text": "Ring 0161 496 0000"}, headers=room.amy.headers
    )
    assert edited.json()["held_reason"] == "looks like a phone number"
    assert texts_seen(client, room, room.ben.headers) == []


def test_only_ten_cards_a_minute(client: TestClient, room: ApiRoom) -> None:
    for n in range(10):
        assert post_card(client, room, room.amy.headers, f"Card {n}").status_code == 201
    limited = post_card(client, room, room.amy.headers, "One too many")
    assert error_of(limited) == (429, "rate_limited")
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert post_card(client, room, room.ben.headers, "Ben may").status_code == 201


def test_who_may_edit_and_delete_a_card(client: TestClient, room: ApiRoom) -> None:
    card = card_of(client, room, room.amy, "Residents planned the garden")
    url = f"/api/v1/cards/{card['id']}"
    assert client.patch(url, json={"text": "Mine now"}, headers=room.ben.headers).status_code == 403
    assert client.patch(url, json={"status": "hidden"}, headers=room.amy.headers).status_code == 403
    assert client.patch(url, json={"text": "x"}, headers=room.stranger.headers).status_code == 403
    login(client, None)
    assert client.patch(url, json={"text": "x"}).status_code == 401
    edited = client.patch(url, json={"text": "Residents planted it"}, headers=room.amy.headers)
    assert edited.status_code == 200 and edited.json()["text"] == "Residents planted it"
    facilitator = login(client, room.world.facilitator)
    assert client.patch(url, json={"text": "Tidied"}, headers=facilitator).status_code == 403
    spot = client.patch(url, json={"spotlight": True}, headers=facilitator)
    assert spot.json()["spotlight"] is True
    other = open_board(client, room.world, title="Other")
    facilitator = login(client, room.world.facilitator)
    theme = client.post(
        f"/api/v1/boards/{other}/themes", json={"title": "Elsewhere"}, headers=facilitator
    )
    wrong = client.patch(url, json={"theme_id": theme.json()["id"]}, headers=facilitator)
    assert error_of(wrong) == (400, "bad_input")
    client.patch(room.board_url, json={"state": "closed"}, headers=facilitator)
    late = client.patch(url, json={"text": "Too late"}, headers=room.amy.headers)
    assert error_of(late) == (409, "board_closed")
    assert client.delete(url, headers=room.ben.headers).status_code == 403
    assert client.delete(url, headers=room.amy.headers).status_code == 204
    assert client.delete(url, headers=room.amy.headers).status_code == 404
    client.patch(room.board_url, json={"state": "open"}, headers=facilitator)
    other_card = card_of(client, room, room.ben, "Ben's card")
    assert (
        client.delete(f"/api/v1/cards/{other_card['id']}", headers=facilitator).status_code == 204
    )


# -- votes and themes ---------------------------------------------------------------------------


def test_dots_are_budgeted_across_cards_and_themes(client: TestClient, room: ApiRoom) -> None:
    first = card_of(client, room, room.amy, "One")
    second = card_of(client, room, room.ben, "Two")
    facilitator = login(client, room.world.facilitator)
    theme = client.post(
        f"{room.board_url}/themes", json={"title": "Food"}, headers=facilitator
    ).json()

    def vote(kind: str, item: dict[str, Any], count: int, who: Joined = room.amy) -> Response:
        return client.put(
            f"/api/v1/{kind}/{item['id']}/vote", json={"count": count}, headers=who.headers
        )

    placed = vote("cards", first, 2)
    assert placed.status_code == 200
    assert placed.json() == {
        "board_id": room.board_id,
        "card_id": first["id"],
        "theme_id": None,
        "votes": 2,
        "count": 2,
        "remaining": 1,
    }
    assert error_of(vote("cards", second, 2)) == (409, "over_budget")
    assert error_of(vote("themes", theme, 2)) == (409, "over_budget")
    assert vote("themes", theme, 1).json()["remaining"] == 0
    assert vote("cards", first, 1).json()["remaining"] == 1
    assert vote("cards", first, 3, room.ben).json()["votes"] == 4
    mine = client.get(f"{room.board_url}/votes", headers=room.amy.headers).json()
    assert mine == {
        "board_id": room.board_id,
        "budget": 3,
        "remaining": 1,
        "cards": [{"id": first["id"], "count": 1}],
        "themes": [{"id": theme["id"], "count": 1}],
    }
    assert vote("cards", first, -1).status_code == 422
    assert (
        client.put(
            f"/api/v1/cards/{first['id']}/vote", json={"count": 1}, headers=facilitator
        ).status_code
        == 403
    )
    assert error_of(vote("cards", first, 1, room.stranger)) == (403, "forbidden")
    login(client, None)
    assert client.put(f"/api/v1/cards/{first['id']}/vote", json={"count": 1}).status_code == 401
    votes = [c["votes"] for c in client.get(room.board_url).json()["cards"]]
    assert votes == [4, 0]
    assert client.get(room.board_url).json()["themes"][0]["votes"] == 1


def test_themes_are_managed_by_facilitators(client: TestClient, room: ApiRoom) -> None:
    card = card_of(client, room, room.amy, "Lovely lunch")
    assert (
        client.post(
            f"{room.board_url}/themes", json={"title": "Food"}, headers=room.amy.headers
        ).status_code
        == 401
    )
    outsider = login(client, room.world.outsider)
    assert (
        client.post(
            f"{room.board_url}/themes", json={"title": "Food"}, headers=outsider
        ).status_code
        == 403
    )
    facilitator = login(client, room.world.facilitator)
    made = client.post(f"{room.board_url}/themes", json={"title": " Food "}, headers=facilitator)
    assert made.status_code == 201 and made.json()["title"] == "Food"
    theme_url = f"/api/v1/themes/{made.json()['id']}"
    grouped = client.patch(
        f"/api/v1/cards/{card['id']}", json={"theme_id": made.json()["id"]}, headers=facilitator
    )
    assert grouped.json()["theme_id"] == made.json()["id"]
    renamed = client.patch(theme_url, json={"title": "Food and drink"}, headers=facilitator)
    assert renamed.json()["title"] == "Food and drink"
    assert client.patch(theme_url, json={"title": ""}, headers=facilitator).status_code == 422
    assert client.delete(theme_url, headers=facilitator).status_code == 204
    assert client.get(room.board_url).json()["cards"][0]["theme_id"] is None
    assert client.delete(theme_url, headers=facilitator).status_code == 404


# -- promotion, frozen events, programme boards -------------------------------------------------


def test_promoting_needs_the_authors_consent(client: TestClient, room: ApiRoom) -> None:
    shared = card_of(
        client, room, room.amy, "Residents planned the garden", text_consent=True, name_consent=True
    )
    private = card_of(client, room, room.amy, "Just for the room", text_consent=False)
    facilitator = login(client, room.world.facilitator)
    entry = client.post(f"/api/v1/cards/{shared['id']}/promote", headers=facilitator)
    assert entry.status_code == 201
    assert (entry.json()["kind"], entry.json()["body"]) == (
        "quote",
        "> Residents planned the garden",
    )
    assert entry.json()["attribution"] == "Amy" and "<blockquote>" in entry.json()["html"]
    refused = client.post(f"/api/v1/cards/{private['id']}/promote", headers=facilitator)
    assert error_of(refused) == (409, "not_shareable")
    outsider = login(client, room.world.outsider)
    assert client.post(f"/api/v1/cards/{shared['id']}/promote", headers=outsider).status_code == 403
    assert (
        client.post(f"/api/v1/cards/{shared['id']}/promote", headers=room.amy.headers).status_code
        == 401
    )


def test_a_frozen_event_answers_every_board_write_with_409(
    client: TestClient, room: ApiRoom
) -> None:
    card = card_of(client, room, room.amy, "Before the end")
    facilitator = login(client, room.world.facilitator)
    theme = client.post(f"{room.board_url}/themes", json={"title": "T"}, headers=facilitator).json()
    event_url = f"/api/v1/events/{room.world.event.id}"
    for action in ("end", "freeze"):
        assert client.post(f"{event_url}/{action}", headers=facilitator).status_code == 200
    card_url, theme_url, amy = (
        f"/api/v1/cards/{card['id']}",
        f"/api/v1/themes/{theme['id']}",
        room.amy.headers,
    )
    attempts: list[Callable[[], Response]] = [
        lambda: client.post(f"{event_url}/boards", json={"title": "Late"}, headers=facilitator),
        lambda: client.patch(room.board_url, json={"state": "closed"}, headers=facilitator),
        lambda: post_card(client, room, amy, "After the end"),
        lambda: client.patch(card_url, json={"text": "Changed"}, headers=amy),
        lambda: client.patch(card_url, json={"status": "hidden"}, headers=facilitator),
        lambda: client.delete(card_url, headers=amy),
        lambda: client.put(f"{card_url}/vote", json={"count": 1}, headers=amy),
        lambda: client.post(f"{card_url}/promote", headers=facilitator),
        lambda: client.post(f"{room.board_url}/themes", json={"title": "x"}, headers=facilitator),
        lambda: client.patch(theme_url, json={"title": "x"}, headers=facilitator),
        lambda: client.delete(theme_url, headers=facilitator),
        lambda: client.put(f"{theme_url}/vote", json={"count": 1}, headers=amy),
    ]
    for attempt in attempts:
        assert error_of(attempt()) == (409, "event_frozen")
    assert texts_seen(client, room, facilitator) == ["Before the end"]


def test_a_programme_board_collects_cards_between_events(
    client: TestClient, db: Database, room: ApiRoom
) -> None:
    slug = room.world.programme.slug
    facilitator = login(client, room.world.facilitator)
    seq = client.get(f"/api/v1/events/{room.world.event.id}/state").json()["seq"]
    made = client.post(
        f"/api/v1/programmes/{slug}/boards", json={"title": "Between events"}, headers=facilitator
    )
    assert made.status_code == 201 and made.json()["programme_id"] == room.world.programme.id
    board_url = f"/api/v1/boards/{made.json()['id']}"
    for who in (room.amy, room.stranger):
        body = {
            "client_id": str(uuid.uuid4()),
            "text": f"From {who.attendee.display_name}",
            "text_consent": True,
        }
        assert client.post(f"{board_url}/cards", json=body, headers=who.headers).status_code == 201
    with db.session() as s:
        owner = make_user(s)
        outside = make_event(s, programme=make_programme(s, owner=owner), owner=owner)
        alien = make_attendee(s, outside, "Eve")
    body = {"client_id": str(uuid.uuid4()), "text": "Not my programme"}
    assert client.post(f"{board_url}/cards", json=body, headers=alien.headers).status_code == 403
    login(client, None)
    assert [c["text"] for c in client.get(board_url).json()["cards"]] == ["From Amy", "From Dev"]
    listed = client.get(f"/api/v1/programmes/{slug}/boards").json()
    assert [b["title"] for b in listed] == ["Between events"]
    facilitator = login(client, room.world.facilitator)
    assert client.get(f"/api/v1/events/{room.world.event.id}/state").json()["seq"] == seq


def test_a_private_programmes_boards_are_not_public(client: TestClient, db: Database) -> None:
    with db.session() as s:
        world = make_world(s, visibility="private")
        event = s.get(Event, world.event.id)
        assert event is not None
        amy = make_attendee(s, event, "Amy")
    board_id = open_board(client, world)
    login(client, None)
    assert client.get(f"/api/v1/boards/{board_id}").status_code == 401
    assert client.get(f"/api/v1/boards/{board_id}", headers=amy.headers).status_code == 200
    outsider = login(client, world.outsider)
    assert client.get(f"/api/v1/boards/{board_id}", headers=outsider).status_code == 403


# -- live, over a real WebSocket ----------------------------------------------------------------


class Socket:
    """Reads one real WebSocket's JSON messages, keeping what it has seen."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    def next_where(
        self, wanted: Callable[[dict[str, Any]], bool], timeout: float = 5.0
    ) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout))
            self.seen.append(message)
            if wanted(message):
                return message

    def next_card_message(self) -> dict[str, Any]:
        return self.next_where(lambda m: str(m.get("type", "")).startswith("card."))


@pytest.fixture
def live_room(live_server: LiveServer, db: Database) -> Iterator[tuple[ApiRoom, httpx.Client]]:
    world, amy, ben, dev = make_people(db)
    with db.session() as s:
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    with httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        body = {"title": "Brilliance", "votes_per_attendee": 2}
        made = api.post(f"/api/v1/events/{world.event.id}/boards", json=body)
        assert made.status_code == 201, made.text
        yield ApiRoom(world, made.json()["id"], amy, ben, dev), api


def test_cards_travel_live_to_each_viewer(
    live_server: LiveServer, live_room: tuple[ApiRoom, httpx.Client]
) -> None:
    room, api = live_room
    url = f"{live_server.ws_url}/ws/events/{room.world.event.id}"
    with connect(url) as public_ws, connect(url, additional_headers=room.amy.headers) as amy_ws:
        follower, amy = Socket(public_ws), Socket(amy_ws)
        follower.next_where(lambda m: m["type"] == "hello")
        amy.next_where(lambda m: m["type"] == "hello")

        def create(ref: str, text: str) -> dict[str, Any]:
            data = {
                "board_id": room.board_id,
                "client_id": str(uuid.uuid4()),
                "text": text,
                "text_consent": True,
                "name_consent": True,
            }
            amy.ws.send(json.dumps({"type": "card.create", "ref": ref, "data": data}))
            return amy.next_where(lambda m: m.get("ref") == ref)

        ack = create("r1", "Residents planned the garden")
        assert ack["type"] == "ack" and isinstance(ack["seq"], int)
        visible = ack["data"]
        assert (visible["text"], visible["status"], visible["author"]["display_name"]) == (
            "Residents planned the garden",
            "visible",
            "Amy",
        )
        first = follower.next_card_message()
        assert (first["type"], first["seq"], first["data"]["id"]) == (
            "card.created",
            ack["seq"],
            visible["id"],
        )
        assert "held_reason" not in first["data"]

        held = create("r2", "She lives at M1 1AE")["data"]
        assert (held["status"], held["held_reason"]) == ("pending", "looks like a postcode")
        mine = amy.next_where(
            lambda m: m.get("type") == "card.created" and m["data"]["id"] == held["id"]
        )
        assert mine["data"]["held_reason"] == "looks like a postcode"
        later = create("r3", "Staff sang at lunch")["data"]
        # The follower's next card message is the later visible card: the held one never came.
        assert follower.next_card_message()["data"]["id"] == later["id"]

        amy.ws.send(json.dumps({"type": "ping", "ref": "r4"}))
        amy.next_where(lambda m: m.get("ref") == "r4")
        assert [m["type"] for m in amy.seen if m.get("ref") == "r1"] == ["ack"]

        vote = {"type": "vote.set", "ref": "r5", "data": {"card_id": visible["id"], "count": 2}}
        amy.ws.send(json.dumps(vote))
        voted = amy.next_where(lambda m: m.get("ref") == "r5")
        assert (voted["type"], voted["data"]["votes"], voted["data"]["remaining"]) == ("ack", 2, 0)
        changed = follower.next_where(lambda m: m.get("type") == "vote.changed")
        assert changed["data"] == {"board_id": room.board_id, "card_id": visible["id"], "votes": 2}
        amy.ws.send(json.dumps({**vote, "ref": "r6", "data": {"card_id": later["id"], "count": 1}}))
        refused = amy.next_where(lambda m: m.get("ref") == "r6")
        assert (refused["type"], refused["error"]["code"]) == ("error", "over_budget")

        hidden = api.patch(f"/api/v1/cards/{visible['id']}", json={"status": "hidden"})
        assert hidden.status_code == 200
        gone = follower.next_card_message()
        assert (gone["type"], gone["data"]) == ("card.deleted", {"id": visible["id"]})
        assert all(
            m["data"].get("id") != held["id"]
            for m in follower.seen
            if "data" in m and m.get("type", "").startswith("card.")
        )
