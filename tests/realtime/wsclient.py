"""A small real WebSocket client for tests: reads messages, keeps the logged ones by seq."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect


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
