"""Sign-in for organisers: login, logout, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from server.api.deps import AppSettings, CurrentViewer, DbSession, check_csrf
from server.api.openapi import errors
from server.auth import SESSION_COOKIE
from server.errors import BadCredentials, NotSignedIn
from server.lib.ratelimit import Limits, client_address
from server.models.accounts import LoginRequest, LoginResponse, UserPublic
from server.services import accounts
from server.settings import Settings

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )


def sign_in(
    request: Request, session: DbSession, settings: Settings, email: str, password: str
) -> accounts.SignedIn:
    """The one sign-in path shared by the API and the console's form.

    Failures are counted by address, by address and email, and by email; see Limits.check_sign_in.
    """
    limits: Limits = request.state.limits
    address = client_address(request)
    limits.check_sign_in(address, email)
    try:
        signed_in = accounts.login(
            session,
            email=email,
            password=password,
            secret_key=settings.effective_secret_key,
            days=settings.session_days,
        )
    except BadCredentials:
        limits.sign_in_failed(address, email)
        raise
    limits.signed_in(address, email)
    return signed_in


@router.post("/login", responses=errors(401, 429))
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: DbSession,
    settings: AppSettings,
) -> LoginResponse:
    """Sign in with email and password; sets the HttpOnly session cookie."""
    signed_in = sign_in(request, session, settings, body.email, body.password)
    set_session_cookie(response, settings, signed_in.token)
    return LoginResponse(
        user=UserPublic.model_validate(signed_in.user.model_dump()), csrf_token=signed_in.csrf_token
    )


@router.post("/logout", status_code=204)
def logout(
    request: Request,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    viewer: CurrentViewer,
) -> None:
    """End this sign-in session and clear its cookie."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and viewer.login is not None:
        check_csrf(viewer.login, request.headers.get("x-csrf-token"))
        accounts.logout(session, token=cookie, secret_key=settings.effective_secret_key)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me")
def me(viewer: CurrentViewer) -> LoginResponse:
    """The signed-in organiser, and the CSRF token their cookie writes must carry."""
    if viewer.user is None:
        raise NotSignedIn()
    return LoginResponse(
        user=UserPublic.model_validate(viewer.user.model_dump()),
        csrf_token=viewer.login.csrf_token if viewer.login else "",
    )
