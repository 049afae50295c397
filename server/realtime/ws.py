"""The WebSocket door: /ws/events/{event_id}?since=<seq>."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from server.db import Database
from server.errors import GlimpseError, NotFound
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.events import Event
from server.realtime import protocol
from server.realtime.audience import Scope
from server.realtime.handlers import HANDLERS
from server.realtime.hub import Connection, Hub, encode
from server.routes.deps import ATTENDEE_COOKIE, SESSION_COOKIE, resolve_viewer
from server.services import state
from server.services.access import Caller
from server.settings import Settings

router = APIRouter()
log = logging.getLogger("glimpse.ws")
# How long a close frame may wait behind a stuck client's full buffer before we just hang up.
CLOSE_WAIT = 30.0


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Browsers send Origin; it must be this service. Scripts send none and are let in."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    host = urlsplit(origin).netloc
    own = {websocket.headers.get("host", ""), urlsplit(settings.public_base_url).netloc}
    return bool(host) and host in own


def bearer(websocket: WebSocket) -> str | None:
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def identify(
    websocket: WebSocket, db: Database, settings: Settings, event_id: int
) -> tuple[Scope, Caller, str]:
    """Who is connecting, and what they may see; raises GlimpseError when they may not."""
    with db.session(write=False) as session:
        viewer = resolve_viewer(
            session,
            secret_key=settings.effective_secret_key,
            bearer=bearer(websocket),
            session_cookie=websocket.cookies.get(SESSION_COOKIE),
            attendee_cookie=websocket.cookies.get(ATTENDEE_COOKIE),
        )
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound("No event has that id.")
        scope = state.scope_for(session, event=event, caller=viewer.caller)
        return scope, viewer.caller, event.status


@router.websocket("/ws/events/{event_id}")
async def event_socket(websocket: WebSocket, event_id: int, since: int | None = None) -> None:
    """Replay what the caller missed since `since`, then stream live; accept client messages."""
    settings: Settings = websocket.state.settings
    db: Database = websocket.state.db
    hub: Hub = websocket.state.hub
    if not origin_allowed(websocket, settings):
        await websocket.close(code=protocol.CLOSE_NOT_ALLOWED)
        return
    await websocket.accept()
    try:
        scope, caller, status = await run_in_threadpool(identify, websocket, db, settings, event_id)
    except GlimpseError as exc:
        code = protocol.CLOSE_NO_EVENT if exc.status == 404 else protocol.CLOSE_NOT_ALLOWED
        await websocket.close(code=code, reason=exc.message[:120])
        return
    if status == "frozen":
        await websocket.close(code=protocol.CLOSE_FROZEN, reason="This event is frozen.")
        return
    conn = Connection(event_id, scope, since, settings.ws_send_queue)
    await hub.attach(conn)
    tasks = {
        asyncio.create_task(write_loop(websocket, conn)),
        asyncio.create_task(read_loop(websocket, conn, db, caller)),
        asyncio.create_task(conn.too_slow.wait()),
    }
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.detach(conn)
        for task in tasks:
            task.cancel()
    close_code = next(
        (t.result() for t in done if not t.cancelled() and type(t.result()) is int), None
    )
    if conn.too_slow.is_set():
        close_code = protocol.CLOSE_TOO_SLOW
    if close_code is not None:
        # The connection has left the room, so waiting here costs the others nothing; a
        # phone that starts reading again gets its buffered messages, then the close code.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(code=close_code), CLOSE_WAIT)


async def write_loop(websocket: WebSocket, conn: Connection) -> int | None:
    """Send queued text in order; an int in the queue is a close code."""
    while True:
        item = await conn.queue.get()
        if isinstance(item, int):
            return item
        try:
            await websocket.send_text(item)
        except Exception:
            return None


async def read_loop(websocket: WebSocket, conn: Connection, db: Database, caller: Caller) -> None:
    while True:
        try:
            text = await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError, KeyError):
            return
        conn.offer(await answer(text, db, caller))


async def answer(text: str, db: Database, caller: Caller) -> str:
    """Exactly one ack or error for each client message; malformed ones too."""
    ref = ""
    try:
        if len(text) > protocol.MAX_INBOUND_BYTES:
            raise _Bad("too_large", "Messages are limited to 16 KB.")
        raw = json.loads(text)
        ref = str(raw.get("ref", ""))[:100] if isinstance(raw, dict) else ""
        if not isinstance(raw, dict) or raw.get("type") not in protocol.INBOUND_TYPES:
            raise _Bad("unknown_type", "Unknown message type.")
        message = protocol.INBOUND.validate_python(raw)
        async with db.write_gate:
            seq, data = await run_in_threadpool(_run, db, caller, message)
        return encode({"type": "ack", "ref": ref, "seq": seq, "data": data})
    except json.JSONDecodeError:
        return _error(ref, "malformed", "That message is not valid JSON.")
    except ValidationError as exc:
        return _error(ref, "validation_failed", _first(exc))
    except _Bad as exc:
        return _error(ref, exc.code, exc.message)
    except GlimpseError as exc:
        return _error(ref, exc.code, exc.message)
    except Exception:
        log.exception("websocket message failed")
        return _error(ref, "internal_error", "Something went wrong on our side.")


def _run(db: Database, caller: Caller, message: Any) -> tuple[int | None, dict[str, Any]]:
    with db.session() as session:
        fresh = Caller(
            user=session.get(User, caller.user.id) if caller.user else None,
            attendee=session.get(Attendee, caller.attendee.id) if caller.attendee else None,
        )
        data = HANDLERS[message.type](session, fresh, message.data)
        rows = session.info.get("log_rows", [])
        return (rows[-1].seq if rows else None), data


class _Bad(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message


def _error(ref: str, code: str, message: str) -> str:
    return encode({"type": "error", "ref": ref, "error": {"code": code, "message": message}})


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
