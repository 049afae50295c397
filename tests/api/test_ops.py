"""Health checks, and the API documentation staying complete."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import Settings


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    # Nothing listens on port 1: the database is down.
    broken = settings.model_copy(update={"database_url": "postgresql+psycopg://x@127.0.0.1:1/x"})
    with TestClient(create_app(broken)) as c:
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("error")


def test_every_api_route_is_documented_with_typed_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ["/api/v1/auth/login", "/api/v1/programmes", "/api/v1/events/{event_id}/state"]:
        assert path in paths
    for path, operations in paths.items():
        for method, op in operations.items():
            assert op.get("summary"), f"{method} {path} has no summary"
            answers = op["responses"]
            ok = next((answers[c] for c in answers if c.startswith("2")), None)
            assert ok is not None, f"{method} {path} documents no success answer"
            if path.startswith("/api/") and set(ok.get("content", {})) == {"application/json"}:
                schema = ok["content"].get("application/json", {}).get("schema", {})
                assert schema, f"{method} {path} has an untyped response"


def test_docs_page_is_served(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()
