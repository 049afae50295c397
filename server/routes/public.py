"""Public pages that need no sign-in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["public"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """What Glimpse is, and the way in for facilitators."""
    return request.state.templates.TemplateResponse(request, "home.html", {})  # type: ignore[no-any-return]
