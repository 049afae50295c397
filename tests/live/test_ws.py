"""The WebSocket protocol against a real uvicorn with real clients."""

from __future__ import annotations

import threading
import time

import httpx2 as httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from server.db import Database
from server.live.transport import WS_PROTOCOL
from server.services import accounts
from server.settings import Settings
from tests.factories import World, make_world
from tests.live.wsclient import Client, attendee_socket, join, presence_is, wait_for_peak
from tests.liveserver import LiveServer


def add_items(api: httpx.Client, event_id: int, titles: list[str]) -> list[int]:
    """Post agenda items; returns the log seq each one was acknowledged at."""
    seqs = []
    for title in titles:
        response = api.post(f"/api/v1/events/{event_id}/agenda", json={"title": title})
        assert response.status_code == 201
        seqs.append(api.get(f"/api/v1/events/{event_id}/state").json()["seq"])
    return seqs


def test_resume_replays_every_missed_message_once_in_order(
    live_server: LiveServer, api: httpx.Client, live_world: World
) -> None:
    event_id = live_world.event.id
    start = api.get(f"/api/v1/events/{event_id}/state").json()["seq"]
    first = Client(live_server.ws_url, event_id, since=start)
    add_items(api, event_id, ["one", "two"])
    first.until_seq(start + 2)
    first.close()
    add_items(api, event_id, ["three", "four", "five"])
    again = Client(live_server.ws_url, event_id, since=first.seqs[-1])
    again.until_seq(start + 5)
    add_items(api, event_id, ["six"])
    again.until_seq(start + 6)
    assert first.seqs == [start + 1, start + 2]
    assert again.seqs == [start + 3, start + 4, start + 5, start + 6]
    assert [m["data"]["title"] for m in again.logged] == ["three", "four", "five", "six"]
    assert again.other[0]["type"] == "hello"
    again.close()


def test_resync_when_since_is_not_replayable(
    live_server: LiveServer, api: httpx.Client, live_world: World
) -> None:
    seq = api.get(f"/api/v1/events/{live_world.event.id}/state").json()["seq"]
    future = Client(live_server.ws_url, live_world.event.id, since=seq + 100)
    future.until(lambda m: m["type"] == "resync")
    future.close()


def test_every_client_message_gets_exactly_one_answer(
    live_server: LiveServer, live_world: World
) -> None:
    client = Client(live_server.ws_url, live_world.event.id)
    sent = [
        '{"type":"ping","ref":"a"}',
        "not json at all",
        '{"type":"launch.missiles","ref":"b"}',
        '{"type":"vote.set","ref":"c","data":{"card_id":"x"}}',
        '["a","list"]',
        '{"type":"ping","ref":"d"}',
    ]
    for text in sent:
        client.ws.send(text)
    answers = [client.until(lambda m: m["type"] in ("ack", "error")) for _ in sent]
    assert [(a["type"], a.get("ref")) for a in answers] == [
        ("ack", "a"),
        ("error", ""),
        ("error", "b"),
        ("error", "c"),
        ("error", ""),
        ("ack", "d"),
    ]
    assert answers[1]["error"]["code"] == "malformed"
    assert answers[2]["error"]["code"] == "unknown_type"
    assert answers[3]["error"]["code"] == "validation_failed"
    assert client.recv(timeout=0.3) is None or client.close_code is None
    client.close()


def test_foreign_origin_is_refused_and_own_origin_accepted(
    live_server: LiveServer, live_world: World
) -> None:
    url = f"{live_server.ws_url}/ws/events/{live_world.event.id}"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, origin="http://evil.example", legacy=True)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    with connect(url, origin=live_server.url) as ws:  # type: ignore[arg-type]
        assert '"hello"' in str(ws.recv(timeout=5))


def test_unknown_event_and_private_event_are_closed_with_their_codes(
    live_server: LiveServer, db: Database
) -> None:
    missing = Client(live_server.ws_url, 999_999)
    missing.recv()
    assert missing.close_code == 4404
    with db.session() as s:
        private = make_world(s, status="live", visibility="private")
    stranger = Client(live_server.ws_url, private.event.id)
    stranger.recv()
    assert stranger.close_code == 4401


