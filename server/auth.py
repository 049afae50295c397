"""Who is asking: the viewer from a cookie or a bearer token, for HTTP and WebSocket alike.

The FastAPI dependencies in server/api/deps.py and the WebSocket door in server/live/ws.py
both call `viewer_for`; neither parses a header or a cookie itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import HTTPConnection

from server.models.accounts import LoginSession, User
from server.models.attendees import Attendee
from server.models.screens import ScreenPairing
from server.services import accounts, attendees, screens
from server.services.access import Caller

SESSION_COOKIE = "glimpse_session"
ATTENDEE_COOKIE = "glimpse_attendee"
SCREEN_COOKIE = "glimpse_screen"


@dataclass(frozen=True)
class Viewer:
    """Who is asking: an organiser (by cookie or token), an attendee, a session screen (paired
    or waiting), or nobody in particular."""

    user: User | None = None
    login: LoginSession | None = None
    attendee: Attendee | None = None
    attendee_token: str | None = None
    screen: ScreenPairing | None = None

    @property
    def caller(self) -> Caller:
        return Caller(user=self.user, attendee=self.attendee, screen=self.screen)


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer ...` header, on a request or a socket."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def viewer_for(connection: HTTPConnection, session: Session, *, secret_key: str) -> Viewer:
    """Resolve the caller of a request or a socket from its bearer token or its cookies."""
    return resolve_viewer(
        session,
        secret_key=secret_key,
        bearer=bearer_token(connection),
        session_cookie=connection.cookies.get(SESSION_COOKIE),
        attendee_cookie=connection.cookies.get(ATTENDEE_COOKIE),
        screen_cookie=connection.cookies.get(SCREEN_COOKIE),
    )


def resolve_viewer(
    session: Session,
    *,
    secret_key: str,
    bearer: str | None,
    session_cookie: str | None,
    attendee_cookie: str | None,
    screen_cookie: str | None = None,
) -> Viewer:
    """glp_ bearer tokens are organisers', gla_ attendees'; otherwise the cookies decide."""
    if bearer and bearer.startswith("glp_"):
        return Viewer(
            user=accounts.user_for_api_token(session, token=bearer, secret_key=secret_key)
        )
    if bearer and bearer.startswith("gla_"):
        attendee = attendees.attendee_for_token(session, token=bearer, secret_key=secret_key)
        return Viewer(attendee=attendee, attendee_token=bearer if attendee else None)
    found = (
        accounts.session_for_cookie(session, token=session_cookie, secret_key=secret_key)
        if session_cookie
        else None
    )
    attendee = (
        attendees.attendee_for_token(session, token=attendee_cookie, secret_key=secret_key)
        if attendee_cookie
        else None
    )
    screen = (
        screens.screen_for_token(session, token=screen_cookie, secret_key=secret_key)
        if screen_cookie
        else None
    )
    return Viewer(
        user=found[0] if found else None,
        login=found[1] if found else None,
        attendee=attendee,
        attendee_token=attendee_cookie if attendee else None,
        screen=screen,
    )
