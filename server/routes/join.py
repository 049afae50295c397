"""Joining an event from a phone: the code, an optional name, a cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from server.models.attendees import AttendeePublic, JoinRequest, JoinResponse
from server.ratelimit import client_address
from server.routes.deps import ATTENDEE_COOKIE, AppLimits, AppSettings, CurrentViewer, DbSession
from server.routes.openapi import errors
from server.services import attendees

router = APIRouter(prefix="/api/v1", tags=["attendees"])
ATTENDEE_COOKIE_DAYS = 60


@router.post("/join", responses=errors(404))
def join(
    body: JoinRequest,
    request: Request,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    limits: AppLimits,
    viewer: CurrentViewer,
) -> JoinResponse:
    """Join with the event's code: no account, an HttpOnly cookie keeps you in across days.

    429 when the caller's address has joined too many people just now, or the event is full.
    """
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
    token = token or viewer.attendee_token or ""
    response.set_cookie(
        ATTENDEE_COOKIE,
        token,
        max_age=ATTENDEE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    return JoinResponse(
        attendee=AttendeePublic(id=attendee.id, display_name=attendee.display_name),
        event_id=attendee.event_id,
        token=token,
    )
