"""Glimpse under test: a fresh database with an admin, a programme and a live event, and uvicorn
serving it exactly as `glimpse serve` does, with the WebSocket flavour to compare.

By default the database is SQLite and one process serves it. `scale_out_world()` starts a
throwaway PostgreSQL and Redis (server/devservers.py, as the tests do) for `GlimpseTarget(...,
workers=2)`: `glimpse serve --workers 2` on PostgreSQL with the Redis broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._clients import SocketSpec
from bench._http import HttpConnection
from bench._procs import ServerProcess, free_port, python
from bench._sender import PostTarget
from server.live.transport import WS_PROTOCOL

ADMIN_EMAIL = "bench@example.test"


@dataclass
class GlimpseWorld:
    """The database a Glimpse server runs on; every server started here shares it."""

    folder: Path
    secret_key: str
    event_id: int
    board_id: int
    join_code: str
    admin_token: str
    db_url: str
    broker_url: str = ""
    _db: Any = field(default=None, repr=False)

    @classmethod
    def create(cls, folder: Path, db_url: str = "", broker_url: str = "") -> GlimpseWorld:
        """Migrate a new database (SQLite in `folder` unless `db_url` names one) and make the
        event through the services, as the CLI would."""
        from server.db import Database
        from server.migrate import upgrade
        from server.models.boards import BoardCreate
        from server.models.events import EventCreate
        from server.models.programmes import ProgrammeCreate
        from server.services import accounts, boards, events, programmes

        secret_key = secrets.token_urlsafe(32)
        url = db_url or f"sqlite:///{folder / 'glimpse.db'}"
        upgrade(url)
        db = Database(url)
        with db.session() as session:
            admin = accounts.create_user(
                session, email=ADMIN_EMAIL, password="bench-password", name="Bench", role="admin"
            )
            programme = programmes.create_programme(
                session, actor=admin, data=ProgrammeCreate(slug="bench", title="Bench")
            )
            event = events.create_event(
                session,
                actor=admin,
                programme=programme,
                data=EventCreate(slug="fanout", title="Fan-out"),
            )
            events.transition(session, actor=admin, event=event, action="start")
            board = boards.create_event_board(
                session,
                actor=admin,
                event=event,
                data=BoardCreate(title="Glimpses of brilliance", prompt="What went well?"),
            )
            token = accounts.create_token(
                session, email=ADMIN_EMAIL, secret_key=secret_key, label="bench"
            )
            assert event.id is not None and board.id is not None
            world = cls(
                folder, secret_key, event.id, board.id, event.join_code, token, url, broker_url
            )
        db.dispose()
        return world

    def last_seq(self) -> int:
        """The event's last seq, read from whichever database the world is on."""
        from server.db import Database
        from server.models.events import Event

        if self._db is None:
            self._db = Database(self.db_url)
        with self._db.session(write=False) as session:
            event = session.get(Event, self.event_id)
            assert event is not None
            return event.last_seq


@contextlib.contextmanager
def scale_out_world(folder: Path) -> Iterator[GlimpseWorld]:
    """A world on a throwaway PostgreSQL, with a throwaway Redis for the broker.

    Raises server.devservers.Unavailable when either is not installed here.
    """
    from server import devservers

    folder.mkdir(parents=True, exist_ok=True)
    with devservers.postgres() as server, devservers.redis() as broker:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        url = devservers.create_database(server, name)
        yield GlimpseWorld.create(folder, db_url=url, broker_url=broker)


class GlimpseTarget:
    """One uvicorn running the app on the world's database."""

    def __init__(
        self, world: GlimpseWorld, *, ws: str = WS_PROTOCOL, deflate: bool = False, workers: int = 0
    ) -> None:
        """`workers`: serve with `glimpse serve --workers N` instead (the world's database and
        broker, the direct WebSocket protocol, deflate off)."""
        self.world = world
        self.ws, self.deflate = ws, deflate
        flavour = "direct" if ws == WS_PROTOCOL else ws
        self.name = f"glimpse ({flavour}, deflate {'on' if deflate else 'off'})"
        self.port = free_port()
        command = [
            python(), "-m", "uvicorn", "server.asgi:app",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--ws", ws, "--ws-per-message-deflate", "true" if deflate else "false",
            "--lifespan", "on", "--timeout-graceful-shutdown", "5",
        ]  # fmt: skip
        if workers:
            self.name = f"glimpse scale-out ({workers} workers, PostgreSQL, Redis)"
            command = [
                python(), "-c", "import sys; from server.cli import main; sys.exit(main())",
                "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(workers),
            ]  # fmt: skip
            flavour = f"scale-out-{workers}"
        self.process = ServerProcess(
            command,
            port=self.port,
            log_path=world.folder / f"uvicorn-{flavour}-{int(deflate)}.log",
            cwd=world.folder,
            # Workers each import the app afresh: on a busy 2-core machine that takes a while.
            startup_timeout=120.0 if workers else 30.0,
            env={
                "GLIMPSE_DATABASE_URL": world.db_url,
                "GLIMPSE_DATA_DIR": str(world.folder),
                "GLIMPSE_SECRET_KEY": world.secret_key,
                "GLIMPSE_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
                "GLIMPSE_BROKER_URL": world.broker_url,
                # Every phone of the storm comes from 127.0.0.1: limits high enough never to
                # refuse one, still counted, so what counting costs is in the figures.
                "GLIMPSE_JOIN_LIMIT": "1000000",
                "GLIMPSE_WRITE_LIMIT": "1000000",
                "GLIMPSE_MAX_ATTENDEES_PER_EVENT": "1000000",
            },
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> GlimpseTarget:
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()

    def last_seq(self) -> int:
        return self.world.last_seq()

    def post_target(self) -> PostTarget:
        return PostTarget(
            port=self.port,
            path=f"/api/v1/boards/{self.world.board_id}/cards",
            headers={"Authorization": f"Bearer {self.world.admin_token}"},
            text_field="text",
            client_ids=True,
        )

    def specs(self, attendee_tokens: list[str], followers: int) -> list[SocketSpec]:
        """Attendee sockets (bearer tokens), public followers, and the screen as the admin."""
        url = f"ws://127.0.0.1:{self.port}/ws/events/{self.world.event_id}"
        since = self.last_seq()
        bearer = [f"Bearer {t}" for t in attendee_tokens] + [""] * followers
        bearer.append(f"Bearer {self.world.admin_token}")
        return [
            SocketSpec(url, {"Authorization": b} if b else {}, since, hello=True, group=self.name)
            for b in bearer
        ]


def join_attendees(
    port: int, code: str, count: int, concurrency: int = 8
) -> tuple[list[str], float]:
    """POST /api/v1/join `count` times, a few at a time; the bearer tokens and the seconds taken."""

    async def run() -> list[str]:
        todo = iter(range(count))
        tokens: list[str] = []

        async def worker() -> None:
            conn = HttpConnection("127.0.0.1", port)
            try:
                for n in todo:
                    status, body = await conn.request(
                        "POST", "/api/v1/join", {"code": code, "display_name": f"Phone {n}"}
                    )
                    if status != 200:
                        raise RuntimeError(f"join answered {status}: {body[:200]!r}")
                    tokens.append(json.loads(body)["token"])
            finally:
                await conn.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return tokens

    started = time.monotonic()
    tokens = asyncio.run(run())
    return tokens, time.monotonic() - started