def test_frozen_event_closes_its_sockets_with_4409(
    live_server: LiveServer, api: httpx.Client, live_world: World
) -> None:
    follower = Client(live_server.ws_url, live_world.event.id)
    follower.until(lambda m: m["type"] == "hello")
    assert api.post(f"/api/v1/events/{live_world.event.id}/end").status_code == 200
    assert api.post(f"/api/v1/events/{live_world.event.id}/freeze").status_code == 200
    follower.until(lambda m: m.get("data", {}).get("status") == "frozen")
    follower.recv(timeout=5)
    assert follower.close_code == 4409
    late = Client(live_server.ws_url, live_world.event.id)
    late.recv()
    assert late.close_code == 4409


def test_presence_counts_followers(live_server: LiveServer, live_world: World) -> None:
    watcher = Client(live_server.ws_url, live_world.event.id)
    others = [Client(live_server.ws_url, live_world.event.id) for _ in range(3)]
    message = watcher.until(
        lambda m: m["type"] == "presence" and m["data"]["followers"] == 4, timeout=5
    )
    assert message["data"]["attendees"] == 0
    for other in others:
        other.close()
    watcher.until(lambda m: m["type"] == "presence" and m["data"]["followers"] == 1, timeout=5)
    watcher.close()


def test_presence_counts_each_attendee_once_and_the_archive_keeps_the_peak(
    live_server: LiveServer, api: httpx.Client, live_world: World, db: Database
) -> None:
    event = live_world.event
    watcher = Client(live_server.ws_url, event.id)  # a follower on the public page
    tokens = [join(live_server.url, event.join_code, name) for name in ("Amy", "Ben", "Cat")]
    phones = [attendee_socket(live_server.ws_url, event.id, token) for token in tokens]
    # Amy's phone reconnected before its old socket timed out: still one attendee.
    phones.append(attendee_socket(live_server.ws_url, event.id, tokens[0]))
    watcher.until(presence_is(3, followers=1))
    phones[1].close()
    phones[2].close()
    watcher.until(presence_is(1, followers=1))
    assert wait_for_peak(db, event.id, 3) == 3
    for step in ("end", "freeze"):
        assert api.post(f"/api/v1/events/{event.id}/{step}").status_code == 200
    document = api.get(f"/api/v1/events/{event.id}/archive").json()
    assert document["participation"]["peak_connected"] == 3
    summary = f"/p/{live_world.programme.slug}/{event.slug}/summary"
    page = HTMLParser(api.get(summary).text)
    figures = {
        node.css_first("dt").text(): node.css_first("dd").text()
        for node in page.css("dl.figures > div")
    }
    assert figures["Peak connected"] == "3"
    assert figures["Attendees joined"] == "3"


# Glimpse's own uvicorn protocol writes frames during fan-out; under any other server (here
# uvicorn's plain websockets-sansio) each socket has a queue and a writer task instead.
@pytest.mark.parametrize("ws", [WS_PROTOCOL, "websockets-sansio"], ids=["direct", "queue"])
def test_a_slow_consumer_is_closed_and_never_delays_the_others(
    settings: Settings, db: Database, ws: str
) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    server = LiveServer.from_settings(settings)
    server.ws = ws
    server.env["GLIMPSE_WS_SEND_QUEUE"] = "20"
    with server:
        # The stuck phone never reads: once its TCP buffers are full, its queue overflows.
        url = f"{server.ws_url}/ws/events/{world.event.id}"
        slow = connect(url, legacy=True, ping_interval=None)
        fast = Client(server.ws_url, world.event.id)
        fast.until(lambda m: m["type"] == "presence" and m["data"]["followers"] == 2)
        stop = threading.Event()
        last: list[int] = []
        flood = threading.Thread(
            target=_flood, args=(server.url, token, world.event.id, stop, last)
        )
        flood.start()
        try:
            # The fast phone reads all along; the room tells it when the stuck one is gone.
            fast.until(lambda m: m["type"] == "presence" and m["data"]["followers"] == 1, 60)
        finally:
            stop.set()
            flood.join()
        code = _drain_until_closed(slow)
        if last[0] not in fast.seqs:
            fast.until_seq(last[0], timeout=30)
        fast.close()
    assert code == 4408, f"the stuck client ended with {code}"
    assert fast.seqs == list(range(fast.seqs[0], last[0] + 1)), "the fast phone missed messages"
    assert len(fast.seqs) > 100


