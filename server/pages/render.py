"""What every HTML page shares: rendering a template, redirects, and the organiser and form
dependencies (a signed-in organiser, a CSRF-checked form, fields read by the API's schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from server.api.deps import (
    CurrentViewer,
    check_csrf,
)
from server.auth import Viewer
from server.errors import BadInput, GlimpseError, SignInFirst
from server.settings import Settings

FormStr = Annotated[str, Form()]
Schema = TypeVar("Schema", bound=BaseModel)


async def sign_in_first(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return see_other(f"/console/login?next={quote(target)}")


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    response: HTMLResponse = request.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )
    viewer = context.get("viewer")
    if viewer is not None and viewer.login is not None:
        # The page carries this sign-in's CSRF token (base.html): never for a shared cache.
        response.headers["Cache-Control"] = "private, no-store"
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def form_csrf(viewer: CurrentViewer, token: str) -> None:
    check_csrf(viewer.login, token)


def _organiser(viewer: CurrentViewer) -> Viewer:
    """A console page's viewer, signed in; anyone else is sent to sign in first."""
    if viewer.user is None:
        raise SignInFirst()
    return viewer


def _checked_form(viewer: Annotated[Viewer, Depends(_organiser)], csrf_token: FormStr) -> Viewer:
    """A console form's sender, signed in and with the form's CSRF token checked."""
    form_csrf(viewer, csrf_token)
    return viewer


# The doors of console pages and of their forms take the organiser from these.
Organiser = Annotated[Viewer, Depends(_organiser)]
CheckedForm = Annotated[Viewer, Depends(_checked_form)]


def local_datetime(value: str, settings: Settings) -> datetime | None:
    """A datetime-local field, read in the venue's time zone."""
    if not value.strip():
        return None
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadInput("Times look like 2026-11-23 10:30.") from exc
    return naive.replace(tzinfo=ZoneInfo(settings.timezone)) if naive.tzinfo is None else naive


class FormInvalid(BadInput):
    status = 422


def parsed(schema: type[Schema], fields: dict[str, Any]) -> Schema:
    """A form's fields read by the API's own schema; the first field that fails is named."""
    try:
        return schema.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise FormInvalid(f"{field}: {first['msg']}") from exc


def said(problem: GlimpseError) -> dict[str, Any]:
    """What a page shown again after a failed form is told: the status and the message."""
    return {"status": problem.status, "error": problem.message}
