"""Engine, sessions and the one-transaction-per-request rule."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, create_engine

AfterCommit = Callable[[], None]
Publish = Callable[[list[Any]], None]
Changed = Callable[[list[int], list[int]], None]


def make_engine(url: str) -> Engine:
    """An engine with SQLite in WAL mode, foreign keys on, and writers that queue politely."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # A writer takes the write lock up front: a deferred transaction that later
        # upgrades can fail at once with SQLITE_BUSY instead of waiting its turn.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """What the app holds for the process: the engine and a way to open units of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write_engine = self.engine.execution_options(sqlite_immediate=True)
        # Reads see one snapshot, so a /state snapshot matches the seq it reports
        # (SQLite's WAL read transactions already do).
        self._read_engine = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="REPEATABLE READ")
        )
        # SQLite has one writer at a time: writers queue here, in the event loop, not in threads
        # that would hold a connection and a thread-pool token while they wait for the lock.
        self.write_gate = asyncio.Semaphore(1 if self.is_sqlite else 32)
        # Set by the hub: receives each transaction's event-log rows once committed.
        self.publish: Publish | None = None
        # Set by the hub too: receives (programme ids, event ids) changed without a log row.
        self.changed: Changed | None = None

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: commit at the end, roll back on error, then run after-commit hooks."""
        bind = self._write_engine if write else self._read_engine
        with Session(bind, expire_on_commit=False) as session:
            session.info["publish"] = self.publish
            session.info["changed"] = self.changed
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            for hook in session.info.pop("after_commit", []):
                hook()

    def dispose(self) -> None:
        self.engine.dispose()


def after_commit(session: Session, hook: AfterCommit) -> None:
    """Run `hook` once this session's transaction has committed (never if it rolls back)."""
    session.info.setdefault("after_commit", []).append(hook)


Row = TypeVar("Row")


def insert_once(session: Session, row: Row, existing: Callable[[], Row | None]) -> tuple[Row, bool]:
    """Insert `row` (True), or answer with the twin a racing retry of the same client_id
    inserted first (False): the unique constraint decides, not a read before the write."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        seen = existing()
        if seen is None:
            raise
        return seen, False
    return row, True
