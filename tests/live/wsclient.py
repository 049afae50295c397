"""A small real WebSocket client for tests: reads messages, keeps the logged ones by seq."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2 as httpx
from sqlmodel import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.db import Database
from server.models.events import Event


class Client:
    """One socket to /ws/events/{id}; `logged` holds every message with a seq, in arrival order."""

    def __init__(self, ws_url: str, event_id: int, since: int | None = None, **kwargs: Any) -> None:
        query = "" if since is None else f"?since={since}"
        self.ws: ClientConnection = connect(
            f"{ws_url}/ws/events/{event_id}{query}", legacy=True, **kwargs
        )
        self.logged: list[dict[str, Any]] = []
        self.other: list[dict[str, Any]] = []
        self.close_code: int | None = None

    def recv(self, timeout: float = 5.0) -> dict[str, Any] | None:
        try:
            message: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout))
        except TimeoutError:
            return None
        except ConnectionClosed as exc:
            self.close_code = exc.rcvd.code if exc.rcvd else None
            return None
        (self.logged if message.get("seq") is not None else self.other).append(message)
        return message

    def until(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        """Read until a message matches; fail with what arrived if none does in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.recv(timeout=max(0.01, deadline - time.monotonic()))
            if message is not None and predicate(message):
                return message
            if self.close_code is not None:
                break
        seqs = self.seqs[-3:]
        raise AssertionError(
            f"no match; closed {self.close_code}, last seqs {seqs}, {self.other[-3:]}"
        )

    def until_seq(self, seq: int, timeout: float = 5.0) -> None:
        self.until(lambda m: m.get("seq") == seq, timeout)

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    @property
    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.logged]

    def close(self) -> None:
        self.ws.close()


def join(base_url: str, code: str, name: str) -> str:
    """Join an event by its code as a phone would; returns the attendee's bearer token."""
    response = httpx.post(f"{base_url}/api/v1/join", json={"code": code, "display_name": name})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def attendee_socket(ws_url: str, event_id: int, token: str) -> Client:
    socket = Client(ws_url, event_id, additional_headers={"Authorization": f"Bearer {token}"})
    hello = socket.until(lambda m: m["type"] == "hello")
    assert hello["data"]["role"] == "attendee"
    return socket


def presence_is(attendees: int, followers: int | None = None) -> Any:
    """A predicate for Client.until: a presence message with these counts."""

    def match(message: dict[str, Any]) -> bool:
        data = message.get("data") or {}
        return (
            message["type"] == "presence"
            and data["attendees"] == attendees
            and (followers is None or data["followers"] == followers)
        )

    return match


def wait_for_peak(db: Database, event_id: int, peak: int, timeout: float = 5.0) -> int:
    """The hub stores the peak just after it tells the sockets: wait for it to land."""
    deadline = time.monotonic() + timeout
    while True:
        with db.session(write=False) as s:
            stored = s.exec(select(Event.peak_connected).where(Event.id == event_id)).one()
        if stored >= peak or time.monotonic() > deadline:
            return stored
        time.sleep(0.05)
