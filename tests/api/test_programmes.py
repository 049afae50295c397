"""Programmes over the API, for each role: anonymous, outsider, facilitator, admin."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.db import Database
from tests.factories import World, login, make_programme

ROLES = ["anonymous", "outsider", "facilitator", "admin"]


def as_role(client: TestClient, world: World, role: str) -> dict[str, str]:
    user = {
        "anonymous": None,
        "outsider": world.outsider,
        "facilitator": world.facilitator,
        "admin": world.admin,
    }[role]
    return login(client, user)


def test_create_programme_makes_the_creator_its_facilitator(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.outsider)
    body = {
        "slug": "lambeth-pioneers",
        "title": "Pioneers",
        "summary": "Nine months",
        "visibility": "unlisted",
    }
    created = client.post("/api/v1/programmes", json=body, headers=headers)
    assert created.status_code == 201
    assert created.json()["visibility"] == "unlisted"
    assert created.json()["created_at"].endswith("Z")
    slugs = [p["slug"] for p in client.get("/api/v1/programmes").json()]
    assert "lambeth-pioneers" in slugs and world.programme.slug not in slugs


def test_anonymous_cannot_create_or_list(client: TestClient, world: World) -> None:
    assert client.post("/api/v1/programmes", json={"slug": "x", "title": "X"}).status_code == 401
    assert client.get("/api/v1/programmes").json()["error"]["code"] == "not_signed_in"


def test_admin_lists_every_programme(client: TestClient, world: World) -> None:
    login(client, world.admin)
    slugs = {p["slug"] for p in client.get("/api/v1/programmes").json()}
    assert world.programme.slug in slugs and len(slugs) >= 2


def test_duplicate_slug_is_a_conflict_and_bad_slug_is_invalid(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    again = client.post(
        "/api/v1/programmes", json={"slug": world.programme.slug, "title": "Again"}, headers=headers
    )
    assert again.status_code == 409
    for slug in ["../etc", "Has Spaces", "x" * 90, "-dash", "<script>"]:
        bad = client.post("/api/v1/programmes", json={"slug": slug, "title": "T"}, headers=headers)
        assert bad.status_code == 422, slug
        assert bad.json()["error"]["code"] == "validation_failed"


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("outsider", 403), ("facilitator", 200), ("admin", 200)],
)
def test_patch_programme_by_role(client: TestClient, world: World, role: str, status: int) -> None:
    headers = as_role(client, world, role)
    response = client.patch(
        f"/api/v1/programmes/{world.programme.slug}", json={"title": "Renamed"}, headers=headers
    )
    assert response.status_code == status
    login(client, world.facilitator)
    title = client.get(f"/api/v1/programmes/{world.programme.slug}").json()["title"]
    assert (title == "Renamed") == (status == 200)


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("outsider", 403), ("facilitator", 200), ("admin", 200)],
)
def test_private_programme_read_by_role(
    client: TestClient, db: Database, world: World, role: str, status: int
) -> None:
    with db.session() as s:
        private = make_programme(s, owner=world.facilitator, visibility="private")
    as_role(client, world, role)
    assert client.get(f"/api/v1/programmes/{private.slug}").status_code == status


def test_public_programme_is_readable_by_anyone(client: TestClient, world: World) -> None:
    client.cookies.clear()
    assert (
        client.get(f"/api/v1/programmes/{world.programme.slug}").json()["slug"]
        == world.programme.slug
    )
    assert client.get("/api/v1/programmes/no-such-thing").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("outsider", 403), ("facilitator", 201), ("admin", 201)],
)
def test_add_facilitator_by_role(client: TestClient, world: World, role: str, status: int) -> None:
    headers = as_role(client, world, role)
    response = client.post(
        f"/api/v1/programmes/{world.programme.slug}/facilitators",
        json={"email": world.outsider.email},
        headers=headers,
    )
    assert response.status_code == status
    if status == 201:
        login(client, world.outsider)
        slugs = [p["slug"] for p in client.get("/api/v1/programmes").json()]
        assert world.programme.slug in slugs


def test_add_unknown_facilitator_is_not_found(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    response = client.post(
        f"/api/v1/programmes/{world.programme.slug}/facilitators",
        json={"email": "ghost@example.test"},
        headers=headers,
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("outsider", 403), ("facilitator", 201), ("admin", 201)],
)
def test_create_event_by_role(client: TestClient, world: World, role: str, status: int) -> None:
    headers = as_role(client, world, role)
    response = client.post(
        f"/api/v1/programmes/{world.programme.slug}/events",
        json={
            "slug": "event-3",
            "title": "Event 3",
            "venue": "Mill Lane",
            "starts_at": "2026-12-01T09:30:00Z",
        },
        headers=headers,
    )
    assert response.status_code == status
    if status == 201:
        event = response.json()
        assert event["status"] == "draft"
        assert event["starts_at"] == "2026-12-01T09:30:00Z"
        assert len(event["join_code"]) == 6
        assert set(event["join_code"]) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        assert event["join_url"] == f"/j/{event['join_code']}"
