"""The WebSocket door: /ws/events/{event_id}?since=<seq>."""

from __future__ import annotations

import logging
import re
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from pydantic_core import from_json
from starlette import types
from starlette.concurrency import run_in_threadpool

from server.auth import viewer_for
from server.db import Database
from server.errors import GlimpseError, NotFound, RateLimited
from server.lib.ratelimit import Limits, client_address
from server.live.handlers import HANDLERS
from server.live.hub import Connection, Hub, encode
from server.live.transport import Outgoing, outlet_for
from server.models.accounts import User
from server.models.attendees import Attendee
from server.models.base import MAX_ID
from server.models.events import Event
from server.realtime import protocol
from server.realtime.audience import Scope
from server.services import state
from server.services.access import Caller
from server.settings import Settings

router = APIRouter()
log = logging.getLogger("glimpse.ws")


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Browsers send Origin; it must be this service. Scripts send none and are let in."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    host = urlsplit(origin).netloc
    own = {websocket.headers.get("host", ""), urlsplit(settings.public_base_url).netloc}
    return bool(host) and host in own


class Who(NamedTuple):
    user_id: int | None
    attendee_id: int | None
    address: str = ""  # what its writes are counted by, as for REST (client_address)


def identify(
    websocket: WebSocket, db: Database, settings: Settings, event_id: int
) -> tuple[Scope, Who, str]:
    """Who is connecting, and what they may see; raises GlimpseError when they may not."""
    with db.session(write=False) as session:
        viewer = viewer_for(websocket, session, secret_key=settings.effective_secret_key)
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound("No event has that id.")
        scope = state.scope_for(session, event=event, actor=viewer.caller)
        user, attendee = viewer.caller.user, viewer.caller.attendee
        # Ids, not rows: the socket may stay open all day, and each message loads them afresh.
        who = Who(
            user.id if user else None,
            attendee.id if attendee else None,
            client_address(websocket),
        )
        return scope, who, event.status


async def event_socket(websocket: WebSocket) -> None:
    """Replay what the caller missed since `since`, then stream live; accept client messages.

    A plain Starlette route, not FastAPI's: a socket stays open all day, and FastAPI's
    dependency machinery would hold several kilobytes for each of thousands of them.
    """
    event_id: int = websocket.path_params["event_id"]
    settings: Settings = websocket.state.settings
    db: Database = websocket.state.db
    hub: Hub = websocket.state.hub
    if not origin_allowed(websocket, settings):
        await websocket.close(code=protocol.CLOSE_NOT_ALLOWED)
        return
    await websocket.accept()
    if not 1 <= event_id <= MAX_ID:
        await websocket.close(code=protocol.CLOSE_NO_EVENT, reason="No event has that id.")
        return
    raw_since = websocket.query_params.get("since")
    if raw_since is not None and not _whole_number(raw_since):
        await websocket.close(code=protocol.CLOSE_POLICY, reason="since must be a whole number")
        return
    since = None if raw_since is None else int(raw_since)
    try:
        scope, who, status = await run_in_threadpool(identify, websocket, db, settings, event_id)
    except GlimpseError as exc:
        code = protocol.CLOSE_NO_EVENT if exc.status == 404 else protocol.CLOSE_NOT_ALLOWED
        await websocket.close(code=code, reason=exc.message[:120])
        return
    if status == "frozen":
        await websocket.close(code=protocol.CLOSE_FROZEN, reason="This event is frozen.")
        return
    # Who is asking is known (and its address kept in `who`): the request's headers are read no
    # more, and would stay as long as the socket, all day, for each of thousands.
    headers = websocket.scope.get("headers")
    if isinstance(headers, list):
        headers.clear()
    outlet = outlet_for(websocket, settings.ws_send_queue)
    conn = Connection(event_id, scope, since, outlet)
    await hub.attach(conn)
    try:
        await outlet.run(read_loop(websocket, conn, db, who, websocket.state.limits))
    finally:
        hub.detach(conn)
    await outlet.finish()


router.add_websocket_route("/ws/events/{event_id:int}", event_socket)
SOCKET_PATH = re.compile(r"/ws/events/([0-9]+)")  # the route's path, as Starlette's int matches


