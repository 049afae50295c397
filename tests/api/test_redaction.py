"""Redactions and the audit log over HTTP: admins only, every view serves the new version."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from server.db import Database
from tests.api.helpers import archive_api, summary_url
from tests.factories import Day, frozen, login

ROTA = "Staffing rotas change weekly"


def redactions(day: Day) -> str:
    return archive_api(day, "/redactions")


def body(day: Day) -> dict[str, object]:
    return {"items": [{"kind": "card", "id": day.cards["rota"].id}], "reason": "consent_withdrawn"}


def test_only_admins_redact(client: TestClient, db: Database) -> None:
    day = frozen(db)
    assert client.post(redactions(day), json=body(day)).status_code == 401
    headers = login(client, day.world.facilitator)
    response = client.post(redactions(day), json=body(day), headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/audit").status_code == 403
    headers = login(client, day.world.admin)
    bad = client.post(redactions(day), json={**body(day), "reason": "because"}, headers=headers)
    assert bad.status_code == 422 and "error" in bad.json()
    assert client.get(archive_api(day)).json().get("version") is None  # nothing changed


def test_every_view_serves_the_new_version(client: TestClient, db: Database) -> None:
    day = frozen(db)
    first = client.get(archive_api(day)).headers["x-archive-sha256"]
    headers = login(client, day.world.admin)
    response = client.post(redactions(day), json=body(day), headers=headers)
    assert response.status_code == 201
    done = response.json()
    assert done["version"] == 2 and done["replaces"] == first
    assert done["items"] == body(day)["items"] and done["counts"]["card"] == 1
    [entry] = client.get("/api/v1/audit").json()
    assert entry["action"] == "archive.redacted" and entry["event_id"] == day.world.event.id
    assert ROTA not in json.dumps(entry)
    slug = day.world.programme.slug
    for who in (day.world.facilitator, None):
        login(client, who)
        whole = client.get(archive_api(day))
        assert whole.headers["x-archive-sha256"] == done["sha256"]
        assert json.loads(whole.content)["replaces"] == first
        page = HTMLParser(client.get(summary_url(day)).text)
        cards = [
            r["text"]
            for r in csv.DictReader(io.StringIO(client.get(archive_api(day, ".csv")).text))
        ]
        hits = client.get("/api/v1/search", params={"q": "rotas", "programme": slug}).json()
        for text in (
            whole.text,
            page.text(),
            client.get(archive_api(day, ".md")).text,
            json.dumps(hits),
        ):
            assert ROTA not in text
        assert ROTA not in cards and "Residents plant the garden" in cards
        assert done["sha256"][:16] in page.text()


def test_the_redaction_door_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/events/{event_id}/archive/redactions"]["post"]
    schema = post["responses"]["201"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/RedactionPublic")
    assert "/api/v1/audit" in spec["paths"]
