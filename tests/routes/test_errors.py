"""Every failure answers in API.md's shape, including the framework's own 404/405/422/413."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.factories import World, login


def assert_error(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def test_unknown_path_is_404_in_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405(client: TestClient) -> None:
    assert_error(client.delete("/api/v1/programmes"), 405, "method_not_allowed")


def test_malformed_json_is_422_with_details(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    response = client.post(
        "/api/v1/programmes",
        content=b"{not json",
        headers={**headers, "content-type": "application/json"},
    )
    error = assert_error(response, 422, "validation_failed")
    assert "details" in error


def test_wrong_types_are_422_naming_the_field(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    response = client.post(
        "/api/v1/programmes", json={"slug": "ok-slug", "title": 42}, headers=headers
    )
    error = assert_error(response, 422, "validation_failed")
    assert "title" in str(error["message"])


def test_path_id_that_is_not_a_number_is_422(client: TestClient, world: World) -> None:
    login(client, world.facilitator)
    assert_error(client.get("/api/v1/events/../../etc/passwd"), 404, "not_found")
    assert_error(client.get("/api/v1/events/1%20OR%201=1"), 422, "validation_failed")


def test_oversized_body_is_413_and_nothing_is_stored(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    huge = {"slug": "huge", "title": "Huge", "summary": "x" * 2_000_000}
    assert_error(client.post("/api/v1/programmes", json=huge, headers=headers), 413, "too_large")
    assert client.get("/api/v1/programmes/huge").status_code == 404


def test_sql_looking_input_is_stored_as_plain_text(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    title = "Robert'); DROP TABLE programme;--"
    created = client.post(
        "/api/v1/programmes", json={"slug": "bobby", "title": title}, headers=headers
    )
    assert created.status_code == 201
    assert client.get("/api/v1/programmes/bobby").json()["title"] == title
    assert len(client.get("/api/v1/programmes").json()) == 2


def test_pages_get_an_html_error_page(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_unexpected_errors_are_500_without_a_traceback(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/api/v1/boom")
    error = assert_error(response, 500, "internal_error")
    assert "secret" not in str(error)


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ["/healthz", "/console/login", "/api/v1/nothing"]:
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
