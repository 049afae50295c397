"""Breakout groups over real WebSockets against a real uvicorn: a group's notes reach only its
members (and facilitators), live and after a resume with `since`, and follow a member who is
moved to another group."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest

from server.db import Database
from server.services import accounts
from tests.factories import make_world
from tests.live.wsclient import Client
from tests.liveserver import LiveServer


@dataclass
class Person:
    http: httpx.Client
    attendee_id: int

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": self.http.headers["Authorization"]}


@dataclass
class Room:
    """A live event: Amy and Cat at table 1, Ben at table 2; the facilitator's API client."""

    server: LiveServer
    event_id: int
    facilitator: httpx.Client
    one: int
    two: int
    amy: Person
    ben: Person
    cat: Person

    def seq(self) -> int:
        state = self.facilitator.get(f"/api/v1/events/{self.event_id}/state").json()
        seq: int = state["seq"]
        return seq

    def socket(self, who: Person | None, since: int | None = None) -> Client:
        headers = who.auth if who else self.facilitator.headers
        auth = {"Authorization": headers["Authorization"]}
        socket = Client(self.server.ws_url, self.event_id, since=since, additional_headers=auth)
        socket.until(lambda m: m["type"] == "hello")
        return socket

    def write(self, who: Person, group: int, text: str) -> int:
        body = {"client_id": str(uuid.uuid4()), "text": text}
        response = who.http.post(f"/api/v1/breakouts/{group}/notes", json=body)
        assert response.status_code == 201, response.text
        return self.seq()

    def move(self, who: Person, group: int) -> int:
        response = self.facilitator.post(
            f"/api/v1/breakouts/{group}/members", json={"attendee_id": who.attendee_id}
        )
        assert response.status_code == 200, response.text
        return self.seq()

    def marker(self) -> int:
        """A public row after everything else: once it arrives, nothing earlier is in flight."""
        body = {"title": f"Marker {uuid.uuid4()}"}
        assert self.facilitator.post(f"/api/v1/events/{self.event_id}/agenda", json=body).is_success
        return self.seq()


@pytest.fixture
def room(live_server: LiveServer, db: Database) -> Iterator[Room]:
    with db.session() as s:
        world = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    facilitator = httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
    )
    groups = [
        facilitator.post(f"/api/v1/events/{world.event.id}/breakouts", json={"name": name})
        for name in ("Table 1", "Table 2")
    ]
    one, two = (g.json()["id"] for g in groups)
    people = []
    for name, group in (("Amy", one), ("Ben", two), ("Cat", one)):
        http = httpx.Client(base_url=live_server.url)
        joined = http.post(
            "/api/v1/join", json={"code": world.event.join_code, "display_name": name}
        )
        http.headers["Authorization"] = f"Bearer {joined.json()['token']}"
        http.cookies.clear()
        assert http.post(f"/api/v1/breakouts/{group}/join").is_success
        people.append(Person(http, joined.json()["attendee"]["id"]))
    yield Room(live_server, world.event.id, facilitator, one, two, *people)
    for client in (facilitator, *(p.http for p in people)):
        client.close()


def note_texts(socket: Client) -> list[str]:
    return [m["data"]["text"] for m in socket.logged if m["type"] == "note.created"]


def groups_in(message: dict[str, Any]) -> dict[int, list[str]]:
    return {b["id"]: [n["text"] for n in b["notes"]] for b in message["data"]["breakouts"]}


def test_a_member_of_group_one_never_receives_a_group_two_note(room: Room) -> None:
    amy, ben, facilitator = room.socket(room.amy), room.socket(room.ben), room.socket(None)
    room.write(room.ben, room.two, "Map the GP practice")
    amy.send(
        {
            "type": "note.create",
            "ref": "r1",
            "data": {"breakout_id": room.one, "client_id": "amy-1", "text": "Staff know routines"},
        }
    )
    ack = amy.until(lambda m: m.get("ref") == "r1")
    end = room.marker()
    for socket in (amy, ben, facilitator):
        socket.until_seq(end)
    assert note_texts(amy) == ["Staff know routines"]
    assert note_texts(ben) == ["Map the GP practice"]
    assert sorted(note_texts(facilitator)) == ["Map the GP practice", "Staff know routines"]
    assert (ack["type"], ack["data"]["text"], ack["data"]["breakout_id"]) == (
        "ack",
        "Staff know routines",
        room.one,
    )
    for socket in (amy, ben, facilitator):
        socket.close()


