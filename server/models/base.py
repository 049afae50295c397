"""Shared column helpers and the metadata naming convention Alembic relies on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    GetJsonSchemaHandler,
    PlainSerializer,
)
from pydantic import Field as PydanticField
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError
from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from server.lib.text import UNSAFE, clean
from server.lib.timeutil import as_utc, iso, utcnow

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# How every time leaves the service: ISO 8601, UTC, with Z.
UtcTime = Annotated[datetime, PlainSerializer(iso, return_type=str)]

# -- what requests may say: the schema in /openapi.json and the validation are the same rule ---

# The largest id a request may name: the largest integer a JSON client (JavaScript's numbers,
# and JSON Schema validators that read numbers as doubles) holds exactly, well inside the
# databases' signed 64 bits, which a larger id would overflow in the driver.
MAX_ID = 2**53 - 1


def whole_number(value: Any) -> Any:
    # JSON Schema's integer takes 3.0 as 3; booleans and text are not numbers at all.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a whole number")
    return value


# A whole number as JSON writes one: `3` or `3.0`, never `true` or "3". Bounds go before the
# validator (`Annotated[int, Field(ge=..), BeforeValidator(whole_number)]`) when the field is
# optional, or the schema loses them.
Whole = Annotated[int, BeforeValidator(whole_number)]
# An id in a JSON body or a WebSocket message.
Id = Annotated[int, PydanticField(ge=1, le=MAX_ID), BeforeValidator(whole_number)]

# What str.strip() removes, spelled out as a character class, so that the schema's pattern,
# pydantic's regex engine and the stripping agree exactly on what is blank.
BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# Characters cleaning takes out (server/lib/text.py): controls, NUL among them (PostgreSQL cannot
# store NUL), and bidi overrides.
CLEANED = "".join(c for c in map(chr, range(0x2070)) if UNSAFE.fullmatch(c))
# Somewhere in the text, a character that is neither blank nor one that cleaning takes out.
NOT_BLANK = "[^" + "".join(f"\\u{ord(c):04x}" for c in dict.fromkeys(BLANKS + CLEANED)) + "]"


def _said(text: str) -> str:
    text = clean(text)
    if not text.strip(BLANKS):
        raise PydanticCustomError("blank", "Write something here; it cannot be left blank.")
    return text


def _filled(text: str) -> str:
    return _said(text).strip(BLANKS)


class _SaysNotBlank:
    """Puts NOT_BLANK in the JSON schema; `_said` enforces it with a readable message."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(core_schema), "pattern": NOT_BLANK}


# Text that must say something: whitespace-only is refused, the rest is stored stripped
# (Filled) or as written, where leading spaces mean something (Said: Markdown).
Filled = Annotated[str, AfterValidator(_filled), _SaysNotBlank()]
Said = Annotated[str, AfterValidator(_said), _SaysNotBlank()]


def _iso_text(value: Any) -> Any:
    # JSON carries dates as ISO 8601 text; pydantic alone would also read 0 as 1970-01-01.
    if isinstance(value, str | date):
        return value
    raise ValueError("must be an ISO 8601 string")


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
Day = Annotated[date, BeforeValidator(_iso_text)]


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
