"""Zulip's strongest realtime test: load state, act, apply the resulting messages to the old
state, and compare with a freshly loaded state, for every message type and each role."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
import pytest

from server.db import Database
from server.services import accounts
from tests.factories import World, make_world
from tests.live import LiveServer
from tests.realtime.apply import apply
from tests.realtime.wsclient import Client

Action = Callable[[httpx.Client, int], None]


def first_agenda_id(http: httpx.Client, event_id: int) -> int:
    return int(http.get(f"/api/v1/events/{event_id}/state").json()["agenda"][0]["id"])


ACTIONS: dict[str, Action] = {
    "agenda.created": lambda h, e: h.post(
        f"/api/v1/events/{e}/agenda", json={"title": "New", "starts_at": "2026-12-01T08:00:00Z"}
    ).raise_for_status(),
    "agenda.updated": lambda h, e: h.patch(
        f"/api/v1/agenda/{first_agenda_id(h, e)}",
        json={"title": "Renamed", "starts_at": "2026-12-01T18:00:00Z"},
    ).raise_for_status(),
    "agenda.deleted": lambda h, e: h.delete(
        f"/api/v1/agenda/{first_agenda_id(h, e)}"
    ).raise_for_status(),
    "event.updated": lambda h, e: h.patch(
        f"/api/v1/events/{e}", json={"title": "Event, renamed", "venue": "Hall B"}
    ).raise_for_status(),
    "event.updated (status)": lambda h, e: h.post(f"/api/v1/events/{e}/end").raise_for_status(),
}


@pytest.fixture
def setup(live_server: LiveServer, db: Database) -> tuple[World, str]:
    with db.session() as s:
        world = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    return world, token


def test_applying_messages_reproduces_the_fresh_state(
    live_server: LiveServer, setup: tuple[World, str]
) -> None:
    world, token = setup
    event_id = world.event.id
    with (
        httpx.Client(
            base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
        ) as facilitator,
        httpx.Client(base_url=live_server.url) as follower,
    ):
        viewers = (facilitator, follower)
        for name, action in ACTIONS.items():
            before = [v.get(f"/api/v1/events/{event_id}/state").json() for v in viewers]
            clients = [Client(live_server.ws_url, event_id, since=b["seq"]) for b in before]
            for client in clients:
                client.until(lambda m: m["type"] == "hello")
            action(facilitator, event_id)
            for viewer, old, client in zip(viewers, before, clients, strict=True):
                fresh = viewer.get(f"/api/v1/events/{event_id}/state").json()
                client.until_seq(fresh["seq"])
                state = old
                for message in client.logged:
                    state = apply(state, message)
                assert state == fresh, f"{name} as {old['role']}"
                client.close()
