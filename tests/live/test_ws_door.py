"""The WebSocket door under bad input: every frame gets an answer, or a documented close code."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.realtime.protocol import MAX_FRAME_BYTES
from tests.factories import World
from tests.live.wsclient import Client, attendee_socket, join
from tests.liveserver import LiveServer

TOO_BIG_ID = 2**63


def answers(client: Client, count: int) -> list[tuple[str, str, str]]:
    """The next `count` acks and errors as (type, ref, error code)."""
    found = [client.until(lambda m: m["type"] in ("ack", "error")) for _ in range(count)]
    return [(m["type"], m["ref"], m.get("error", {}).get("code", "")) for m in found]


def test_every_malformed_frame_is_answered_and_the_socket_stays_open(
    live_server: LiveServer, live_world: World
) -> None:
    token = join(live_server.url, live_world.event.join_code, "Ade")
    phone = attendee_socket(live_server.ws_url, live_world.event.id, token)
    phone.ws.send(b'{"type": "ping", "ref": "binary"}')
    frames = [
        "[" * 8000,  # 8,000 deep: 8 KB, under the size limit
        '{"ref": "deep", "type": "ping", "data": ' + '{"a": ' * 300 + "1" + "}" * 301,
        json.dumps({"type": "ping", "ref": "big", "data": {"pad": "x" * 20_000}}),
        "not json at all",
        '{"type": ["card.create"], "ref": "list-type"}',
        '{"type": "launch.missiles", "ref": "unknown"}',
        json.dumps({"type": "vote.set", "ref": "bool", "data": {"card_id": 1, "count": True}}),
        json.dumps(
            {"type": "vote.set", "ref": "huge", "data": {"card_id": TOO_BIG_ID, "count": 1}}
        ),
        json.dumps(
            {"type": "card.create", "ref": "text-id", "data": {"board_id": "7", "client_id": "c"}}
        ),
        json.dumps(
            {
                "type": "card.create",
                "ref": "blank",
                "data": {"board_id": 1, "client_id": "c", "text": " \u3000 "},
            }
        ),
        '{"type": "ping", "ref": "still-here"}',
    ]
    for frame in frames:
        phone.ws.send(frame)
    assert answers(phone, 1 + len(frames)) == [
        ("error", "", "malformed"),
        ("error", "", "malformed"),
        ("error", "", "malformed"),
        ("error", "", "too_large"),
        ("error", "", "malformed"),
        ("error", "list-type", "unknown_type"),
        ("error", "unknown", "unknown_type"),
        ("error", "bool", "validation_failed"),
        ("error", "huge", "validation_failed"),
        ("error", "text-id", "validation_failed"),
        ("error", "blank", "validation_failed"),
        ("ack", "still-here", ""),
    ]
    phone.close()


def test_a_frame_past_the_frame_limit_closes_with_1009(
    live_server: LiveServer, live_world: World
) -> None:
    url = f"{live_server.ws_url}/ws/events/{live_world.event.id}"
    with connect(url) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)  # hello
        ws.send("x" * (MAX_FRAME_BYTES + 1))
        while True:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert '"hello"' in str(Client(live_server.ws_url, live_world.event.id).ws.recv(timeout=5))


def test_ids_past_the_database_range_close_with_their_codes(
    live_server: LiveServer, live_world: World
) -> None:
    for event_id in (99999999999999999999, TOO_BIG_ID, 0):
        missing = Client(live_server.ws_url, event_id)
        missing.recv()
        assert missing.close_code == 4404, event_id
    far = Client(live_server.ws_url, live_world.event.id, since=99999999999999999999)
    far.recv()
    assert far.close_code == 1008
