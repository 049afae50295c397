"""create_app(): the FastAPI application, its middleware, routers and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from server.api import (
    archive,
    audit,
    auth,
    boards,
    breakouts,
    errors,
    events,
    join,
    liveblog,
    openapi,
    ops,
    people,
    programmes,
    room,
    screens,
)
from server.db import Database
from server.errors import SignInFirst
from server.lib.ratelimit import Limits
from server.lib.timeutil import as_utc, british, british_day, iso
from server.live import ws
from server.live.broker import make_broker
from server.live.hub import Hub, log_readers
from server.live.pagecache import PageCache, fingerprint_reader
from server.live.presence import peak_recorder
from server.live.statecache import StateCache
from server.middleware import HeadAsGet, LimitsAndHeaders
from server.pages import archive as archive_pages
from server.pages import attendee, composer, console, console_boards, public, render, screen
from server.pages import breakouts as breakout_pages
from server.pages import people as people_pages
from server.settings import Settings

WEB = Path(__file__).resolve().parent.parent / "web"


def make_templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=WEB / "templates")
    templates.env.autoescape = True
    zone = ZoneInfo(settings.timezone)

    def local(value: datetime | None, fmt: str = "%a %-d %B %Y, %H:%M") -> str:
        return british(as_utc(value).astimezone(zone), fmt) if value else ""

    templates.env.filters["iso"] = iso
    templates.env.filters["local"] = local
    templates.env.filters["day"] = british_day
    return templates


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build an app; everything that lives for the process is made in its lifespan."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        db = Database(settings.effective_database_url)
        page_cache = PageCache(
            settings.page_cache_bytes, fingerprint_reader(lambda: db.session(write=False))
        )
        hub = Hub(
            make_broker(settings.broker_url),
            *log_readers(db),
            record_peak=peak_recorder(db),
            poll_seconds=settings.ws_poll_seconds,
            cache=page_cache,
        )
        await hub.start()
        db.publish = hub.publish
        db.changed = hub.changed
        yield {
            "settings": settings,
            "db": db,
            "hub": hub,
            "page_cache": page_cache,
            "state_cache": StateCache(page_cache.token),
            "templates": make_templates(settings),
            "limits": Limits(settings),
        }
        await hub.stop()
        db.dispose()

    app = FastAPI(
        title="Glimpse",
        version="1",
        summary="Live days of improvement programmes.",
        lifespan=lifespan,
    )
    app.add_middleware(
        LimitsAndHeaders, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes
    )
    app.add_middleware(HeadAsGet)
    app.add_middleware(ws.SocketDoor)  # event sockets skip what is inside (and all day)
    if settings.trusted_proxies:
        # Outermost, so every route and the WebSocket door count the client the proxy names.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    errors.install(app)
    app.add_exception_handler(SignInFirst, render.sign_in_first)
    api = (ops, auth, audit, programmes, events, boards, room, screens, join, people, liveblog)
    pages = (console, console_boards, people_pages, breakout_pages, screen, attendee)
    for module in (*api, breakouts, archive, *pages, archive_pages, public, composer):
        app.include_router(module.router)
    app.include_router(ws.router)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    openapi.install(app)
    return app
