"""POST /api/v1/cards/{id}/redact: the facilitator's door, its answers and its errors."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.helpers import ApiRoom, card_of, error_of, texts_seen
from tests.factories import login


def test_a_facilitator_redacts_a_held_card_and_its_author_is_told(
    client: TestClient, room: ApiRoom
) -> None:
    held = card_of(client, room, room.amy, "Doris in room 12 sang at the party")
    url = f"/api/v1/cards/{held['id']}/redact"
    body = {"text": "[redacted] sang at the party"}
    login(client, None)
    assert error_of(client.post(url, json=body, headers=room.ben.headers)) == (404, "not_found")
    assert error_of(client.post(url, json=body, headers=room.amy.headers)) == (403, "forbidden")
    facilitator = login(client, room.world.facilitator)
    wrong = client.post(url, json={"text": "Doris sang at the party"}, headers=facilitator)
    assert error_of(wrong) == (400, "not_a_redaction")
    assert "[redacted]" in wrong.json()["error"]["message"]
    bad = client.post(url, json={**body, "approve": "yes"}, headers=facilitator)
    assert error_of(bad) == (422, "validation_failed")

    done = client.post(url, json=body, headers=facilitator)
    assert done.status_code == 200, done.text
    card = done.json()
    assert (card["text"], card["status"], card["redacted"]) == (body["text"], "pending", True)
    approved = client.post(
        url,
        json={"text": "[redacted] sang at the [redacted]", "approve": True},
        headers=facilitator,
    )
    assert approved.json()["status"] == "visible"
    assert error_of(client.post(url, json=body, headers=facilitator)) == (409, "not_held")

    login(client, None)
    mine = client.get(room.board_url, headers=room.amy.headers).json()["cards"]
    assert [(c["text"], c["redacted"]) for c in mine] == [
        ("[redacted] sang at the [redacted]", True)
    ]
    assert texts_seen(client, room, room.ben.headers) == ["[redacted] sang at the [redacted]"]
