"""`alembic upgrade head` builds exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers every table)
from server.db import make_engine
from server.migrate import alembic_config, upgrade
from server.models.archive import outside_metadata


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Everything is compared except the full-text index made by raw SQL in its migration."""
    return not outside_metadata(name, type_)


def schema_diff(url: str) -> list[Any]:
    """What autogenerate would write to bring the database in line with the models."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name}
            )
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {n for n in names if not outside_metadata(n, "table")}
    finally:
        engine.dispose()


def head_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'migrated.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest) -> str:
    """An empty database: a new SQLite file, or a new database on the real PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


def test_upgrade_head_builds_exactly_the_models_schema(empty_url: str) -> None:
    upgrade(empty_url)
    assert table_names(empty_url) == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert schema_diff(empty_url) == []


def test_upgrade_twice_changes_nothing(empty_url: str) -> None:
    upgrade(empty_url)
    revision = head_revision(empty_url)
    upgrade(empty_url)
    assert head_revision(empty_url) == revision is not None
    assert schema_diff(empty_url) == []


def test_downgrade_to_base_then_upgrade_again(empty_url: str) -> None:
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    assert table_names(empty_url) <= {"alembic_version"}
    assert head_revision(empty_url) is None
    upgrade(empty_url)
    assert schema_diff(empty_url) == []


def test_sqlite_connections_use_wal_and_enforce_foreign_keys(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        # Every pooled connection, not just the first, gets the pragmas.
        with engine.connect() as first, engine.connect() as second:
            for conn in (first, second):
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_the_full_text_index_left_out_of_the_comparison_is_really_there(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                found = conn.execute(text("SELECT name FROM sqlite_master WHERE name='search_fts'"))
            else:
                found = conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE indexname='ix_search_entry_tsv'")
                )
            assert found.scalar() is not None
            hidden = {n for n in inspect(conn).get_table_names() if outside_metadata(n, "table")}
            assert all(n.startswith("search_fts") for n in hidden)
    finally:
        engine.dispose()
