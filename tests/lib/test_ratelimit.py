"""Limits for a crowd, not for a person: what one address may do, however many attendees it makes.

Each app here sits behind a proxy at 10.0.0.1 that it trusts, so a test plays many clients by
naming them in X-Forwarded-For, exactly as the proxy would. Limits and windows are small, and
set per test, so no assertion depends on how fast the machine is.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlmodel import func, select

from server.app import create_app
from server.db import Database
from server.lib.ratelimit import Limits
from server.models.attendees import Attendee
from server.models.boards import Card
from server.services import accounts
from server.settings import Settings
from tests.api.helpers import open_board
from tests.factories import PASSWORD, World, login, make_event, make_world
from tests.liveserver import LiveServer, free_port

PROXY = ("10.0.0.1", 40000)
Clients = Callable[..., Any]


@pytest.fixture
def live(db: Database) -> World:
    with db.session() as s:
        return make_world(s, status="live")


@pytest.fixture
def app_with(settings: Settings) -> Iterator[Clients]:
    """`app_with(peer=..., **settings)` → a TestClient whose requests arrive from `peer`."""
    opened: list[TestClient] = []

    def make(peer: tuple[str, int] = PROXY, **changes: Any) -> TestClient:
        changes.setdefault("trusted_proxies", "10.0.0.0/8")
        client = TestClient(create_app(settings.model_copy(update=changes)), client=peer)
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def via(address: str, **headers: str) -> dict[str, str]:
    """Headers of a request the trusted proxy passes on for the client at `address`."""
    return {"X-Forwarded-For": address, **headers}


def join(client: TestClient, world: World, address: str, name: str = "Phone") -> Response:
    """A fresh phone joins: no attendee cookie from an earlier join on this client."""
    client.cookies.delete("glimpse_attendee")
    body = {"code": world.event.join_code, "display_name": name}
    return client.post("/api/v1/join", json=body, headers=via(address))


def joined(client: TestClient, world: World, address: str) -> dict[str, str]:
    """Join from `address`; the headers the new attendee's later requests from there carry."""
    response = join(client, world, address)
    assert response.status_code == 200, response.text
    client.cookies.delete("glimpse_attendee")
    return via(address, Authorization=f"Bearer {response.json()['token']}")


def assert_limited(response: Response, code: str = "rate_limited", window: int = 60) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == code
    assert 1 <= int(response.headers["retry-after"]) <= window


def attendees_of(db: Database, world: World) -> int:
    with db.session(write=False) as s:
        query = select(func.count()).where(Attendee.event_id == world.event.id)
        return s.exec(query).one()


def post_card(client: TestClient, board_id: int, headers: dict[str, str]) -> Response:
    body = {"client_id": str(uuid.uuid4()), "text": "Tea trolley rounds at 3"}
    return client.post(f"/api/v1/boards/{board_id}/cards", json=body, headers=headers)


# -- joins ---------------------------------------------------------------------------------------


def test_one_address_cannot_make_attendees_past_its_budget(
    app_with: Clients, live: World, db: Database
) -> None:
    client = app_with(join_limit=3)
    answers = [join(client, live, "203.0.113.7") for _ in range(10)]
    assert [a.status_code for a in answers] == [200] * 3 + [429] * 7
    assert_limited(answers[3])
    assert attendees_of(db, live) == 3
    assert join(client, live, "203.0.113.8").status_code == 200  # the next address has its own


def test_a_phone_that_already_joined_is_let_back_in_without_spending_a_join(
    app_with: Clients, live: World
) -> None:
    client = app_with(join_limit=1)
    first = join(client, live, "203.0.113.7")
    assert first.status_code == 200
    again = client.post(
        "/api/v1/join",
        json={"code": live.event.join_code},
        headers=via("203.0.113.7", Authorization=f"Bearer {first.json()['token']}"),
    )
    assert again.status_code == 200
    assert again.json()["attendee"]["id"] == first.json()["attendee"]["id"]
    assert_limited(join(client, live, "203.0.113.7"))


