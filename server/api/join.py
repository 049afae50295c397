"""Joining an event from a phone: the code, an optional name, a cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from server.api.deps import in_one_hop
from server.api.openapi import errors
from server.auth import ATTENDEE_COOKIE, Viewer
from server.lib.ratelimit import Limits, client_address
from server.models.attendees import AttendeePublic, JoinRequest, JoinResponse
from server.services import attendees
from server.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["attendees"])
ATTENDEE_COOKIE_DAYS = 60


@router.post("/join", responses=errors(401, 403, 404))
async def join(body: JoinRequest, request: Request, response: Response) -> JoinResponse:
    """Join with the event's code: no account, an HttpOnly cookie keeps you in across days.

    429 when the caller's address has joined too many people just now, or the event is full.
    """
    settings: Settings = request.state.settings
    limits: Limits = request.state.limits

    def join_event(session: Session, viewer: Viewer) -> JoinResponse:
        attendee, token = attendees.join(
            session,
            code=body.code,
            secret_key=settings.effective_secret_key,
            display_name=body.display_name,
            organisation=body.organisation,
            current=viewer.attendee,
            limits=limits,
            address=client_address(request),
        )
        return JoinResponse(
            attendee=AttendeePublic(id=attendee.id, display_name=attendee.display_name),
            event_id=attendee.event_id,
            token=token or viewer.attendee_token or "",
        )

    # A phone's first request: a whole hall of them may come at once (one hop to a thread).
    joined = await in_one_hop(request, join_event, csrf=False)
    response.set_cookie(
        ATTENDEE_COOKIE,
        joined.token,
        max_age=ATTENDEE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return joined
