"""Shared column helpers and the metadata naming convention Alembic relies on."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import PlainSerializer
from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from server.timeutil import as_utc, iso, utcnow

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# How every time leaves the service: ISO 8601, UTC, with Z.
UtcTime = Annotated[datetime, PlainSerializer(iso, return_type=str)]


class UtcDateTime(TypeDecorator[datetime]):
    """Stored as UTC everywhere: SQLite would otherwise keep a local wall time and drop its zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Glimpse stores only timezone-aware datetimes.")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return as_utc(value) if value is not None else None


def now_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


def optional_time(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=True, **kwargs)


def json_list() -> Any:
    return Field(default_factory=list, sa_type=JSON, nullable=False)