class SocketDoor:
    """ASGI middleware that hands the event socket its connection straight away.

    Every layer a socket passes through keeps its frame alive as long as the socket is open,
    which is all day: through the whole stack (exception handling, the dependency exit stack,
    routers, the body limits) that was about a dozen frames and their objects for each of
    thousands of sockets. Installed inside the proxy-headers middleware, so the socket still
    counts the address the proxy names; any other socket path goes on to the router.
    """

    def __init__(self, app: types.ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: types.Scope, receive: types.Receive, send: types.Send) -> None:
        if scope["type"] == "websocket":
            path, root = scope["path"], scope.get("root_path", "")
            found = SOCKET_PATH.fullmatch(
                path[len(root) :] if root and path.startswith(root) else path
            )
            if found is not None:
                scope["path_params"] = {"event_id": int(found[1])}
                await event_socket(WebSocket(scope, receive, send))
                return
        await self.app(scope, receive, send)


def _whole_number(text: str) -> bool:
    # Within the log's seq range, so the database driver never sees an overflowing integer.
    return text.removeprefix("-").isdigit() and abs(int(text)) <= MAX_ID


async def read_loop(
    websocket: WebSocket, conn: Connection, db: Database, who: Who, limits: Limits
) -> None:
    while not conn.outlet.closed():
        try:
            frame = await websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if frame["type"] == "websocket.disconnect":
            return
        text = frame.get("text")
        reply = await answer(text, db, who, limits) if text is not None else _binary_refused()
        conn.offer(Outgoing(reply))


def _binary_refused() -> str:
    return _error("", "malformed", "Messages are JSON in text frames; binary frames are not read.")


async def answer(text: str, db: Database, who: Who, limits: Limits | None = None) -> str:
    """Exactly one ack or error for each client message; malformed ones too.

    Writes from anyone but an organiser spend the address's write budget, shared with REST.
    """
    ref = ""
    try:
        limit = protocol.MAX_INBOUND_BYTES
        if len(text) > limit or len(text.encode()) > limit:
            raise _Bad("too_large", "Messages are limited to 16 KB.")
        raw = _parse(text)
        ref = str(raw.get("ref", ""))[:100] if isinstance(raw, dict) else ""
        kind = raw.get("type") if isinstance(raw, dict) else None
        if not isinstance(kind, str) or kind not in protocol.INBOUND_TYPES:
            raise _Bad("unknown_type", "Unknown message type.")
        message = protocol.INBOUND.validate_python(raw)
        counted = limits if message.type != "ping" and who.user_id is None else None
        async with db.write_gate:
            seq, data = await run_in_threadpool(_run, db, who, message, counted)
        return encode({"type": "ack", "ref": ref, "seq": seq, "data": data})
    except ValidationError as exc:
        return _error(ref, "validation_failed", _first(exc))
    except _Bad as exc:
        return _error(ref, exc.code, exc.message)
    except RateLimited as exc:
        return _error(ref, exc.code, exc.message, retry_after=exc.retry_after)
    except GlimpseError as exc:
        return _error(ref, exc.code, exc.message)
    except Exception:
        log.exception("websocket message failed")
        return _error(ref, "internal_error", "Something went wrong on our side.")


def _parse(text: str) -> Any:
    # pydantic's parser refuses nesting past 200 levels; json.loads would hit Python's own
    # recursion limit on a 16 KB message of brackets.
    try:
        return from_json(text)
    except ValueError:
        raise _Bad("malformed", "That message is not JSON, or is nested too deeply.") from None


def _run(
    db: Database, who: Who, message: Any, limits: Limits | None
) -> tuple[int | None, dict[str, Any]]:
    """The message's whole unit of work in one worker thread: a hop costs a turn of the loop."""
    if limits is not None:
        limits.hit(limits.write, who.address)
    with db.session() as session:
        caller = Caller(
            user=session.get(User, who.user_id) if who.user_id else None,
            attendee=session.get(Attendee, who.attendee_id) if who.attendee_id else None,
        )
        data = HANDLERS[message.type](session, caller, message.data)
        rows = session.info.get("log_rows", [])
        return (rows[-1].seq if rows else None), data


class _Bad(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message


def _error(ref: str, code: str, message: str, **more: Any) -> str:
    error = {"code": code, "message": message, **more}
    return encode({"type": "error", "ref": ref, "error": error})


def _first(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
