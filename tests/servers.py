"""Real PostgreSQL and Redis servers for the tests, started once per session on loopback.

The servers themselves are server/devservers.py's (the benchmarks start theirs there too). A
missing binary skips the tests that need it on a laptop, and fails them under CI=true, so CI
can never go green by skipping.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from server import devservers
from server.migrate import upgrade
from server.settings import Settings


def need(found: object, what: str) -> None:
    """Go on if `found`; otherwise skip, or fail under CI where nothing may be skipped."""
    msg = f"{what} is not available"
    if not found:
        pytest.fail(msg) if os.environ.get("CI") == "true" else pytest.skip(msg)


def _serve(server: contextlib.AbstractContextManager[str]) -> Iterator[str]:
    """Start `server` for the session: a missing piece skips (or fails under CI)."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(server)
        except devservers.Unavailable as exc:
            need(None, str(exc))
        except RuntimeError as exc:
            pytest.fail(str(exc))
        yield url


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields `postgresql+psycopg://postgres@127.0.0.1:PORT`."""
    yield from _serve(devservers.postgres())


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the session's server; dropped after the test."""
    name = f"test_{uuid.uuid4().hex}"
    yield devservers.create_database(postgres_server, name)
    devservers.drop_database(postgres_server, name)


@pytest.fixture(scope="session")
def migrated_postgres(postgres_server: str) -> str:
    """One database built by `alembic upgrade head`: each test's database is a copy of it."""
    name = f"template_{uuid.uuid4().hex}"
    upgrade(devservers.create_database(postgres_server, name))
    return name


@pytest.fixture
def pg_settings(postgres_server: str, migrated_postgres: str, tmp_path: Path) -> Iterator[Settings]:
    """Settings for an app on a fresh PostgreSQL database, migrated like the template."""
    name = f"test_{uuid.uuid4().hex}"
    url = devservers.create_database(postgres_server, name, template=migrated_postgres)
    yield Settings(
        data_dir=tmp_path,
        database_url=url,
        secret_key="test-secret-key",
        _env_file=None,  # type: ignore[call-arg]
    )
    devservers.drop_database(postgres_server, name)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A throwaway Redis with no persistence; yields `redis://127.0.0.1:PORT/0`."""
    yield from _serve(devservers.redis())