def test_an_event_takes_no_more_attendees_than_its_cap(
    app_with: Clients, live: World, db: Database
) -> None:
    client = app_with(max_attendees_per_event=2)
    assert [join(client, live, f"203.0.113.{n}").status_code for n in (1, 2)] == [200, 200]
    full = join(client, live, "203.0.113.3")
    assert_limited(full, "event_full", window=300)
    assert "full" in full.json()["error"]["message"]
    assert attendees_of(db, live) == 2
    with db.session() as s:
        other = make_event(s, programme=live.programme, owner=live.facilitator, status="live")
    body = {"code": other.join_code}
    assert client.post("/api/v1/join", json=body, headers=via("203.0.113.3")).status_code == 200


def test_a_room_of_200_behind_one_venue_nat_gets_in_with_the_defaults(
    app_with: Clients, live: World, db: Database
) -> None:
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    client = app_with()
    answers = [join(client, live, "198.51.100.1").status_code for _ in range(200)]
    assert answers == [200] * 200
    # ... and each of them may then post three cards and spend five dots within the minute.
    per_minute = defaults.write_limit * 60 / defaults.write_window_seconds
    assert per_minute >= 200 * (3 + 5)
    assert defaults.max_attendees_per_event >= 200


# -- writes --------------------------------------------------------------------------------------


def test_many_attendees_from_one_address_share_its_write_budget(
    app_with: Clients, live: World, db: Database
) -> None:
    client = app_with(write_limit=4)
    board_id = open_board(client, live)
    phones = [joined(client, live, "203.0.113.9") for _ in range(6)]
    client.cookies.clear()
    posted = [post_card(client, board_id, headers).status_code for headers in phones]
    assert posted == [201] * 4 + [429] * 2
    card_id = next(iter(_cards_on(db, board_id)))
    vote = client.put(f"/api/v1/cards/{card_id}/vote", json={"count": 1}, headers=phones[5])
    assert_limited(vote)
    note = client.post(
        f"/api/v1/breakouts/{_a_breakout(client, live)}/notes",
        json={"client_id": str(uuid.uuid4()), "text": "x"},
        headers=phones[5],
    )
    assert_limited(note)
    assert len(_cards_on(db, board_id)) == 4
    elsewhere = joined(client, live, "198.51.100.4")
    assert post_card(client, board_id, elsewhere).status_code == 201


def test_an_organisers_writes_do_not_spend_the_rooms_budget(app_with: Clients, live: World) -> None:
    client = app_with(write_limit=1)
    board_id = open_board(client, live)
    phone = joined(client, live, "203.0.113.9")
    headers = login(client, live.facilitator)
    assert post_card(client, board_id, phone).status_code == 201
    assert post_card(client, board_id, via("203.0.113.9", **headers)).status_code == 201
    assert post_card(client, board_id, via("203.0.113.9", **headers)).status_code == 201


def _cards_on(db: Database, board_id: int) -> list[int]:
    with db.session(write=False) as s:
        return [c.id for c in s.exec(select(Card).where(Card.board_id == board_id))]


def _a_breakout(client: TestClient, world: World) -> int:
    headers = login(client, world.facilitator)
    url = f"/api/v1/events/{world.event.id}/breakouts"
    response = client.post(url, json={"name": "Table 1"}, headers=headers)
    assert response.status_code == 201, response.text
    client.cookies.clear()
    group: int = response.json()["id"]
    return group


# -- whose address ---------------------------------------------------------------------------------


def test_forwarded_for_from_an_untrusted_peer_is_ignored(app_with: Clients, live: World) -> None:
    """A client naming a new address in each request is still one address."""
    for trusted in ("", "10.0.0.0/8"):
        client = app_with(peer=("198.51.100.7", 5000), trusted_proxies=trusted, join_limit=2)
        answers = [join(client, live, f"203.0.113.{n}").status_code for n in range(1, 5)]
        assert answers == [200, 200, 429, 429], trusted


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(
    app_with: Clients, live: World
) -> None:
    """The proxy appends the address it saw; what the client wrote before that is not believed."""
    client = app_with(join_limit=2)
    answers = [join(client, live, f"192.0.2.{n}, 203.0.113.5").status_code for n in range(1, 5)]
    assert answers == [200, 200, 429, 429]
    # Two proxies deep (10.0.0.2 passed it to 10.0.0.1): still the client before them.
    assert join(client, live, "192.0.2.9, 203.0.113.5, 10.0.0.2").status_code == 429
    assert join(client, live, "203.0.113.6, 10.0.0.2").status_code == 200


