"""Consent through every door: the author's PUT /cards/{id}/consent and card.consent, and every
public surface (the anonymous boards API, the WebSocket live and in replay, the blog's quotes,
and once frozen the summary, the public archive and exports, and search) keeping to it."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.api.helpers import ApiRoom, card_of, error_of, texts_seen
from tests.factories import login


def consent(client: TestClient, card: dict[str, Any], headers: dict[str, str], **body: Any) -> Any:
    return client.put(f"/api/v1/cards/{card['id']}/consent", json=body, headers=headers)


def three_cards(client: TestClient, room: ApiRoom) -> None:
    """Words kept in the room; words shared without a name; words shared with a name."""
    card_of(client, room, room.amy, "Room only words", text_consent=False, name_consent=False)
    card_of(client, room, room.amy, "Words without a name", name_consent=False)
    card_of(client, room, room.ben, "Words with a name")


def authors(client: TestClient, room: ApiRoom, headers: dict[str, str]) -> dict[str, Any]:
    board = client.get(room.board_url, headers=headers).json()
    return {c["text"]: (c["author"] or {}).get("display_name") for c in board["cards"]}


def freeze(client: TestClient, room: ApiRoom) -> dict[str, str]:
    facilitator = login(client, room.world.facilitator)
    for step in ("end", "freeze"):
        url = f"/api/v1/events/{room.world.event.id}/{step}"
        assert client.post(url, headers=facilitator).status_code == 200
    return facilitator


def test_only_the_author_sets_consent_until_the_day_is_frozen(
    client: TestClient, room: ApiRoom
) -> None:
    card = card_of(client, room, room.amy, "Mine to share", text_consent=False, name_consent=False)
    answer = consent(client, card, room.amy.headers, text=True)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["text_consent"], answer.json()["name_consent"]) == (True, False)
    assert consent(client, card, room.amy.headers, name=True).json()["name_consent"] is True
    assert error_of(consent(client, card, room.ben.headers, text=False)) == (403, "forbidden")
    facilitator = login(client, room.world.facilitator)
    assert error_of(consent(client, card, facilitator, text=False)) == (403, "forbidden")
    login(client, None)
    assert error_of(consent(client, card, {}, text=False)) == (401, "not_signed_in")
    assert consent(client, card, room.amy.headers, text="yes").status_code == 422
    assert error_of(consent(client, card, room.amy.headers)) == (400, "bad_input")
    freeze(client, room)
    assert error_of(consent(client, card, room.amy.headers, text=False)) == (409, "event_frozen")


def test_the_anonymous_boards_api_shows_only_consented_words_and_names(
    client: TestClient, room: ApiRoom
) -> None:
    three_cards(client, room)
    login(client, None)  # the room fixture left the facilitator signed in
    assert authors(client, room, {}) == {
        "Words without a name": None,
        "Words with a name": "Ben",
    }
    assert authors(client, room, room.ben.headers) == {
        "Room only words": "Amy",
        "Words without a name": "Amy",
        "Words with a name": "Ben",
    }
    facilitator = login(client, room.world.facilitator)
    assert len(texts_seen(client, room, facilitator)) == 3
    login(client, None)
    state = client.get(f"/api/v1/events/{room.world.event.id}/state").json()
    public_cards = state["boards"][0]["cards"]
    assert [c["text"] for c in public_cards] == ["Words without a name", "Words with a name"]


def test_a_public_socket_never_gets_a_card_without_consent(
    client: TestClient, room: ApiRoom
) -> None:
    login(client, None)  # the room fixture left the facilitator signed in
    url = f"/ws/events/{room.world.event.id}"
    seq = client.get(f"/api/v1/events/{room.world.event.id}/state").json()["seq"]
    with client.websocket_connect(url) as follower:
        assert follower.receive_json()["type"] == "hello"
        with client.websocket_connect(url, headers=room.amy.headers) as amy:
            assert amy.receive_json()["type"] == "hello"
            data = {"board_id": room.board_id, "client_id": "c-1", "text": "Kept in the room"}
            amy.send_json({"type": "card.create", "ref": "r1", "data": data})
            kept = next_with_ref(amy, "r1")["data"]
            data = {"board_id": room.board_id, "client_id": "c-2", "text": "Shared for a while"}
            amy.send_json(
                {"type": "card.create", "ref": "r2", "data": {**data, "text_consent": True}}
            )
            shared = next_with_ref(amy, "r2")["data"]
            assert shared["author"]["display_name"] == "Amy"
            first = next_card(follower)
            assert (first["type"], first["data"]["text"]) == ("card.created", "Shared for a while")
            assert first["data"]["author"] is None  # no name consent
            change = {"card_id": shared["id"], "text": False}
            amy.send_json({"type": "card.consent", "ref": "r3", "data": change})
            ack = next_with_ref(amy, "r3")
            assert ack["type"] == "ack" and ack["data"]["text_consent"] is False
            gone = next_card(follower)
            assert (gone["type"], gone["data"]) == ("card.deleted", {"id": shared["id"]})
            other = {"card_id": kept["id"], "text": True}
            with client.websocket_connect(url, headers=room.ben.headers) as ben:
                assert ben.receive_json()["type"] == "hello"
                ben.send_json({"type": "card.consent", "ref": "r4", "data": other})
                refused = next_with_ref(ben, "r4")
                assert (refused["type"], refused["error"]["code"]) == ("error", "forbidden")
    # Replay from before either card: the public is sent neither's words.
    with client.websocket_connect(f"{url}?since={seq}") as follower:
        sent = until_ping(follower)
    assert "Kept in the room" not in str(sent) and "Shared for a while" not in str(sent)
    with client.websocket_connect(f"{url}?since={seq}", headers=room.ben.headers) as ben:
        sent = until_ping(ben)
    assert "Kept in the room" in str(sent) and "Shared for a while" in str(sent)


def next_with_ref(ws: Any, ref: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message.get("ref") == ref:
            return message


def next_card(ws: Any) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message.get("type", "").startswith("card."):
            return message


def until_ping(ws: Any) -> list[dict[str, Any]]:
    ws.send_json({"type": "ping", "ref": "end"})
    sent = []
    while True:
        message = ws.receive_json()
        if message.get("ref") == "end":
            return sent
        sent.append(message)


def test_a_quote_on_the_blog_keeps_to_consent(client: TestClient, room: ApiRoom) -> None:
    facilitator = login(client, room.world.facilitator)
    unnamed = card_of(client, room, room.amy, "Residents ran the shop", name_consent=False)
    named = card_of(client, room, room.ben, "Staff sang at lunch")
    private = card_of(client, room, room.ben, "Room only", text_consent=False)
    quote = client.post(f"/api/v1/cards/{unnamed['id']}/promote", headers=facilitator).json()
    assert quote["attribution"] == ""
    quote = client.post(f"/api/v1/cards/{named['id']}/promote", headers=facilitator).json()
    assert quote["attribution"] == "Ben"
    refused = client.post(f"/api/v1/cards/{private['id']}/promote", headers=facilitator)
    assert error_of(refused) == (409, "not_shareable")
    login(client, None)
    assert consent(client, named, room.ben.headers, name=False).status_code == 200
    assert consent(client, unnamed, room.amy.headers, text=False).status_code == 200
    entries = client.get(f"/api/v1/public/events/{room.world.event.id}/entries").json()
    assert [(e["body"], e["attribution"]) for e in entries["entries"]] == [
        ("> Staff sang at lunch", "")
    ]
    blog = f"/p/{room.world.programme.slug}/{room.world.event.slug}"
    for page in (client.get(blog).text, client.get(f"{blog}/feed.atom").text):
        assert "Residents ran the shop" not in page and "Staff sang at lunch" in page
        assert "Ben" not in HTMLParser(page).text()


def test_the_frozen_record_keeps_to_consent_on_every_public_door(
    client: TestClient, room: ApiRoom
) -> None:
    three_cards(client, room)
    facilitator = freeze(client, room)
    event = room.world.event
    summary_url = f"/p/{room.world.programme.slug}/{event.slug}/summary"
    login(client, None)
    page = HTMLParser(client.get(summary_url).text)
    shown = {
        li.css_first(".card-text").text(): li.css_first(".card-meta").text()
        for li in page.css("li.summary-card")
    }
    assert set(shown) == {"Words without a name", "Words with a name"}
    assert "Amy" not in shown["Words without a name"] and "Ben" in shown["Words with a name"]
    archive = client.get(f"/api/v1/events/{event.id}/archive").json()
    public_cards = {c["text"]: c["author"] for c in archive["boards"][0]["cards"]}
    assert public_cards == {"Words without a name": None, "Words with a name": "Ben"}
    for suffix in (".md", ".csv"):
        body = client.get(f"/api/v1/events/{event.id}/archive{suffix}").text
        assert "Room only words" not in body and "Words with a name" in body
    hits = client.get(f"/api/v1/search?q=words&programme={room.world.programme.slug}").json()
    assert sorted(h["snippet_html"].count("Room") for h in hits["hits"]) == [0, 0]
    assert len(hits["hits"]) == 2
    # The facilitators' record keeps every card, and marks what the public does not see.
    facilitator = login(client, room.world.facilitator)
    page = HTMLParser(client.get(summary_url, headers=facilitator).text)
    marked = page.css_first('li[data-private="no-consent"]')
    assert marked is not None and marked.css_first(".card-text").text() == "Room only words"
    assert len(page.css('[data-private="no-name-consent"]')) == 2
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/api/v1/events/{event.id}/archive.csv", headers=facilitator).text
            )
        )
    )
    assert {r["text"]: (r["text_consent"], r["name_consent"]) for r in rows} == {
        "Room only words": ("no", "no"),
        "Words without a name": ("yes", "no"),
        "Words with a name": ("yes", "yes"),
    }
    markdown = client.get(f"/api/v1/events/{event.id}/archive.md", headers=facilitator).text
    assert "[not public: its author did not consent] Room only words" in markdown
    hits = client.get(
        f"/api/v1/search?q=words&programme={room.world.programme.slug}", headers=facilitator
    ).json()
    assert len(hits["hits"]) == 3


def test_the_screen_option_is_a_board_setting(client: TestClient, room: ApiRoom) -> None:
    facilitator = login(client, room.world.facilitator)
    assert client.get(room.board_url, headers=facilitator).json()["screen_public_only"] is False
    changed = client.patch(room.board_url, json={"screen_public_only": True}, headers=facilitator)
    assert changed.status_code == 200 and changed.json()["screen_public_only"] is True
    login(client, None)
    refused = client.patch(
        room.board_url, json={"screen_public_only": False}, headers=room.amy.headers
    )
    assert refused.status_code in (401, 403)
