"""Pages for breakout groups: printable table cards and the facilitator's overview (console),
and the attendee's group on their phone."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from server.api.deps import AppSettings, CurrentViewer, DbSession, EventById
from server.models.events import Event
from server.models.programmes import Programme
from server.pages.render import Organiser, page, see_other
from server.services import access, breakouts, events
from server.services.access import require_event_reader
from server.settings import Settings

router = APIRouter(tags=["breakout pages"], include_in_schema=False)


def group_link(settings: Settings, event: Event, breakout_id: int) -> str:
    """Where a table card's QR code goes: the event's join page, straight into this group."""
    base = settings.public_base_url.rstrip("/")
    return f"{base}/j/{quote(event.join_code)}?group={breakout_id}"


def qr_svg(link: str) -> Markup:
    """An inline SVG QR code (no <?xml?> prologue), sized by CSS."""
    # Medium error correction survives a crease or a coffee ring on a printed table card.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(link)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg: str = image.to_string(encoding="unicode")
    # Several codes share a page: drop the fixed path id, which would repeat.
    svg = svg[svg.index("<svg") :].replace(' id="qr-path"', "")
    # Made here from our own URL (the code and group id are ours, not typed by anyone).
    return Markup(svg)  # noqa: S704


def _programme(session: DbSession, viewer: Organiser, event: Event) -> Programme:
    """The event's programme, for one of its facilitators or members."""
    require_event_reader(session, actor=viewer.user, event=event)
    programme = session.get(Programme, event.programme_id)
    assert programme is not None
    return programme


@router.get("/console/events/{event_id}/tables", response_class=HTMLResponse)
def table_cards(
    request: Request,
    event: EventById,
    session: DbSession,
    settings: AppSettings,
    viewer: Organiser,
) -> Response:
    """One A5 card per group to print and put on its table: name, prompt, a QR code to join."""
    programme = _programme(session, viewer, event)
    cards = [
        {"group": b, "qr": qr_svg(group_link(settings, event, b.id))}
        for b in breakouts.event_breakouts(session, event=event)
    ]
    return page(
        request,
        "breakouts/tables.html",
        viewer=viewer,
        event=events.event_public(session, event=event),
        programme=programme,
        cards=cards,
    )


@router.get("/console/events/{event_id}/breakouts", response_class=HTMLResponse)
def overview(request: Request, event: EventById, session: DbSession, viewer: Organiser) -> Response:
    """All groups side by side, live: members, who is writing, their notes; timer, report-back."""
    programme = _programme(session, viewer, event)
    scope = access.scope_of(session, role="facilitator")
    return page(
        request,
        "breakouts/overview.html",
        viewer=viewer,
        event=events.event_public(session, event=event),
        programme=programme,
        groups=breakouts.breakouts_as_seen(session, event=event, scope=scope),
    )


@router.get("/a/{event_id}/breakout", response_class=HTMLResponse)
def phone(
    request: Request,
    event: EventById,
    session: DbSession,
    viewer: CurrentViewer,
    group: int | None = None,
) -> Response:
    """The attendee's group: its prompt and notes, live; or the groups to pick from.

    `?group=` comes from a table card scanned by a phone already in the event: the page then
    asks to sit at that table (a POST, by the rules of breakouts), so a GET changes nothing.
    """
    if viewer.attendee is None or viewer.attendee.event_id != event.id:
        query = f"?group={group}" if group is not None else ""
        return see_other(f"/j/{quote(event.join_code)}{query}")
    scope = access.scope_of(session, role="attendee", attendee_id=viewer.attendee.id)
    groups = breakouts.breakouts_as_seen(session, event=event, scope=scope)
    return page(
        request,
        "breakouts/phone.html",
        event=events.event_public(session, event=event),
        attendee=viewer.attendee,
        group=my_group(groups, scope.groups),
        table=group,
    )


def my_group(groups: list[dict[str, Any]], mine: set[int]) -> dict[str, Any] | None:
    """The group an attendee is in: their open one, else the latest closed one."""
    member_of = [g for g in groups if g["id"] in mine]
    open_ones = [g for g in member_of if g["state"] == "open"]
    if open_ones:
        return open_ones[0]
    return member_of[-1] if member_of else None
