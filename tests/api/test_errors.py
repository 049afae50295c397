"""Every failure answers in API.md's shape, including the framework's own 404/405/422/413."""

from __future__ import annotations

import re

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


TOO_BIG = 2**63  # one past the databases' signed 64-bit integers


def test_ids_past_the_database_range_are_refused_not_a_500(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    for path in (f"/api/v1/events/{TOO_BIG}", "/api/v1/boards/99999999999999999999"):
        assert_error(client.get(path, headers=headers), 422, "validation_failed")
    assert_error(client.get("/api/v1/events/0", headers=headers), 422, "validation_failed")
    entries = f"/api/v1/public/events/{world.event.id}/entries?after={TOO_BIG}"
    assert_error(client.get(entries), 422, "validation_failed")
    programme = world.programme.slug
    action = {"title": "Fix the rota", "event_id": TOO_BIG}
    response = client.post(f"/api/v1/programmes/{programme}/actions", json=action, headers=headers)
    assert "event_id" in str(assert_error(response, 422, "validation_failed")["message"])
    screen = {"mode": "board", "target_id": TOO_BIG}
    response = client.post(f"/api/v1/events/{world.event.id}/screen", json=screen, headers=headers)
    assert_error(response, 422, "validation_failed")


def test_booleans_integers_and_dates_are_taken_only_as_themselves(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    boards = f"/api/v1/events/{world.event.id}/boards"
    for wrong in (
        {"votes_per_attendee": False},
        {"votes_per_attendee": "3"},
        {"anonymous_allowed": 0},
        {"anonymous_allowed": "yes"},
    ):
        response = client.post(boards, json={"title": "Board", **wrong}, headers=headers)
        assert_error(response, 422, "validation_failed")
    event = f"/api/v1/events/{world.event.id}"
    assert_error(
        client.patch(event, json={"starts_at": 0}, headers=headers), 422, "validation_failed"
    )
    created = client.post(boards, json={"title": "Board", "votes_per_attendee": 3}, headers=headers)
    assert created.status_code == 201 and created.json()["votes_per_attendee"] == 3


def test_blank_titles_are_refused_by_the_schema_and_titles_are_stored_stripped(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    boards = f"/api/v1/events/{world.event.id}/boards"
    for blank in (" ", "\t\n", "\u3000\u2009", "\x00"):
        response = client.post(boards, json={"title": blank}, headers=headers)
        assert_error(response, 422, "validation_failed")
    created = client.post(boards, json={"title": "  Glimpses \u3000"}, headers=headers)
    assert created.json()["title"] == "Glimpses"
    schema = client.get("/openapi.json").json()["components"]["schemas"]["BoardCreate"]
    pattern = schema["properties"]["title"]["pattern"]
    assert re.search(pattern, "  Glimpses ") and not re.search(pattern, " \t\u3000")


def test_405_allows_exactly_the_methods_the_path_takes(client: TestClient) -> None:
    response = client.put("/api/v1/events/1")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, PATCH"
    assert client.options("/api/v1/boards/1/cards").headers["allow"] == "POST"


def test_openapi_lists_each_error_an_operation_can_answer(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorBody"}
    card = document["paths"]["/api/v1/boards/{board_id}/cards"]["post"]["responses"]
    assert set(card) == {"200", "201", "400", "401", "403", "404", "409", "413", "422", "429"}
    assert card["422"]["content"]["application/json"]["schema"] == error
    assert "Retry-After" in card["429"]["headers"]
    login_ = document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login_)
    assert "HTTPValidationError" not in document["components"]["schemas"]
