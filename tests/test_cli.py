"""The `glimpse` command as an operator uses it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import select

from server.cli import main
from server.db import Database
from server.demo import DEMO_EMAIL, DEMO_PASSWORD
from server.models.archive import Archive
from server.models.events import Event
from server.models.programmes import Programme
from server.settings import Settings
from tests.factories import make_world


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("GLIMPSE_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("GLIMPSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GLIMPSE_SECRET_KEY", "test-secret-key")
    return settings


def test_create_user_then_sign_in(
    env: Settings, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "create-user",
                "--email",
                "Lead@Example.test",
                "--password",
                "long enough pw",
                "--admin",
            ]
        )
        == 0
    )
    assert "admin lead@example.test" in capsys.readouterr().out
    response = client.post(
        "/api/v1/auth/login", json={"email": "lead@example.test", "password": "long enough pw"}
    )
    assert response.json()["user"]["role"] == "admin"


def test_create_user_refuses_duplicates_and_short_passwords(
    env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["create-user", "--email", "a@example.test", "--password", "long enough pw"]) == 0
    assert main(["create-user", "--email", "a@example.test", "--password", "long enough pw"]) == 2
    assert main(["create-user", "--email", "b@example.test", "--password", "short"]) == 2
    assert "at least 8" in capsys.readouterr().err


def test_create_token_gives_a_working_bearer_token(
    env: Settings, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["create-user", "--email", "script@example.test", "--password", "long enough pw"])
    capsys.readouterr()
    assert main(["create-token", "--email", "script@example.test"]) == 0
    token = capsys.readouterr().out.strip()
    client.cookies.clear()
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["user"]["email"] == "script@example.test"


def test_demo_loads_once_and_prints_the_sign_in(
    env: Settings, db: Database, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--if-empty"]) == 0
    assert main(["demo", "--if-empty"]) == 0
    out = capsys.readouterr().out
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in out
    with db.session(write=False) as s:
        assert len(s.exec(select(Programme)).all()) == 1
        event = s.exec(select(Event)).one()
    assert event.status == "live"
    client.post("/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    state = client.get(f"/api/v1/events/{event.id}/state").json()
    assert len(state["agenda"]) == 5 and len(state["boards"]) == 1 and len(state["entries"]) >= 3


def test_freeze_and_verify_archive_catch_tampering(
    env: Settings, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with db.session() as s:
        world = make_world(s, status="ended")
    assert (
        main(["freeze", "--event", str(world.event.id), "--as-email", world.facilitator.email]) == 0
    )
    assert main(["verify-archive"]) == 0
    assert "ok" in capsys.readouterr().out
    with db.session() as s:
        s.execute(update(Archive).values(document=Archive.document + " "))  # type: ignore[operator]
    assert main(["verify-archive", "--event", str(world.event.id)]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_freeze_refuses_a_live_event(
    env: Settings, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
    assert (
        main(["freeze", "--event", str(world.event.id), "--as-email", world.facilitator.email]) == 2
    )
    assert "live" in capsys.readouterr().err


def test_migrate_is_idempotent(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0
    assert "newest schema" in capsys.readouterr().out
