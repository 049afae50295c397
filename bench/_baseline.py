"""The bare-broadcast baseline: the least a server can do for the same fan-out.

`python -m bench._baseline --http-port P --ws-port Q --template JSON` serves WebSockets with
the `websockets` library and takes changes as HTTP POSTs over the network, like Glimpse does.
For each POST it parses the JSON body, numbers the change, encodes a message of the same shape
and size as Glimpse's (the template is a message Glimpse delivered) and hands it to
`websockets.broadcast()`: no database, no queues, no per-socket tasks, no back-pressure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

from bench._clients import SocketSpec
from bench._procs import ServerProcess, free_port, python
from bench._sender import PostTarget

NAME = "baseline (websockets broadcast)"
DEFAULT_TEMPLATE = (
    '{"seq":1,"type":"agenda.created","at":"2026-01-01T00:00:00Z","data":{"id":1,'
    '"event_id":1,"title":"~0~","starts_at":null,"speakers":[],"description":"","position":0}}'
)


class Baseline:
    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template
        self.connections: set[Any] = set()
        self.seq = 0

    async def socket(self, ws: Any) -> None:
        self.connections.add(ws)
        try:
            await ws.wait_closed()
        finally:
            self.connections.discard(ws)

    def change(self, body: bytes) -> int:
        from websockets.asyncio.server import broadcast

        fields = json.loads(body)
        self.seq += 1
        # The posted text carries its due time between tildes: it replaces the template's.
        stamped = next(v for v in fields.values() if _stamped(v))
        data = {k: stamped if _stamped(v) else v for k, v in self.template["data"].items()}
        data["id"] = self.seq
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        message = {**self.template, "seq": self.seq, "at": now, "data": data}
        broadcast(self.connections, json.dumps(message, separators=(",", ":"), ensure_ascii=False))
        return self.seq

    async def http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """HTTP/1.1 keep-alive: POST anything is a change; GET /seq; GET /healthz."""
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                method, path = head.split(" ", 2)[:2]
                length = 0
                for line in head.split("\r\n")[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length) if length else b""
                if method == "POST":
                    status, answer = 201, json.dumps({"id": self.change(body)})
                elif path == "/seq":
                    status, answer = 200, json.dumps({"seq": self.seq})
                else:
                    status, answer = 200, "{}"
                payload = answer.encode()
                writer.write(
                    f"HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
        writer.close()


def _stamped(value: Any) -> bool:
    return isinstance(value, str) and "~" in value


async def serve(http_port: int, ws_port: int, template: dict[str, Any]) -> None:
    from websockets.asyncio.server import serve as ws_serve

    baseline = Baseline(template)
    # The same keep-alive pings as uvicorn's defaults, and no compression.
    async with ws_serve(
        baseline.socket, "127.0.0.1", ws_port, compression=None, ping_interval=20, ping_timeout=20
    ):
        server = await asyncio.start_server(baseline.http, "127.0.0.1", http_port, backlog=2048)
        async with server:
            await server.serve_forever()


def main() -> None:
    from bench._procs import raise_nofile
    from bench._sender import _use_uvloop

    parser = argparse.ArgumentParser()
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--ws-port", type=int, required=True)
    parser.add_argument("--template", default=DEFAULT_TEMPLATE)
    args = parser.parse_args()
    raise_nofile()
    _use_uvloop()
    asyncio.run(serve(args.http_port, args.ws_port, json.loads(args.template)))


class BaselineTarget:
    def __init__(self, folder: Any, template: str | None) -> None:
        self.name = NAME
        self.port, self.ws_port = free_port(), free_port()
        self._seq_conn: Any = None
        command = [
            python(), "-m", "bench._baseline",
            "--http-port", str(self.port), "--ws-port", str(self.ws_port),
            "--template", template or DEFAULT_TEMPLATE,
        ]  # fmt: skip
        self.process = ServerProcess(command, port=self.port, log_path=folder / "baseline.log")

    @property
    def pid(self) -> int:
        return self.process.pid

    def start(self) -> BaselineTarget:
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()

    def last_seq(self) -> int:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/seq")
            return int(json.loads(conn.getresponse().read())["seq"])
        finally:
            conn.close()

    def post_target(self) -> PostTarget:
        return PostTarget(port=self.port, path="/changes")

    def specs(self, count: int) -> list[SocketSpec]:
        url = f"ws://127.0.0.1:{self.ws_port}/"
        return [SocketSpec(url, {}, None, group=self.name) for _ in range(count)]


if __name__ == "__main__":
    main()