def _flood(base: str, token: str, event_id: int, stop: threading.Event, last: list[int]) -> None:
    """Post agenda items of about 8 KB each until told to stop; leaves the last log seq."""
    item = {"title": "x" * 200, "description": "d" * 4000, "speakers": ["s" * 190] * 20}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
        for _ in range(3000):
            if stop.is_set():
                break
            assert http.post(f"/api/v1/events/{event_id}/agenda", json=item).status_code == 201
        last.append(http.get(f"/api/v1/events/{event_id}/state").json()["seq"])


def _drain_until_closed(ws: ClientConnection) -> int | None:
    try:
        while True:
            ws.recv(timeout=10)
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else None
    except TimeoutError:
        return None


def test_server_killed_and_restarted_loses_nothing_acknowledged(
    settings: Settings, db: Database
) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    server = LiveServer.from_settings(settings)
    server.start()
    headers = {"Authorization": f"Bearer {token}"}
    base = server.url
    start = httpx.get(f"{base}/api/v1/events/{world.event.id}/state", headers=headers).json()["seq"]
    follower = Client(server.ws_url, world.event.id, since=start)
    acked: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=2) as http:
            for n in range(10_000):
                if stop.is_set():
                    return
                try:
                    response = http.post(
                        f"/api/v1/events/{world.event.id}/agenda", json={"title": f"item {n}"}
                    )
                except httpx.TransportError:
                    return
                if response.status_code == 201:
                    acked.append(response.json()["title"])

    thread = threading.Thread(target=writer)
    thread.start()
    while len(acked) < 15:
        time.sleep(0.01)
    server.kill()
    stop.set()
    thread.join()
    follower.recv(timeout=2)
    seen_before = follower.seqs[-1] if follower.seqs else start
    server.start()
    try:
        resumed = Client(server.ws_url, world.event.id, since=seen_before)
        final = httpx.get(f"{base}/api/v1/events/{world.event.id}/state", headers=headers).json()
        resumed.until_seq(final["seq"], timeout=10)
        titles = [m["data"]["title"] for m in follower.logged + resumed.logged]
        assert len(titles) == len(set(titles)), "a message was delivered twice"
        assert set(acked) <= set(titles), "an acknowledged change was lost"
        assert {a["title"] for a in final["agenda"]} >= set(acked)
        resumed.close()
    finally:
        server.stop()


def test_resume_from_memory_replays_each_missed_row_once(
    live_server: LiveServer, api: httpx.Client, live_world: World
) -> None:
    """With another socket keeping the room open, replay comes from the in-memory ring."""
    event_id = live_world.event.id
    start = api.get(f"/api/v1/events/{event_id}/state").json()["seq"]
    keeper = Client(live_server.ws_url, event_id, since=start)
    keeper.until(lambda m: m["type"] == "hello")
    add_items(api, event_id, [f"ring {n}" for n in range(6)])
    keeper.until_seq(start + 6)
    late = Client(live_server.ws_url, event_id, since=start + 1)
    late.until_seq(start + 6)
    assert late.seqs == [start + 2, start + 3, start + 4, start + 5, start + 6]
    assert [m["data"]["title"] for m in late.logged] == [f"ring {n}" for n in range(1, 6)]
    keeper.close()
    late.close()


def test_a_malformed_since_is_refused_and_the_server_goes_on(
    live_server: LiveServer, live_world: World
) -> None:
    url = f"{live_server.ws_url}/ws/events/{live_world.event.id}"
    with connect(f"{url}?since=ten") as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    follower = Client(live_server.ws_url, live_world.event.id)
    hello = follower.until(lambda m: m["type"] == "hello")
    assert hello["data"]["role"] == "public"
    follower.close()
