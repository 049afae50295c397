"""How a message leaves for one socket: straight into uvicorn's transport, or through a queue.

`glimpse serve` runs uvicorn with `GlimpseWebSocketProtocol`, uvicorn's websockets-sansio
protocol plus one ASGI scope extension, `glimpse.direct`: a synchronous `send(frame)`. The hub
then writes each message's frame (encoded once per variant, not once per socket) into every
socket's transport during fan-out, with no await, no queue hand-off and no task wake-up per
delivery. The transport buffers what the kernel does not take at once; past its high-water mark
frames wait in a bounded backlog, and a socket whose backlog overflows is closed with 4408 after
everything already accepted for it, so a phone that stops reading costs the room nothing.

Under any other ASGI server the endpoint falls back to `QueueOutlet`: the same bounded backlog
as an asyncio queue drained by one writer task per socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import deque
from collections.abc import Awaitable
from functools import cached_property
from typing import Any, Protocol

from starlette.websockets import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from server.realtime.protocol import CLOSE_TOO_SLOW

EXTENSION = "glimpse.direct"
# What `glimpse serve`, the tests and the benchmarks pass to uvicorn as `ws`.
WS_PROTOCOL = "server.live.transport:GlimpseWebSocketProtocol"
# How long a close frame may wait behind a stuck client's buffer before we just hang up.
CLOSE_WAIT = 30.0


class Outgoing:
    """One server → client message, encoded once however many sockets it goes to."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def frame(self) -> bytes:
        """The unmasked, uncompressed text frame (RFC 6455 §5.2) that carries `text`."""
        payload = self.text.encode()
        size = len(payload)
        if size < 126:
            head = struct.pack("!BB", 0x81, size)
        elif size < 1 << 16:
            head = struct.pack("!BBH", 0x81, 126, size)
        else:
            head = struct.pack("!BBQ", 0x81, 127, size)
        return head + payload


class Outlet(Protocol):
    """Where the hub puts one connection's messages; never blocks, never awaits."""

    def send(self, message: Outgoing) -> None: ...

    def close(self, code: int) -> None:
        """Close after everything already sent; later messages are dropped."""

    def closed(self) -> bool: ...

    async def run(self, reader: Awaitable[None]) -> None:
        """Serve the socket: `reader` reads client messages until the client leaves."""

    async def finish(self) -> None:
        """After leaving the room: send a pending close, if any."""


class DirectOutlet:
    """Writes frames into a uvicorn connection's transport from the fan-out loop itself."""

    __slots__ = ("_backlog", "_closing", "_limit", "_protocol")

    def __init__(self, protocol: GlimpseWebSocketProtocol, limit: int) -> None:
        self._protocol = protocol
        self._limit = limit
        self._backlog: deque[bytes] | None = None  # made when first needed: most never are
        self._closing = False

    def send(self, message: Outgoing) -> None:
        if self._closing:
            return
        protocol = self._protocol
        if not protocol.open:
            self._closing = True
        elif self._backlog is None and not protocol.paused:
            protocol.transport.write(message.frame)
        elif self._backlog is None:
            self._backlog = deque((message.frame,))
        elif len(self._backlog) >= self._limit:
            self.close(CLOSE_TOO_SLOW)
        else:
            self._backlog.append(message.frame)

    def drain(self) -> None:
        """The transport took its buffer down: send what waited, until it fills up again."""
        backlog, protocol = self._backlog, self._protocol
        while backlog and not protocol.paused:
            protocol.transport.write(backlog.popleft())
        if not backlog:
            self._backlog = None

    def close(self, code: int) -> None:
        if self._closing:
            return
        self._closing = True
        backlog, self._backlog = self._backlog or (), None
        self._protocol.close_after(list(backlog), code)

    def closed(self) -> bool:
        return self._closing or not self._protocol.open

    async def run(self, reader: Awaitable[None]) -> None:
        """The reader ends when the client leaves or `close` told the app the socket is done."""
        await reader

    async def finish(self) -> None:
        return None  # `close` has queued the close frame already


class GlimpseWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, offering the app a synchronous frame writer."""

    outlet: DirectOutlet | None = None
    paused = False  # the transport's buffer is past its high-water mark

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if getattr(self, "scope", None) is not None and not self.conn.extensions:
            # The app task is created but has not run yet: it sees the extension.
            self.scope["extensions"][EXTENSION] = {"outlet": self.make_outlet}

    def make_outlet(self, limit: int) -> DirectOutlet:
        """Called once the app has accepted; the handshake's request and response are done.

        The parsed request stays referenced from websockets' parser for the socket's life:
        its headers (a couple of KiB per socket) are emptied, as nothing reads them again.
        """
        if self.request is not None:
            self.request.headers.clear()
        self.request = self.response = None  # type: ignore[assignment]
        self.outlet = DirectOutlet(self, limit)
        return self.outlet

    @property
    def open(self) -> bool:
        return not (self.close_sent or self.disconnected or self.transport.is_closing())

    def pause_writing(self) -> None:
        super().pause_writing()
        self.paused = True

    def resume_writing(self) -> None:
        super().resume_writing()
        self.paused = False
        if self.outlet is not None:
            self.outlet.drain()

    def close_after(self, frames: list[bytes], code: int) -> None:
        """Queue `frames`, then a close frame; tell the app the socket is done, at once."""
        if not self.open:
            return
        for frame in frames:
            self.transport.write(frame)
        self.conn.send_close(code)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": ""})
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        # The peer answers our close once it has read everything before it; one that never
        # reads again is cut off, and so freed, after CLOSE_WAIT.
        self.close_timer = self.loop.call_later(CLOSE_WAIT, self.transport.abort)


class QueueOutlet:
    """Any ASGI server: a bounded queue per socket, drained by its own writer task."""

    def __init__(self, websocket: WebSocket, limit: int) -> None:
        self._websocket = websocket
        self._limit = limit
        self._queue: asyncio.Queue[Outgoing | int] = asyncio.Queue()
        self._code: int | None = None
        self._writer = asyncio.create_task(self._write())

    def send(self, message: Outgoing) -> None:
        if self.closed():
            return
        if self._queue.qsize() >= self._limit:
            self._code = CLOSE_TOO_SLOW  # what is queued is dropped; the phone resumes with since
            self._writer.cancel()
        else:
            self._queue.put_nowait(message)

    def close(self, code: int) -> None:
        if not self.closed():
            self._queue.put_nowait(code)

    def closed(self) -> bool:
        return self._code is not None or self._writer.done()

    async def run(self, reader: Awaitable[None]) -> None:
        """Read until the client leaves or the writer ends."""
        reading = asyncio.ensure_future(reader)
        try:
            await asyncio.wait({reading, self._writer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            reading.cancel()
            self._writer.cancel()

    async def finish(self) -> None:
        """Out of the room, close with the code, if any: a stuck phone makes only this wait."""
        if self._code is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._websocket.close(code=self._code), CLOSE_WAIT)

    async def _write(self) -> None:
        while True:
            item = await self._queue.get()
            if isinstance(item, int):
                self._code = item
                return
            try:
                await self._websocket.send_text(item.text)
            except Exception:
                return


def outlet_for(websocket: WebSocket, limit: int) -> DirectOutlet | QueueOutlet:
    direct = websocket.scope.get("extensions", {}).get(EXTENSION)
    if direct is not None:
        outlet: DirectOutlet = direct["outlet"](limit)
        return outlet
    return QueueOutlet(websocket, limit)
