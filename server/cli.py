"""The `glimpse` command: serve, migrate, demo, accounts, tokens, freeze, redact, verify-archive."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import get_args

from server.db import Database
from server.errors import GlimpseError, NotFound
from server.models.archive import RedactionReason
from server.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from server.live.transport import WS_PROTOCOL
    from server.realtime.protocol import MAX_FRAME_BYTES

    uvicorn.run(
        "server.asgi:app",
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        ws=WS_PROTOCOL,
        ws_per_message_deflate=False,
        # X-Forwarded-For is believed only from these proxies: GLIMPSE_TRUSTED_PROXIES, else
        # uvicorn's own FORWARDED_ALLOW_IPS (127.0.0.1 unless set).
        ws_max_size=MAX_FRAME_BYTES,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies or None,
        log_level="info",
    )
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from server.migrate import upgrade

    upgrade(settings.effective_database_url)
    print(f"Database is at the newest schema: {_safe_url(settings)}")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from server.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo

    db = Database(settings.effective_database_url)
    with db.session() as session:
        loaded = load_demo(session, if_empty=args.if_empty)
    base = settings.public_base_url
    if loaded:
        print(f"Loaded the demo programme: {base}/console/p/{loaded.slug}")
    print(f"Console:      {base}/console")
    print(f"Demo sign-in: {DEMO_EMAIL} / {DEMO_PASSWORD}")
    print(f"API docs:     {base}/docs")
    return 0


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    from server.services import accounts

    db = Database(settings.effective_database_url)
    with db.session() as session:
        user = accounts.create_user(
            session,
            email=args.email,
            password=args.password,
            name=args.name or "",
            role="admin" if args.admin else "facilitator",
        )
        print(f"Created {user.role} {user.email}")
    return 0


def cmd_create_token(args: argparse.Namespace, settings: Settings) -> int:
    from server.services import accounts

    db = Database(settings.effective_database_url)
    with db.session() as session:
        token = accounts.create_token(
            session, email=args.email, secret_key=settings.effective_secret_key, label=args.label
        )
    print(token)
    return 0


def cmd_freeze(args: argparse.Namespace, settings: Settings) -> int:
    from server.services import accounts, archive, events

    db = Database(settings.effective_database_url)
    with db.session() as session:
        admin = accounts.user_by_email(session, email=args.as_email) if args.as_email else None
        event = events.event_or_404(session, event_id=args.event)
        events.transition(session, actor=admin, event=event, action="freeze")
        frozen = archive.archive_or_404(session, event_id=args.event)
        print(f"Froze event {event.id}: sha256 {frozen.sha256}")
    return 0


def cmd_redact(args: argparse.Namespace, settings: Settings) -> int:
    from server.models.archive import RedactionItem
    from server.services import accounts, events, redaction

    items = [
        RedactionItem(kind=kind, id=item_id)
        for kind in ("card", "note", "entry", "attendee")
        for item_id in getattr(args, kind) or []
    ]
    if not items:
        print("glimpse: name at least one --card, --note, --entry or --attendee.", file=sys.stderr)
        return 2
    db = Database(settings.effective_database_url)
    with db.session() as session:
        admin = accounts.user_by_email(session, email=args.as_email)
        if admin is None:
            raise NotFound(f"No account has the email {args.as_email}.")
        event = events.event_or_404(session, event_id=args.event)
        done = redaction.redact_archive(
            session,
            actor=admin,
            event=event,
            items=items,
            reason=args.reason,
            remove_content=args.remove_content,
        )
    counts = ", ".join(f"{kind} {n}" for kind, n in done.counts.items() if n)
    print(f"Event {done.event_id} is at version {done.version}: sha256 {done.sha256}")
    print(f"It replaces {done.replaces}; removed: {counts or 'nothing'}")
    return 0


def cmd_verify_archive(args: argparse.Namespace, settings: Settings) -> int:
    from server.services import archive

    db = Database(settings.effective_database_url)
    with db.session(write=False) as session:
        results = archive.verify(session, event_id=args.event)
    bad = [event_id for event_id, ok in results if not ok]
    for event_id, ok in results:
        print(f"event {event_id}: {'ok' if ok else 'MISMATCH'}")
    if not results:
        print("No frozen archives to verify.")
    return 1 if bad else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="glimpse", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="upgrade the database to the newest schema")
    demo = sub.add_parser("demo", help="load the demo programme")
    demo.add_argument("--if-empty", action="store_true", help="only when no programme exists")
    user = sub.add_parser("create-user", help="create an organiser account")
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--name")
    user.add_argument("--admin", action="store_true")
    token = sub.add_parser("create-token", help="make a bearer API token for an account")
    token.add_argument("--email", required=True)
    token.add_argument("--label", default="")
    freeze = sub.add_parser("freeze", help="freeze an ended event into the archive")
    freeze.add_argument("--event", type=int, required=True)
    freeze.add_argument("--as-email", required=True, help="the facilitator or admin doing it")
    redact = sub.add_parser("redact", help="make a new version of a frozen archive without items")
    redact.add_argument("--event", type=int, required=True)
    for kind in ("card", "note", "entry", "attendee"):
        redact.add_argument(f"--{kind}", type=int, action="append", metavar="ID")
    redact.add_argument("--reason", choices=get_args(RedactionReason), default="personal_data")
    redact.add_argument(
        "--remove-content", action="store_true", help="an attendee's cards and notes go too"
    )
    redact.add_argument("--as-email", required=True, help="the administrator doing it")
    verify = sub.add_parser(
        "verify-archive", help="recompute every archive version's SHA-256 and check the chain"
    )
    verify.add_argument("--event", type=int)
    return p


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "demo": cmd_demo,
    "create-user": cmd_create_user,
    "create-token": cmd_create_token,
    "freeze": cmd_freeze,
    "redact": cmd_redact,
    "verify-archive": cmd_verify_archive,
}


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args, Settings())
    except GlimpseError as exc:
        print(f"glimpse: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
