"""Scale-out: two app processes sharing a real PostgreSQL and a real Redis."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from server.db import Database
from server.models.events import AgendaItemCreate
from server.services import accounts, events
from server.settings import Settings
from tests.factories import World, make_world
from tests.live.wsclient import Client, attendee_socket, join, presence_is, wait_for_peak
from tests.liveserver import LiveServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def pair(
    pg_settings: Settings, redis_server: str, tmp_path: Path
) -> Iterator[tuple[LiveServer, LiveServer]]:
    settings = pg_settings.model_copy(update={"broker_url": redis_server})
    servers = []
    for name in ("a", "b"):
        server = LiveServer.from_settings(settings, log_path=tmp_path / f"{name}.log")
        server.env["GLIMPSE_WS_POLL_SECONDS"] = "60"  # gaps must be filled by seq, not by polling
        servers.append(server.start())
    try:
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def pg_world(pg_settings: Settings) -> Iterator[tuple[World, Database, str]]:
    db = Database(pg_settings.effective_database_url)
    with db.session() as s:
        world = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    yield world, db, token
    db.dispose()


def test_a_change_written_through_one_process_reaches_sockets_on_the_other_in_order(
    pair: tuple[LiveServer, LiveServer], pg_world: tuple[World, Database, str]
) -> None:
    a, b = pair
    world, _db, token = pg_world
    headers = {"Authorization": f"Bearer {token}"}
    seq = httpx.get(f"{b.url}/api/v1/events/{world.event.id}/state", headers=headers).json()["seq"]
    on_b = Client(b.ws_url, world.event.id, since=seq)
    on_a = Client(a.ws_url, world.event.id, since=seq)
    with httpx.Client(base_url=a.url, headers=headers) as http:
        for n in range(20):
            assert (
                http.post(
                    f"/api/v1/events/{world.event.id}/agenda", json={"title": f"t{n}"}
                ).status_code
                == 201
            )
    on_b.until_seq(seq + 20)
    on_a.until_seq(seq + 20)
    assert on_b.seqs == list(range(seq + 1, seq + 21))
    assert [m["data"]["title"] for m in on_b.logged] == [f"t{n}" for n in range(20)]
    assert on_a.seqs == on_b.seqs


def test_a_process_that_sees_a_gap_fills_it_from_the_database(
    pair: tuple[LiveServer, LiveServer], pg_world: tuple[World, Database, str]
) -> None:
    a, b = pair
    world, db, token = pg_world
    headers = {"Authorization": f"Bearer {token}"}
    seq = httpx.get(f"{b.url}/api/v1/events/{world.event.id}/state", headers=headers).json()["seq"]
    on_b = Client(b.ws_url, world.event.id, since=seq)
    on_b.until(lambda m: m["type"] == "hello")
    # Written by a process with no broker (like the CLI): committed, never published.
    with db.session() as s:
        events.add_agenda_item(
            s,
            actor=world.facilitator,
            event=world.event,
            data=AgendaItemCreate(title="unpublished"),
        )
    response = httpx.post(
        f"{a.url}/api/v1/events/{world.event.id}/agenda",
        json={"title": "published"},
        headers=headers,
    )
    assert response.status_code == 201
    on_b.until_seq(seq + 2, timeout=5)
    assert [m["data"]["title"] for m in on_b.logged] == ["unpublished", "published"]


def test_readyz_reports_the_broker(pair: tuple[LiveServer, LiveServer]) -> None:
    checks = httpx.get(f"{pair[0].url}/readyz").json()["checks"]
    assert checks == {"database": "ok", "broker": "ok"}


def test_presence_and_the_peak_count_the_attendees_on_every_process(
    pair: tuple[LiveServer, LiveServer], pg_world: tuple[World, Database, str]
) -> None:
    a, b = pair
    world, db, _token = pg_world
    event = world.event
    on_a = attendee_socket(a.ws_url, event.id, join(a.url, event.join_code, "Amy"))
    on_b = attendee_socket(b.ws_url, event.id, join(b.url, event.join_code, "Ben"))
    follower = Client(b.ws_url, event.id)
    for socket in (on_a, on_b, follower):
        socket.until(presence_is(2, followers=1))
    assert wait_for_peak(db, event.id, 2) == 2
    on_b.close()  # Ben leaves: process b tells process a at once, not after the 30 s expiry
    on_a.until(presence_is(1, followers=1))
    follower.until(presence_is(1, followers=1))
    assert wait_for_peak(db, event.id, 2) == 2


def until_answer(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Ask again until `check` holds; the other process hears of a change through Redis."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_change_on_one_process_empties_the_public_page_cache_of_the_other(
    pair: tuple[LiveServer, LiveServer], pg_world: tuple[World, Database, str]
) -> None:
    a, b = pair
    world, _db, token = pg_world
    bearer = {"Authorization": f"Bearer {token}"}
    # The stranger never has cookies: served from b's memory.
    with (
        httpx.Client(base_url=a.url, headers=bearer) as writer,
        httpx.Client(base_url=b.url) as stranger,
    ):
        check_both_ways(world, writer, stranger)


def check_both_ways(world: World, writer: httpx.Client, stranger: httpx.Client) -> None:
    base = f"/p/{world.programme.slug}/{world.event.slug}"
    urls = [base, f"{base}/feed.atom", f"/api/v1/public/events/{world.event.id}/entries"]
    entries = f"/api/v1/events/{world.event.id}/entries"
    assert writer.post(entries, json={"body": "First"}).status_code == 201
    etags = {}
    for url in urls:
        first = stranger.get(url)
        assert first.status_code == 200 and "First" in first.text
        assert (
            stranger.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        )
        etags[url] = first.headers["etag"]

    assert writer.post(entries, json={"body": "Second"}).status_code == 201
    for url in urls:
        assert until_answer(lambda url=url: "Second" in stranger.get(url).text), url
        assert stranger.get(url, headers={"If-None-Match": etags[url]}).status_code == 200

    # A change that bumps no seq travels too.
    private = writer.patch(
        f"/api/v1/programmes/{world.programme.slug}", json={"visibility": "private"}
    )
    assert private.status_code == 200
    for url, refused in zip(urls, (303, 401, 401), strict=True):
        assert until_answer(lambda u=url, r=refused: stranger.get(u).status_code == r), url
        assert stranger.get(url, headers={"If-None-Match": etags[url]}).status_code == refused
