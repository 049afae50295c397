"""Times are timezone-aware UTC inside, ISO 8601 with Z outside."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


# How pages write a day, the British way: "Thursday 3 December 2026", "3 Dec 2026".
LONG_DAY = "%A %-d %B %Y"
DAY = "%-d %B %Y"
SHORT_DAY = "%-d %b %Y"


def british(value: date, fmt: str = DAY) -> str:
    """strftime, with `%-d` (the day without a leading zero) on every platform."""
    return value.strftime(fmt.replace("%-d", str(value.day)))


def british_day(value: date | str | None) -> str:
    """A date (or an ISO date from an archive document) as "3 December 2026"; "" for none."""
    if not value:
        return ""
    return british(date.fromisoformat(value) if isinstance(value, str) else value)