class GlimpseServe(LiveServer):
    """`glimpse serve` itself, as an operator runs it, rather than a bare uvicorn."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)]


@pytest.mark.parametrize(
    ("trusted_proxies", "answers"),
    [
        ("", [200, 200, 429]),  # uvicorn's forwarded-allow-ips: a proxy on this host (127.0.0.1)
        ("192.0.2.1", [200, 429, 429]),  # only that proxy; loopback is just another client
    ],
)
def test_glimpse_serve_believes_forwarded_for_only_from_its_trusted_proxies(
    settings: Settings, live: World, tmp_path: Path, trusted_proxies: str, answers: list[int]
) -> None:
    limited = settings.model_copy(update={"join_limit": 1, "trusted_proxies": trusted_proxies})
    server = GlimpseServe.from_settings(limited, log_path=tmp_path / "serve.log")
    server.env["FORWARDED_ALLOW_IPS"] = "127.0.0.1"  # uvicorn's default, whatever the shell says
    with server:
        body = {"code": live.event.join_code}
        got = [
            httpx.post(f"{server.url}/api/v1/join", json=body, headers=via(address)).status_code
            for address in ("203.0.113.1", "203.0.113.2", "203.0.113.1")
        ]
    assert got == answers


def test_the_socket_door_counts_writes_by_the_same_address_as_rest(
    app_with: Clients, live: World
) -> None:
    client = app_with(write_limit=2)
    board_id = open_board(client, live)
    amy, ben = joined(client, live, "203.0.113.9"), joined(client, live, "198.51.100.4")
    client.cookies.clear()
    assert post_card(client, board_id, amy).status_code == 201
    url = f"/ws/events/{live.event.id}"

    def card(n: int) -> dict[str, Any]:
        data = {"board_id": board_id, "client_id": str(uuid.uuid4()), "text": f"card {n}"}
        return {"type": "card.create", "ref": f"r{n}", "data": data}

    with client.websocket_connect(url, headers=amy) as socket:
        socket.send_json(card(1))
        assert _answer(socket, "r1")["type"] == "ack"
        socket.send_json(card(2))
        refused = _answer(socket, "r2")
        assert refused["type"] == "error"
        assert refused["error"]["code"] == "rate_limited"
        assert 1 <= refused["error"]["retry_after"] <= 60
        socket.send_json({"type": "ping", "ref": "p"})  # still open, and pings cost nothing
        assert _answer(socket, "p")["type"] == "ack"
    assert_limited(post_card(client, board_id, amy))
    with client.websocket_connect(url, headers=ben) as socket:
        socket.send_json(card(3))
        assert _answer(socket, "r3")["type"] == "ack"


def _answer(socket: Any, ref: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = socket.receive_json()
        if message.get("ref") == ref:
            return message


# -- sign-in -------------------------------------------------------------------------------------


@pytest.fixture
def guarded(app_with: Clients) -> TestClient:
    """3 failures per address and email, 5 per address, 6 per email (looser, across addresses)."""
    client: TestClient = app_with(
        login_attempts=3, login_address_attempts=5, login_email_attempts=6
    )
    return client


def sign_in(client: TestClient, email: str, password: str, address: str) -> Response:
    client.cookies.clear()
    body = {"email": email, "password": password}
    return client.post("/api/v1/auth/login", json=body, headers=via(address))


def test_guessing_from_one_address_is_stopped(guarded: TestClient, live: World) -> None:
    client, owner = guarded, live.facilitator.email
    guesses = [sign_in(client, owner, f"guess {n}", "203.0.113.66") for n in range(3)]
    assert [g.status_code for g in guesses] == [401] * 3
    # Now even the right password is refused from there: a 200 would tell the guesser.
    assert_limited(sign_in(client, owner, PASSWORD, "203.0.113.66"), window=300)
    # Other emails from the same address: two more failures, then the address itself is spent.
    others = [sign_in(client, f"x{n}@example.test", "guess", "203.0.113.66") for n in range(3)]
    assert [o.status_code for o in others] == [401, 401, 429]
    assert sign_in(client, owner, PASSWORD, "198.51.100.20").status_code == 200


def test_guessing_one_email_from_many_addresses_is_slowed_and_the_owner_still_signs_in(
    guarded: TestClient, live: World
) -> None:
    client, owner = guarded, live.facilitator.email
    botnet = [f"203.0.113.{n}" for n in range(1, 7)]
    assert [sign_in(client, owner, "guess", a).status_code for a in botnet] == [401] * 6
    # The email has failed six times: every address that has been failing is made to wait ...
    for address in botnet:
        assert_limited(sign_in(client, owner, "guess again", address), window=300)
    # ... a fresh one gets a single try before it is failing too ...
    assert sign_in(client, owner, "guess", "192.0.2.50").status_code == 401
    assert_limited(sign_in(client, owner, PASSWORD, "192.0.2.50"), window=300)
    # ... and the owner, from an address that has not been failing, signs in during the attack.
    assert sign_in(client, owner, PASSWORD, "198.51.100.20").status_code == 200
    assert sign_in(client, owner, PASSWORD, "198.51.100.20").status_code == 200


def test_the_owner_who_mistypes_then_gets_it_right_starts_afresh(
    guarded: TestClient, live: World
) -> None:
    client, owner = guarded, live.facilitator.email
    for _ in range(2):
        assert sign_in(client, owner, "typo", "198.51.100.20").status_code == 401
    assert sign_in(client, owner, PASSWORD, "198.51.100.20").status_code == 200
    for _ in range(2):
        assert sign_in(client, owner, "typo", "198.51.100.20").status_code == 401
    assert sign_in(client, owner, PASSWORD, "198.51.100.20").status_code == 200


# -- scale-out -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_two_processes_on_one_redis_spend_one_budget(
    pg_settings: Settings, redis_server: str, tmp_path: Path
) -> None:
    """Each process alone would allow three of each; together they still allow three."""
    limits = {"join_limit": 3, "write_limit": 3, "login_attempts": 2}
    settings = pg_settings.model_copy(update={"broker_url": redis_server, **limits})
    db = Database(pg_settings.effective_database_url)
    with db.session() as s:
        world = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    db.dispose()
    a = LiveServer.from_settings(settings, log_path=tmp_path / "a.log")
    b = LiveServer.from_settings(settings, log_path=tmp_path / "b.log")
    with a, b:
        turns = [a.url, b.url, a.url, b.url, a.url]
        body = {"code": world.event.join_code}
        joins = [httpx.post(f"{url}/api/v1/join", json=body) for url in turns]
        assert [j.status_code for j in joins] == [200, 200, 200, 429, 429]
        phones = [{"Authorization": f"Bearer {j.json()['token']}"} for j in joins[:3]]
        organiser = {"Authorization": f"Bearer {token}"}
        board = httpx.post(
            f"{a.url}/api/v1/events/{world.event.id}/boards", json={"title": "B"}, headers=organiser
        ).json()["id"]
        cards = [
            httpx.post(
                f"{url}/api/v1/boards/{board}/cards",
                json={"client_id": str(uuid.uuid4()), "text": "x"},
                headers=phones[n % 3],
            )
            for n, url in enumerate(turns)
        ]
        assert [c.status_code for c in cards] == [201, 201, 201, 429, 429]
        login = {"email": world.facilitator.email, "password": "guess"}
        assert httpx.post(f"{a.url}/api/v1/auth/login", json=login).status_code == 401
        assert httpx.post(f"{b.url}/api/v1/auth/login", json=login).status_code == 401
        right = {**login, "password": PASSWORD}
        assert httpx.post(f"{a.url}/api/v1/auth/login", json=right).status_code == 429


def test_while_redis_is_unreachable_the_limits_open_up_and_the_log_says_so(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    away = settings.model_copy(
        update={"broker_url": f"redis://127.0.0.1:{free_port()}/0", "join_limit": 1}
    )
    limits = Limits(away)
    for _ in range(3):
        limits.hit(limits.join, "203.0.113.1")
    assert "rate-limit storage unavailable" in caplog.text
