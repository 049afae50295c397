"""Pages of the room: joining by code or QR, the attendee's phone app, the session screen."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from server.api.deps import AppSettings, CurrentViewer, DbSession, EventById
from server.errors import NotFound
from server.models.events import Event, EventState
from server.pages.render import page, see_other
from server.pages.screen import pairing_page
from server.realtime.audience import Scope
from server.realtime.projections import SCREEN_PUBLIC_KEY, card_for
from server.services import access, breakouts, events, room, state
from server.settings import Settings

router = APIRouter(tags=["room pages"], include_in_schema=False)
# The code never changes and the address only with the deployment: cache the picture a day.
QR_CACHE = "public, max-age=86400"
# A code is six characters; people add spaces and dashes. Anything longer is not a code.
MAX_TYPED_CODE = 20


def join_link(settings: Settings, event: Event) -> str:
    return f"{settings.public_base_url.rstrip('/')}/j/{event.join_code}"


def _qr(link: str) -> qrcode.QRCode:
    # Medium error correction survives a glare spot on the projector or a crease in a poster.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(link)
    code.make(fit=True)
    return code


def _image_bytes(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def _missing(request: Request, session: Session, exc: NotFound, code: str = "") -> Response:
    """The code form again, saying why; a frozen day's code links to its summary."""
    code = code[:MAX_TYPED_CODE]
    try:
        event = room.event_for_code(session, code=code)
    except NotFound:
        event = None
    over = events.event_public(session, event=event) if event and event.status == "frozen" else None
    return page(request, "attendee/code.html", 404, error=exc.message, code=code, over=over)


@router.get("/join", response_class=HTMLResponse)
def type_the_code(request: Request, session: DbSession, code: str = "") -> Response:
    """Type the code from the screen; one that opens an event goes straight to its page."""
    if not code.strip():
        return page(request, "attendee/code.html")
    try:
        event = room.joinable_event(session, code=code[:MAX_TYPED_CODE])
    except NotFound as exc:
        return _missing(request, session, exc, code)
    return see_other(f"/j/{event.join_code}")


@router.get("/j/{code}", response_class=HTMLResponse)
def join_page(
    request: Request,
    code: str,
    session: DbSession,
    viewer: CurrentViewer,
    group: int | None = None,
) -> Response:
    """What the QR code opens: an optional name and a Join button; members go straight in.

    A table card's code carries `?group=`: joining then also seats the attendee at that table,
    and a phone already in the event goes straight to that table's group page, which seats it
    there by the rules of breakouts. While breakouts are open, the code (scanned or typed)
    lands on the attendee's group or the picker, not on the board.
    """
    try:
        event = room.joinable_event(session, code=code[:MAX_TYPED_CODE])
    except NotFound as exc:
        return _missing(request, session, exc, code)
    query = f"?group={group}" if group is not None else ""
    groups_open = breakouts.any_open(session, event=event)
    if viewer.attendee is not None and viewer.attendee.event_id == event.id:
        landing = "/breakout" if group is not None or groups_open else ""
        return see_other(f"/a/{event.id}{landing}{query}")
    if code != event.join_code:
        return see_other(f"/j/{event.join_code}{query}")
    public = events.event_public(session, event=event)
    return page(request, "attendee/join.html", event=public, group=group, groups_open=groups_open)


@router.get("/j/{code}/qr.svg")
def join_qr_svg(code: str, session: DbSession, settings: AppSettings) -> Response:
    """The join QR code as SVG, sharp at any size on the screen."""
    event = room.event_for_code(session, code=code[:MAX_TYPED_CODE])
    image = _qr(join_link(settings, event)).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return Response(
        _image_bytes(image), media_type="image/svg+xml", headers={"Cache-Control": QR_CACHE}
    )


@router.get("/j/{code}/qr.png")
def join_qr_png(code: str, session: DbSession, settings: AppSettings) -> Response:
    """The join QR code as a large PNG to download, for slides and posters."""
    event = room.event_for_code(session, code=code[:MAX_TYPED_CODE])
    code_image = _qr(join_link(settings, event))
    code_image.box_size = 24
    headers = {
        "Cache-Control": QR_CACHE,
        "Content-Disposition": f'attachment; filename="join-{event.join_code}.png"',
    }
    return Response(_image_bytes(code_image.make_image()), media_type="image/png", headers=headers)


@router.get("/a/{event_id}", response_class=HTMLResponse)
def attendee_app(
    request: Request, event: EventById, session: DbSession, viewer: CurrentViewer
) -> Response:
    """The attendee's phone app: what the facilitator opened, the card form, their dots."""
    if viewer.attendee is None or viewer.attendee.event_id != event.id:
        return see_other(f"/j/{event.join_code}")
    snapshot = state.load_state(
        session, event=event, role="attendee", attendee_id=viewer.attendee.id
    )
    return page(
        request,
        "attendee/app.html",
        event=snapshot.event,
        attendee=viewer.attendee,
        board=focus_board(snapshot),
    )


@router.get("/screen/{event_id}", response_class=HTMLResponse)
def session_screen(
    request: Request,
    event: EventById,
    session: DbSession,
    settings: AppSettings,
    viewer: CurrentViewer,
) -> Response:
    """The projector's page: on a screen paired with this event, or in the browser of a member
    of its programme; anywhere else, the code to pair it with. Never needs a mouse."""
    member = access.is_facilitator(session, actor=viewer.user, programme_id=event.programme_id)
    if not member and access.screen_of(viewer.caller, event) is None:
        return pairing_page(request, event)
    snapshot = state.load_state(session, event=event, role="facilitator" if member else "screen")
    board = focus_board(snapshot)
    return page(
        request,
        "screen/screen.html",
        event=snapshot.event,
        screen=snapshot.screen,
        join_link=join_link(settings, event),
        join_host=_host(settings),
        board=board,
        cards=screen_cards(board),
    )


def screen_cards(board: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The focus board's cards as the room's screen shows them, even in a facilitator's browser
    (which loaded them whole): visible ones, kept to consent where the board says so."""
    if board is None:
        return []
    screen = Scope(role="screen")
    flag = {SCREEN_PUBLIC_KEY: bool(board.get("screen_public_only"))}
    shown = (card_for(screen, {**c, **flag}) for c in board.get("cards", []))
    return [s[1] for s in shown if s is not None and s[1]["status"] == "visible"]


def _host(settings: Settings) -> str:
    """The service's address as people type it: no scheme, no trailing slash."""
    parts = urlsplit(settings.public_base_url)
    return (parts.netloc + parts.path).rstrip("/")


def focus_board(snapshot: EventState) -> dict[str, Any] | None:
    """The board the room is looking at: the screen's, else the first open one, else any."""
    shown = [b for b in snapshot.boards if b["state"] != "hidden"]
    target = snapshot.screen.target_id
    if snapshot.screen.mode == "spotlight":
        target = next((b["id"] for b in shown for c in b["cards"] if c["id"] == target), None)
    elif snapshot.screen.mode not in ("board", "results"):
        target = None
    by_target = [b for b in shown if b["id"] == target]
    open_boards = [b for b in shown if b["state"] == "open"]
    return next(iter(by_target + open_boards + shown), None)
