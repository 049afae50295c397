"""Events over the API: the status machine, the agenda, /state, for each role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from server.db import Database
from server.models.events import EventLog
from server.services.events import new_join_code
from server.services.join_codes import JOIN_ALPHABET
from tests.factories import World, login, make_event, make_world

ROLES = {"anonymous": None, "outsider": "outsider", "facilitator": "facilitator", "admin": "admin"}
WRITE_STATUS = [("anonymous", 401), ("outsider", 403), ("facilitator", 200), ("admin", 200)]


def as_role(client: TestClient, world: World, role: str) -> dict[str, str]:
    name = ROLES[role]
    return login(client, getattr(world, name) if name else None)


@pytest.mark.parametrize(("role", "status"), WRITE_STATUS)
def test_read_event_by_role(client: TestClient, world: World, role: str, status: int) -> None:
    as_role(client, world, role)
    response = client.get(f"/api/v1/events/{world.event.id}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["join_code"] == world.event.join_code


@pytest.mark.parametrize(("role", "status"), WRITE_STATUS)
def test_patch_event_by_role(client: TestClient, world: World, role: str, status: int) -> None:
    headers = as_role(client, world, role)
    response = client.patch(
        f"/api/v1/events/{world.event.id}", json={"venue": "Town Hall"}, headers=headers
    )
    assert response.status_code == status
    login(client, world.facilitator)
    venue = client.get(f"/api/v1/events/{world.event.id}").json()["venue"]
    assert (venue == "Town Hall") == (status == 200)


def test_status_machine_moves_forward_only(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/events/{world.event.id}"
    assert client.post(f"{url}/end", headers=headers).status_code == 409
    assert client.post(f"{url}/freeze", headers=headers).status_code == 409
    live = client.post(f"{url}/start", headers=headers)
    assert live.status_code == 200 and live.json()["status"] == "live"
    assert live.json()["started_at"].endswith("Z")
    again = client.post(f"{url}/start", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "bad_transition"
    assert client.post(f"{url}/end", headers=headers).json()["status"] == "ended"
    frozen = client.post(f"{url}/freeze", headers=headers)
    assert frozen.status_code == 200
    sha = frozen.json()["sha256"]
    assert len(sha) == 64 and frozen.json()["event"]["status"] == "frozen"
    archive = client.get(f"{url}/archive")
    assert archive.headers["x-archive-sha256"] == sha
    assert [a["title"] for a in archive.json()["agenda"]] == ["Session 1", "Session 2"]


def test_frozen_event_refuses_every_write(client: TestClient, db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="frozen")
    headers = login(client, world.facilitator)
    event_url = f"/api/v1/events/{world.event.id}"
    item_id = client.get(f"{event_url}/state").json()["agenda"][0]["id"]
    attempts = [
        client.patch(event_url, json={"title": "Rewritten"}, headers=headers),
        client.post(f"{event_url}/start", headers=headers),
        client.post(f"{event_url}/agenda", json={"title": "Late"}, headers=headers),
        client.patch(f"/api/v1/agenda/{item_id}", json={"title": "Late"}, headers=headers),
        client.delete(f"/api/v1/agenda/{item_id}", headers=headers),
    ]
    for response in attempts:
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "event_frozen"
    state = client.get(f"{event_url}/state").json()
    assert state["event"]["title"] == world.event.title and len(state["agenda"]) == 2


def test_archive_before_freezing_is_a_draft_for_facilitators_only(
    client: TestClient, world: World
) -> None:
    client.cookies.clear()
    response = client.get(f"/api/v1/events/{world.event.id}/archive")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    login(client, world.facilitator)
    draft = client.get(f"/api/v1/events/{world.event.id}/archive")
    assert draft.status_code == 200 and draft.headers["x-archive-draft"] == "true"


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("outsider", 403), ("facilitator", 201), ("admin", 201)],
)
def test_agenda_add_by_role(client: TestClient, world: World, role: str, status: int) -> None:
    headers = as_role(client, world, role)
    response = client.post(
        f"/api/v1/events/{world.event.id}/agenda",
        json={
            "title": "What is a system?",
            "starts_at": "2026-12-01T14:00:00Z",
            "speakers": ["Dev Rai", " "],
        },
        headers=headers,
    )
    assert response.status_code == status
    if status == 201:
        assert response.json()["speakers"] == ["Dev Rai"]


def test_agenda_edit_delete_and_order(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/events/{world.event.id}/agenda"
    late = client.post(
        url, json={"title": "Afternoon", "starts_at": "2026-12-01T14:00:00Z"}, headers=headers
    ).json()
    early = client.post(
        url, json={"title": "Morning", "starts_at": "2026-12-01T09:30:00Z"}, headers=headers
    ).json()
    titles = [
        a["title"] for a in client.get(f"/api/v1/events/{world.event.id}/state").json()["agenda"]
    ]
    assert titles.index("Morning") < titles.index("Afternoon")
    edited = client.patch(
        f"/api/v1/agenda/{late['id']}", json={"title": "After lunch"}, headers=headers
    )
    assert (
        edited.json()["title"] == "After lunch"
        and edited.json()["starts_at"] == "2026-12-01T14:00:00Z"
    )
    assert client.delete(f"/api/v1/agenda/{early['id']}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/agenda/{early['id']}", headers=headers).status_code == 404
    titles = [
        a["title"] for a in client.get(f"/api/v1/events/{world.event.id}/state").json()["agenda"]
    ]
    assert "Morning" not in titles and "After lunch" in titles


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("outsider", 403), ("facilitator", 204), ("admin", 204)],
)
def test_agenda_delete_by_role(client: TestClient, world: World, role: str, status: int) -> None:
    login(client, world.facilitator)
    item_id = client.get(f"/api/v1/events/{world.event.id}/state").json()["agenda"][0]["id"]
    headers = as_role(client, world, role)
    assert client.delete(f"/api/v1/agenda/{item_id}", headers=headers).status_code == status


def test_state_seq_matches_the_log_and_changes_append(
    client: TestClient, db: Database, world: World
) -> None:
    headers = login(client, world.facilitator)
    before = client.get(f"/api/v1/events/{world.event.id}/state").json()
    client.post(f"/api/v1/events/{world.event.id}/agenda", json={"title": "Extra"}, headers=headers)
    client.post(f"/api/v1/events/{world.event.id}/start", headers=headers)
    after = client.get(f"/api/v1/events/{world.event.id}/state").json()
    assert after["seq"] == before["seq"] + 2
    with db.session(write=False) as s:
        rows = s.exec(
            select(EventLog).where(EventLog.event_id == world.event.id).order_by(col(EventLog.seq))
        ).all()
    assert [r.seq for r in rows] == list(range(1, after["seq"] + 1))
    assert [r.type for r in rows[-2:]] == ["agenda.created", "event.updated"]
    assert rows[-1].payload["status"] == "live"


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 200), ("outsider", 200), ("facilitator", 200), ("admin", 200)],
)
def test_state_of_a_public_event_by_role(
    client: TestClient, world: World, role: str, status: int
) -> None:
    as_role(client, world, role)
    response = client.get(f"/api/v1/events/{world.event.id}/state")
    assert response.status_code == status
    expected = "facilitator" if role in ("facilitator", "admin") else "public"
    assert response.json()["role"] == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("outsider", 403), ("facilitator", 200), ("admin", 200)],
)
def test_state_of_a_private_event_by_role(
    client: TestClient, db: Database, role: str, status: int
) -> None:
    with db.session() as s:
        world = make_world(s, visibility="private")
    as_role(client, world, role)
    assert client.get(f"/api/v1/events/{world.event.id}/state").status_code == status


def test_join_codes_are_unique_and_unambiguous(db: Database, world: World) -> None:
    with db.session() as s:
        codes = {
            make_event(s, programme=world.programme, owner=world.facilitator).join_code
            for _ in range(30)
        }
        assert len(codes) == 30
        assert all(set(c) <= set(JOIN_ALPHABET) and len(c) == 6 for c in codes)
        assert not set("0O1IL") & set(JOIN_ALPHABET)
        assert new_join_code(s) not in codes


def test_unknown_event_is_404(client: TestClient, world: World) -> None:
    login(client, world.facilitator)
    response = client.get("/api/v1/events/999999")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_times_without_a_zone_are_refused_and_others_stored_as_utc(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/events/{world.event.id}/agenda"
    naive = client.post(
        url, json={"title": "Naive", "starts_at": "2026-12-01T09:30:00"}, headers=headers
    )
    assert naive.status_code == 422
    offset = client.post(
        url, json={"title": "Offset", "starts_at": "2026-07-01T10:30:00+01:00"}, headers=headers
    )
    assert offset.json()["starts_at"] == "2026-07-01T09:30:00Z"
