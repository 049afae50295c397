"""Sign-in: cookies, CSRF, bearer tokens, and the same answer for every wrong credential."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.db import Database
from server.services import accounts
from tests.factories import PASSWORD, World, login


def test_login_sets_httponly_lax_cookie_and_me_answers(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"email": world.facilitator.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "glimpse_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = client.get("/api/v1/auth/me").json()
    assert me["user"]["email"] == world.facilitator.email
    assert me["csrf_token"] == response.json()["csrf_token"]
    assert "password_hash" not in me["user"]


def test_wrong_password_and_unknown_email_answer_alike(client: TestClient, world: World) -> None:
    wrong = client.post(
        "/api/v1/auth/login", json={"email": world.facilitator.email, "password": "nope-nope"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.test", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "set-cookie" not in wrong.headers


def test_failed_logins_are_rate_limited_with_retry_after(client: TestClient, world: World) -> None:
    for _ in range(10):
        assert (
            client.post(
                "/api/v1/auth/login",
                json={"email": world.facilitator.email, "password": "bad-guess"},
            ).status_code
            == 401
        )
    blocked = client.post(
        "/api/v1/auth/login", json={"email": world.facilitator.email, "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert int(blocked.headers["retry-after"]) > 0


def test_logout_ends_the_session(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    cookie = client.cookies.get("glimpse_session")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    client.cookies.set("glimpse_session", cookie or "")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_cookie_write_without_csrf_token_is_refused(client: TestClient, world: World) -> None:
    login(client, world.facilitator)
    body = {"slug": "no-csrf", "title": "No CSRF"}
    refused = client.post("/api/v1/programmes", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    wrong = client.post("/api/v1/programmes", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert client.get("/api/v1/programmes/no-csrf").status_code == 404


def test_bearer_token_needs_no_csrf(client: TestClient, db: Database, world: World) -> None:
    with db.session() as s:
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    client.cookies.clear()
    response = client.post(
        "/api/v1/programmes",
        json={"slug": "by-token", "title": "By token"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    bad = client.get("/api/v1/programmes", headers={"Authorization": "Bearer glp_forged"})
    assert bad.status_code == 401


def test_tokens_and_passwords_are_not_stored_in_clear(db: Database, world: World) -> None:
    with db.session() as s:
        token = accounts.create_token(s, email=world.facilitator.email, secret_key="k")
        user = accounts.user_by_email(s, email=world.facilitator.email)
        assert user is not None and PASSWORD not in user.password_hash
        assert user.password_hash.startswith("$argon2")
        from sqlmodel import select

        from server.models.accounts import ApiToken

        stored = [row.token_hash for row in s.exec(select(ApiToken))]
    assert token not in stored and len(stored) == 1
