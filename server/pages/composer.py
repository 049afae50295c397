"""The facilitator's live-blog composer in the console: Markdown with a live preview, pictures,
pins, edits and deletions, then live by socket like the public page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.api.deps import DbSession, EventById
from server.lib.timeutil import utcnow
from server.models.events import Event
from server.models.programmes import Programme
from server.pages.public import BLANK_ENTRY
from server.pages.render import Organiser, page
from server.services import events, liveblog
from server.services import liveblog_pages as pages
from server.services.access import require_event_reader

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)


@router.get("/events/{event_id}/blog", response_class=HTMLResponse)
def composer_page(
    request: Request, event: EventById, session: DbSession, viewer: Organiser
) -> Response:
    """Write the live blog: Markdown with a live preview, pictures, pins, edits and deletions."""
    require_event_reader(session, actor=viewer.user, event=event)
    return page(request, "console/blog.html", **composer_context(session, event), viewer=viewer)


def composer_context(session: DbSession, event: Event) -> dict[str, Any]:
    agenda = events.agenda(session, event=event)
    found = pages.page(session, event=event, before=None)
    now_item = pages.now_item(agenda, utcnow(), live=True, chosen=event.now_item_id)
    return {
        "event": events.event_public(session, event=event),
        "programme": session.get(Programme, event.programme_id),
        "agenda": agenda,
        "agenda_titles": {item.id: item.title for item in agenda},
        "current_item_id": now_item.id if now_item else None,
        "pinned": [liveblog.entry_public(e) for e in found.pinned],
        "entries": [liveblog.entry_public(e) for e in found.entries],
        "next_before": found.next_before,
        "controls": event.status != "frozen",
        "blank": BLANK_ENTRY,
    }
