"""The API end to end on a real PostgreSQL, and event-log seqs under concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from server.app import create_app
from server.db import Database
from server.models.accounts import User
from server.models.events import AgendaItemCreate, Event, EventLog
from server.services import events
from server.settings import Settings
from tests.factories import World, login, make_world

WRITERS = 4
ITEMS_PER_WRITER = 10


@pytest.fixture
def pg_db(pg_settings: Settings) -> Iterator[Database]:
    database = Database(pg_settings.effective_database_url)
    yield database
    database.dispose()


@pytest.fixture
def pg_world(pg_db: Database) -> World:
    with pg_db.session() as s:
        return make_world(s)


@pytest.fixture
def pg_client(pg_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(pg_settings)) as c:
        yield c


def log_seqs(db: Database, event_id: int) -> list[int]:
    with db.session(write=False) as s:
        rows = s.exec(select(EventLog.seq).where(EventLog.event_id == event_id))
        return sorted(rows)


def create_event(client: TestClient, headers: dict[str, str], programme_slug: str) -> int:
    response = client.post(
        f"/api/v1/programmes/{programme_slug}/events",
        json={"slug": "spring-day", "title": "Spring day", "venue": "Town hall"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "draft"
    event_id: int = response.json()["id"]
    return event_id


@pytest.mark.postgres
def test_event_moves_draft_to_frozen_and_refuses_wrong_moves(
    pg_client: TestClient, pg_world: World
) -> None:
    headers = login(pg_client, pg_world.facilitator)
    event_id = create_event(pg_client, headers, pg_world.programme.slug)
    for title in ("Welcome", "Falls prevention"):
        added = pg_client.post(
            f"/api/v1/events/{event_id}/agenda", json={"title": title}, headers=headers
        )
        assert added.status_code == 201, added.text

    def move(action: str) -> Any:
        return pg_client.post(f"/api/v1/events/{event_id}/{action}", headers=headers)

    def refused(response: Any) -> tuple[int, str]:
        return response.status_code, response.json()["error"]["code"]

    assert refused(move("end")) == (409, "bad_transition")
    assert move("start").json()["status"] == "live"
    assert refused(move("start")) == (409, "bad_transition")
    assert move("end").json()["status"] == "ended"
    frozen = move("freeze")
    assert frozen.status_code == 200
    assert frozen.json()["event"]["status"] == "frozen"
    sha = frozen.json()["sha256"]
    assert len(sha) == 64

    after = [
        pg_client.post(
            f"/api/v1/events/{event_id}/agenda", json={"title": "Late"}, headers=headers
        ),
        pg_client.patch(f"/api/v1/events/{event_id}", json={"title": "New"}, headers=headers),
        pg_client.post(f"/api/v1/events/{event_id}/start", headers=headers),
        pg_client.post(f"/api/v1/events/{event_id}/freeze", headers=headers),
    ]
    assert [refused(r) for r in after] == [(409, "event_frozen")] * 4
    archive = pg_client.get(f"/api/v1/events/{event_id}/archive")
    assert archive.status_code == 200
    assert archive.headers["x-archive-sha256"] == sha
    assert [item["title"] for item in archive.json()["agenda"]] == ["Welcome", "Falls prevention"]
    state = pg_client.get(f"/api/v1/events/{event_id}/state").json()
    assert state["event"]["title"] == "Spring day"
    assert state["event"]["status"] == "frozen"


@pytest.mark.postgres
def test_state_seq_is_the_number_of_log_rows(
    pg_client: TestClient, pg_world: World, pg_db: Database
) -> None:
    headers = login(pg_client, pg_world.facilitator)
    event_id = create_event(pg_client, headers, pg_world.programme.slug)
    for title in ("Welcome", "Breakouts", "Plans"):
        pg_client.post(f"/api/v1/events/{event_id}/agenda", json={"title": title}, headers=headers)
    pg_client.post(f"/api/v1/events/{event_id}/start", headers=headers)

    state = pg_client.get(f"/api/v1/events/{event_id}/state")
    assert state.status_code == 200
    seqs = log_seqs(pg_db, event_id)
    assert state.json()["seq"] == len(seqs) == 4
    assert seqs == [1, 2, 3, 4]
    assert [item["title"] for item in state.json()["agenda"]] == ["Welcome", "Breakouts", "Plans"]
    assert state.json()["event"]["status"] == "live"


def add_agenda_concurrently(db: Database, world: World) -> None:
    """WRITERS threads each add ITEMS_PER_WRITER agenda items, one transaction per item."""
    start = threading.Barrier(WRITERS)

    def writer(n: int) -> None:
        start.wait()
        for i in range(ITEMS_PER_WRITER):
            with db.session() as s:
                event = s.get(Event, world.event.id)
                actor = s.get(User, world.facilitator.id)
                assert event is not None
                data = AgendaItemCreate(title=f"Writer {n} item {i}")
                events.add_agenda_item(s, actor=actor, event=event, data=data)

    with ThreadPoolExecutor(WRITERS) as pool:
        for done in [pool.submit(writer, n) for n in range(WRITERS)]:
            done.result()  # re-raises a writer's error here


def assert_seqs_have_no_gaps_or_duplicates(db: Database, world: World) -> None:
    seqs = log_seqs(db, world.event.id)
    added = WRITERS * ITEMS_PER_WRITER
    assert seqs == list(range(1, len(seqs) + 1))
    with db.session(write=False) as s:
        created = s.exec(
            select(EventLog).where(
                EventLog.event_id == world.event.id, col(EventLog.type) == "agenda.created"
            )
        ).all()
        event = s.get(Event, world.event.id)
        assert event is not None
        assert event.last_seq == len(seqs)
    assert (
        len({row.payload["title"] for row in created if "Writer" in row.payload["title"]}) == added
    )


@pytest.mark.postgres
def test_concurrent_writers_get_gapless_seqs_on_postgres(pg_db: Database, pg_world: World) -> None:
    before = len(log_seqs(pg_db, pg_world.event.id))
    add_agenda_concurrently(pg_db, pg_world)
    assert len(log_seqs(pg_db, pg_world.event.id)) == before + WRITERS * ITEMS_PER_WRITER
    assert_seqs_have_no_gaps_or_duplicates(pg_db, pg_world)


def test_concurrent_writers_get_gapless_seqs_on_sqlite(db: Database, world: World) -> None:
    before = len(log_seqs(db, world.event.id))
    add_agenda_concurrently(db, world)
    assert len(log_seqs(db, world.event.id)) == before + WRITERS * ITEMS_PER_WRITER
    assert_seqs_have_no_gaps_or_duplicates(db, world)
