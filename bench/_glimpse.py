"""Glimpse under test: a fresh SQLite database with an admin, a programme and a live event, and
uvicorn serving it exactly as `glimpse serve` does, with the WebSocket flavour to compare."""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bench._clients import SocketSpec
from bench._http import HttpConnection
from bench._procs import ServerProcess, free_port, python
from bench._sender import PostTarget
from server.realtime.transport import WS_PROTOCOL

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

    @property
    def db_path(self) -> Path:
        return self.folder / "glimpse.db"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @classmethod
    def create(cls, folder: Path) -> GlimpseWorld:
        """Migrate a new database and make the event through the services, as the CLI would."""
        from server.db import Database
        from server.migrate import upgrade
        from server.models.boards import BoardCreate
        from server.models.events import EventCreate
        from server.models.programmes import ProgrammeCreate
        from server.services import accounts, boards, events, programmes

        secret_key = secrets.token_urlsafe(32)
        url = f"sqlite:///{folder / 'glimpse.db'}"
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
            world = cls(folder, secret_key, event.id, board.id, event.join_code, token)
        db.dispose()
        return world

    def last_seq(self) -> int:
        conn = sqlite3.connect(self.db_path, timeout=30)
        try:
            row = conn.execute("SELECT last_seq FROM event WHERE id = ?", (self.event_id,))
            return int(row.fetchone()[0])
        finally:
            conn.close()


class GlimpseTarget:
    """One uvicorn running the app on the world's database."""

    def __init__(
        self, world: GlimpseWorld, *, ws: str = WS_PROTOCOL, deflate: bool = False
    ) -> None:
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
        self.process = ServerProcess(
            command,
            port=self.port,
            log_path=world.folder / f"uvicorn-{flavour}-{int(deflate)}.log",
            cwd=world.folder,
            env={
                "GLIMPSE_DATABASE_URL": world.db_url,
                "GLIMPSE_DATA_DIR": str(world.folder),
                "GLIMPSE_SECRET_KEY": world.secret_key,
                "GLIMPSE_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
                "GLIMPSE_BROKER_URL": "",
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
