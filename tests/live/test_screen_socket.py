"""A session screen paired over HTTP on a real server: what it is served, its socket, and how
unpairing closes it."""

from __future__ import annotations

import httpx2 as httpx
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.factories import World
from tests.live.wsclient import Client
from tests.liveserver import LiveServer


def test_a_screen_pairs_by_code_sees_as_a_screen_and_is_closed_when_unpaired(
    live_server: LiveServer, api: httpx.Client, live_world: World
) -> None:
    event_id = live_world.event.id
    with httpx.Client(base_url=live_server.url) as projector:
        unpaired = HTMLParser(projector.get(f"/screen/{event_id}").text)
        assert unpaired.css_first("[data-pairing]") is not None
        assert unpaired.css_first("[data-screen]") is None
        code = projector.post("/api/v1/screens/code").json()
        assert code["event_id"] is None and len(code["code"]) == 6
        cookie = projector.cookies["glimpse_screen"]

        wrong = api.post(f"/api/v1/events/{event_id}/screens", json={"code": "22222A"})
        assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "not_found"
        pair = api.post(f"/api/v1/events/{event_id}/screens", json={"code": code["code"]})
        assert pair.status_code == 201, pair.text
        assert projector.get("/api/v1/screens/me").json()["event_id"] == event_id

        page = HTMLParser(projector.get(f"/screen/{event_id}").text)
        assert page.css_first("[data-screen]") is not None
        assert projector.get(f"/api/v1/events/{event_id}/state").json()["role"] == "screen"
        entry = projector.post(f"/api/v1/events/{event_id}/entries", json={"body": "Hi"})
        assert entry.status_code == 401

        socket = Client(live_server.ws_url, event_id, additional_headers={
            "Cookie": f"glimpse_screen={cookie}"})  # fmt: skip
        assert socket.until(lambda m: m["type"] == "hello")["data"]["role"] == "screen"
        screen_id = pair.json()["id"]
        assert api.delete(f"/api/v1/screens/{screen_id}").status_code == 204
        while socket.close_code is None and socket.recv(timeout=5) is not None:
            pass  # presence may come first
        assert socket.close_code == 4401
        assert projector.get("/api/v1/screens/me").status_code == 404
        again = HTMLParser(projector.get(f"/screen/{event_id}").text)
        assert again.css_first("[data-pairing]") is not None
