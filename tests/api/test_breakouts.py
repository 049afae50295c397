"""Breakout groups over the JSON API for every role, and their pages (parsed, not grepped)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from server.db import Database
from server.models.events import Event
from tests.api.helpers import error_of, open_group
from tests.factories import Joined, World, login, make_attendee, make_world

NOTE_KEYS = {"id", "breakout_id", "client_id", "text", "version", "author", "created_at"}
NOTE_KEYS |= {"updated_at"}


@dataclass
class Room:
    """A live event with two groups; Amy sits at table 1, Ben at table 2, Dev nowhere."""

    world: World
    one: int
    two: int
    amy: Joined
    ben: Joined
    dev: Joined

    @property
    def event_url(self) -> str:
        return f"/api/v1/events/{self.world.event.id}"


@pytest.fixture
def room(client: TestClient, db: Database) -> Room:
    with db.session() as s:
        world = make_world(s, status="live")
        event = s.get(Event, world.event.id)
        assert event is not None
        amy, ben, dev = (make_attendee(s, event, n) for n in ("Amy", "Ben", "Dev"))
    one = open_group(client, world, "Table 1", prompt="What does good look like for safe?")
    two = open_group(client, world, "Table 2", cap=5)
    for who, group in ((amy, one), (ben, two)):
        assert client.post(f"/api/v1/breakouts/{group}/join", headers=who.headers).is_success
    return Room(world, one, two, amy, ben, dev)


def add_note(client: TestClient, group: int, who: Joined, text: str) -> dict[str, Any]:
    body = {"client_id": str(uuid.uuid4()), "text": text}
    response = client.post(f"/api/v1/breakouts/{group}/notes", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    note: dict[str, Any] = response.json()
    return note


# -- groups ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("attendee", 401), ("outsider", 403), ("facilitator", 201)],
)
def test_creating_a_group_by_role(client: TestClient, room: Room, role: str, status: int) -> None:
    user = {"outsider": room.world.outsider, "facilitator": room.world.facilitator}.get(role)
    headers = room.amy.headers if role == "attendee" else login(client, user)
    body = {"name": "Table 3", "prompt": "Map the people around your care home", "cap": 6}
    response = client.post(f"{room.event_url}/breakouts", json=body, headers=headers)
    assert response.status_code == status
    if status == 201:
        group = response.json()
        assert (group["name"], group["cap"], group["state"], group["shared"]) == (
            "Table 3",
            6,
            "open",
            False,
        )
        assert (group["member_count"], group["members"], group["notes"]) == (0, [], [])


def test_the_list_shows_each_role_what_it_may_see(client: TestClient, room: Room) -> None:
    add_note(client, room.one, room.amy, "Staff know every routine")
    by_amy = client.get(f"{room.event_url}/breakouts", headers=room.amy.headers).json()
    assert [(g["name"], len(g["notes"]), g["member_count"]) for g in by_amy] == [
        ("Table 1", 1, 1),
        ("Table 2", 0, 1),
    ]
    assert by_amy[1]["members"] == [{"id": room.ben.attendee.id, "display_name": "Ben"}]
    public = client.get(f"{room.event_url}/breakouts").json()
    assert [(len(g["notes"]), g["members"]) for g in public] == [(0, []), (0, [])]
    headers = login(client, room.world.facilitator)
    full = client.get(f"{room.event_url}/breakouts", headers=headers).json()
    assert full[0]["notes"][0]["held_reason"] == ""


def test_patch_renames_caps_closes_and_shares(client: TestClient, room: Room) -> None:
    headers = login(client, room.world.facilitator)
    url = f"/api/v1/breakouts/{room.two}"
    response = client.patch(
        url, json={"name": "Table B", "cap": None, "shared": True}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["cap"], response.json()["shared"]) == (
        "Table B",
        None,
        True,
    )
    assert client.patch(url, json={"state": "shut"}, headers=headers).status_code == 422
    client.cookies.clear()
    assert error_of(client.patch(url, json={"name": "Mine"}, headers=room.ben.headers)) == (
        401,
        "not_signed_in",
    )


def test_assign_and_join_and_move(client: TestClient, room: Room) -> None:
    headers = login(client, room.world.facilitator)
    response = client.post(
        f"{room.event_url}/breakouts/assign", json={"strategy": "self", "cap": 1}, headers=headers
    )
    assert response.status_code == 200
    assert [(g["member_count"], g["cap"]) for g in response.json()] == [(0, 1), (0, 1)]
    client.cookies.clear()
    join = f"/api/v1/breakouts/{room.one}/join"
    assert client.post(join, headers=room.amy.headers).status_code == 200
    assert error_of(client.post(join, headers=room.dev.headers)) == (409, "breakout_full")
    two = f"/api/v1/breakouts/{room.two}/join"
    assert error_of(client.post(two, headers=room.amy.headers)) == (409, "already_in_group")
    assert error_of(client.post(join)) == (401, "not_signed_in")
    headers = login(client, room.world.facilitator)
    moved = client.post(
        f"/api/v1/breakouts/{room.two}/members",
        json={"attendee_id": room.amy.attendee.id},
        headers=headers,
    )
    assert moved.status_code == 200
    assert [m["display_name"] for m in moved.json()["members"]] == ["Amy"]
    balanced = client.post(
        f"{room.event_url}/breakouts/assign", json={"strategy": "balanced"}, headers=headers
    )
    assert sorted(g["member_count"] for g in balanced.json()) == [1, 2]
    stranger = client.post(
        f"/api/v1/breakouts/{room.two}/members", json={"attendee_id": 9999}, headers=headers
    )
    assert error_of(stranger) == (404, "not_found")


# -- notes ----------------------------------------------------------------------------------------


def test_a_note_has_the_documented_shape_and_one_client_id_makes_one(
    client: TestClient, room: Room
) -> None:
    body = {"client_id": "phone-1", "text": "  Residents plan the menu  "}
    url = f"/api/v1/breakouts/{room.one}/notes"
    first = client.post(url, json=body, headers=room.amy.headers)
    assert first.status_code == 201
    note = first.json()
    assert set(note) == NOTE_KEYS
    assert (note["text"], note["version"], note["author"]["display_name"]) == (
        "Residents plan the menu",
        1,
        "Amy",
    )
    again = client.post(url, json=body, headers=room.amy.headers)
    assert (again.status_code, again.json()["id"]) == (200, note["id"])


def test_a_stale_edit_answers_409_with_the_current_note(client: TestClient, room: Room) -> None:
    note = add_note(client, room.one, room.amy, "First thought")
    url = f"/api/v1/notes/{note['id']}"
    headers = login(client, room.world.facilitator)
    saved = client.patch(url, json={"text": "Facilitator's take", "version": 1}, headers=headers)
    assert (saved.status_code, saved.json()["version"]) == (200, 2)
    client.cookies.clear()
    stale = client.patch(url, json={"text": "Amy's take", "version": 1}, headers=room.amy.headers)
    assert error_of(stale) == (409, "stale_version")
    current = stale.json()["error"]["details"]["current"]
    assert (current["text"], current["version"]) == ("Facilitator's take", 2)
    assert "held_reason" not in current
    fresh = client.patch(url, json={"text": "Amy's take", "version": 2}, headers=room.amy.headers)
    assert (fresh.status_code, fresh.json()["text"]) == (200, "Amy's take")


def test_a_member_of_group_one_never_reads_a_group_two_note_over_rest(
    client: TestClient, room: Room
) -> None:
    note = add_note(client, room.two, room.ben, "Map the GP practice")
    group = client.get(f"/api/v1/breakouts/{room.two}", headers=room.amy.headers).json()
    assert group["notes"] == []
    state = client.get(f"{room.event_url}/state", headers=room.amy.headers).json()
    assert [n for g in state["breakouts"] for n in g["notes"]] == []
    url = f"/api/v1/notes/{note['id']}"
    # A note she may not read answers as one that does not exist (no existence leak).
    edit = client.patch(url, json={"text": "x", "version": 1}, headers=room.amy.headers)
    assert error_of(edit) == (404, "not_found")
    assert error_of(client.delete(url, headers=room.amy.headers)) == (404, "not_found")
    body = {"client_id": "sneaky", "text": "Let me in"}
    posted = client.post(f"/api/v1/breakouts/{room.two}/notes", json=body, headers=room.amy.headers)
    assert error_of(posted) == (403, "forbidden")
    mine = client.get(f"{room.event_url}/state", headers=room.ben.headers).json()
    assert [n["text"] for g in mine["breakouts"] for n in g["notes"]] == ["Map the GP practice"]


def test_deleting_and_closing(client: TestClient, room: Room) -> None:
    gone = add_note(client, room.one, room.amy, "Soon gone")
    kept = add_note(client, room.one, room.amy, "Kept")
    assert client.delete(f"/api/v1/notes/{gone['id']}", headers=room.amy.headers).status_code == 204
    headers = login(client, room.world.facilitator)
    closed = client.post(f"{room.event_url}/breakouts/close", headers=headers)
    assert [g["state"] for g in closed.json()] == ["closed", "closed"]
    assert [n["text"] for n in closed.json()[0]["notes"]] == ["Kept"]
    client.cookies.clear()
    edit = client.patch(
        f"/api/v1/notes/{kept['id']}",
        json={"text": "Later", "version": 1},
        headers=room.amy.headers,
    )
    assert error_of(edit) == (409, "breakouts_closed")


# -- report-back ----------------------------------------------------------------------------------


def test_promote_and_to_board(client: TestClient, room: Room) -> None:
    add_note(client, room.one, room.amy, "Residents plan the menu")
    add_note(client, room.one, room.amy, "Handovers at the bedside")
    headers = login(client, room.world.facilitator)
    entry = client.post(f"/api/v1/breakouts/{room.one}/promote", json={}, headers=headers)
    assert entry.status_code == 201, entry.text
    html = HTMLParser(entry.json()["html"])
    assert [li.text() for li in html.css("li")] == [
        "Residents plan the menu",
        "Handovers at the bedside",
    ]
    board = client.post(f"{room.event_url}/boards", json={"title": "Themes"}, headers=headers)
    made = client.post(
        f"/api/v1/breakouts/{room.one}/to-board",
        json={"board_id": board.json()["id"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert [c["text"] for c in made.json()["cards"]] == [
        "Residents plan the menu",
        "Handovers at the bedside",
    ]
    client.cookies.clear()
    refused = client.post(
        f"/api/v1/breakouts/{room.one}/promote", json={}, headers=room.amy.headers
    )
    assert refused.status_code == 401


# -- pages ----------------------------------------------------------------------------------------


def test_table_cards_have_a_qr_code_per_group(client: TestClient, room: Room) -> None:
    login(client, room.world.facilitator)
    response = client.get(f"/console/events/{room.world.event.id}/tables")
    assert response.status_code == 200
    page = HTMLParser(response.text)
    cards = page.css("article.table-card")
    assert [c.css_first("h2").text() for c in cards] == ["Table 1", "Table 2"]
    assert cards[0].css_first(".table-card-prompt").text() == "What does good look like for safe?"
    assert all(c.css_first(".table-card-qr svg path") is not None for c in cards)
    assert page.css("script:not([src])") == [] and page.css("[style]") == []


def test_console_pages_need_a_facilitator(client: TestClient, room: Room) -> None:
    for path in ("tables", "breakouts"):
        url = f"/console/events/{room.world.event.id}/{path}"
        client.cookies.clear()
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        login(client, room.world.outsider)
        assert client.get(url).status_code == 403
        login(client, room.world.facilitator)
        page = HTMLParser(client.get(url).text)
        assert page.css_first("h1").text() in ("Table cards", "Breakouts")


def test_the_phone_page_shows_the_attendees_group(client: TestClient, room: Room) -> None:
    add_note(client, room.one, room.amy, "Residents plan the menu")
    add_note(client, room.two, room.ben, "Map the GP practice")
    url = f"/a/{room.world.event.id}/breakout"
    page = HTMLParser(client.get(url, headers=room.amy.headers).text)
    assert page.css_first("h1").text() == "Table 1"
    notes = page.css("[data-notes] .note-text")
    assert [n.text() for n in notes] == ["Residents plan the menu"]
    assert page.css_first("template#tpl-note") is not None
    nowhere = HTMLParser(client.get(url, headers=room.dev.headers).text)
    assert "hidden" in nowhere.css_first("[data-view=group]").attributes
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/j/{room.world.event.join_code}"