def test_after_a_resume_a_member_is_replayed_only_their_groups_notes(room: Room) -> None:
    since = room.seq()
    room.write(room.ben, room.two, "Group two, while Amy was away")
    room.write(room.cat, room.one, "Group one, while Amy was away")
    room.write(room.ben, room.two, "Group two again")
    end = room.marker()
    amy = room.socket(room.amy, since=since)
    amy.until_seq(end)
    assert note_texts(amy) == ["Group one, while Amy was away"]
    amy.close()


def test_a_moved_member_gets_their_new_groups_notes_live(room: Room) -> None:
    room.write(room.ben, room.two, "Written before Amy came")
    amy = room.socket(room.amy)
    moved_at = room.move(room.amy, room.two)
    move = amy.until(lambda m: m.get("seq") == moved_at)
    assert move["type"] == "breakout.member"
    assert move["data"]["moves"] == [
        {"attendee_id": room.amy.attendee_id, "breakout_id": room.two, "from_breakout_id": room.one}
    ]
    assert groups_in(move) == {room.two: ["Written before Amy came"], room.one: []}
    room.write(room.cat, room.one, "Table 1 carries on")
    room.write(room.ben, room.two, "Welcome, Amy")
    end = room.marker()
    amy.until_seq(end)
    assert note_texts(amy) == ["Welcome, Amy"]
    amy.close()


def test_a_member_moved_while_away_follows_the_move_on_resume(room: Room) -> None:
    since = room.seq()
    room.write(room.cat, room.one, "Table 1, before the move")
    moved_at = room.move(room.amy, room.two)
    room.write(room.cat, room.one, "Table 1, after the move")
    room.write(room.ben, room.two, "Table 2, after the move")
    end = room.marker()
    amy = room.socket(room.amy, since=since)
    amy.until_seq(end)
    assert note_texts(amy) == ["Table 2, after the move"]
    move = next(m for m in amy.logged if m["seq"] == moved_at)
    assert groups_in(move)[room.one] == []
    # Her fresh state agrees: table 2's notes, none of table 1's.
    state = room.amy.http.get(f"/api/v1/events/{room.event_id}/state").json()
    assert {b["id"]: [n["text"] for n in b["notes"]] for b in state["breakouts"]} == {
        room.one: [],
        room.two: ["Table 2, after the move"],
    }
    amy.close()


def test_note_create_over_the_socket_is_idempotent_and_refused_when_closed(room: Room) -> None:
    amy = room.socket(room.amy)
    message = {
        "type": "note.create",
        "data": {"breakout_id": room.one, "client_id": "phone-7", "text": "Once only"},
    }
    amy.send({**message, "ref": "first"})
    first = amy.until(lambda m: m.get("ref") == "first")
    amy.send({**message, "ref": "resent"})
    again = amy.until(lambda m: m.get("ref") == "resent")
    assert first["type"] == again["type"] == "ack"
    assert first["data"]["id"] == again["data"]["id"]
    assert room.facilitator.post(f"/api/v1/events/{room.event_id}/breakouts/close").is_success
    new = {**message["data"], "client_id": "phone-8"}  # type: ignore[dict-item]
    amy.send({"type": "note.create", "ref": "late", "data": new})
    late = amy.until(lambda m: m.get("ref") == "late")
    assert (late["type"], late["error"]["code"]) == ("error", "breakouts_closed")
    end = room.marker()
    amy.until_seq(end)
    assert note_texts(amy) == ["Once only"]
    amy.close()


def test_opening_the_breakouts_calls_each_phone_to_its_own_table_only(room: Room) -> None:
    amy, ben = room.socket(room.amy), room.socket(room.ben)
    follower = Client(room.server.ws_url, room.event_id)
    follower.until(lambda m: m["type"] == "hello")
    response = room.facilitator.post(
        f"/api/v1/events/{room.event_id}/breakouts/assign", json={"strategy": "self"}
    )
    assert response.is_success, response.text
    opened_at = room.seq()
    end = room.marker()
    for socket in (amy, ben, follower):
        socket.until_seq(end)
    call = next(m for m in amy.logged if m["seq"] == opened_at)
    assert (call["type"], call["data"]["breakout_id"]) == ("breakout.opened", None)
    assert call["data"]["breakout_ids"] == [room.one, room.two]
    assert opened_at not in follower.seqs
    assert room.facilitator.post(
        f"/api/v1/events/{room.event_id}/breakouts/assign", json={"strategy": "balanced"}
    ).is_success
    again = room.seq()
    ben.until_seq(again)
    assert ben.logged[-1]["type"] == "breakout.opened"
    assert ben.logged[-1]["data"]["breakout_id"] in (room.one, room.two)
    for socket in (amy, ben, follower):
        socket.close()
