"""Fixtures: every test gets its own migrated database (a copy of one migrated once)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.app import create_app
from server.db import Database
from server.lib import security
from server.migrate import upgrade
from server.models.events import Event
from server.settings import Settings
from tests.factories import SECRET, Room, World, make_attendee, make_board, make_world

pytest_plugins = ["tests.servers", "tests.liveserver"]

# The same argon2id, with cheap parameters: the suite makes hundreds of accounts. Hashes keep
# their parameters, so the server verifies them exactly as it would production ones.
security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file built by `alembic upgrade head`, never by create_all."""
    path = tmp_path_factory.mktemp("template") / "glimpse.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_sqlite: Path) -> Settings:
    db_file = tmp_path / "glimpse.db"
    shutil.copyfile(migrated_sqlite, db_file)
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{db_file}",
        secret_key=SECRET,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.effective_database_url)
    yield database
    database.dispose()


@pytest.fixture
def world(db: Database) -> World:
    """A draft event in a public programme, with an admin, its facilitator and an outsider."""
    with db.session() as s:
        return make_world(s)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def live_world(db: Database) -> World:
    """The world's event, live."""
    with db.session() as s:
        return make_world(s, status="live")


@pytest.fixture
def room(db: Database) -> Room:
    """A live event's board and its people, made through the services (tests/api has its own)."""
    with db.session() as s:
        world = make_world(s, status="live")
        event = s.get(Event, world.event.id)
        assert event is not None
        board = make_board(s, world, votes_per_attendee=3, columns=["Going well", "Concerning"])
        return Room(world, board.id, make_attendee(s, event, "Amy"), make_attendee(s, event, "Ben"))
