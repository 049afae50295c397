"""Pairing session screens: no facilitator's password on a shared projector PC.

An unpaired screen asks for a code (`request_code`) and shows it; a facilitator types it in the
console (`pair_screen`), and from then on the screen's cookie lets it see that event's screen,
as a viewer of role `screen` (server/services/access.py): it cannot post, moderate or read what
only facilitators read. `unpair_screen` revokes it; its open sockets close at once (the hub
closes them on the `screen.unpaired` row).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session, col, select

from server.errors import NotFound
from server.lib.ratelimit import Limits
from server.lib.security import new_token, token_hash
from server.lib.timeutil import as_utc, utcnow
from server.models.accounts import User
from server.models.events import Event
from server.models.screens import PAIRING_CODE_LENGTH, PairedScreen, ScreenPairing
from server.realtime import log
from server.services import audit
from server.services.access import (
    require_event_assistant,
    require_event_reader,
    require_not_frozen,
)
from server.services.join_codes import JOIN_ALPHABET, normalise_join_code

CODE_LIFETIME = timedelta(minutes=10)


class NotPaired(NotFound):
    message = "No paired screen has that id."


TOKEN_PREFIX = "gls"  # noqa: S105 (a prefix, as glp_ and gla_)


def screen_for_token(session: Session, *, token: str, secret_key: str) -> ScreenPairing | None:
    """The screen this cookie belongs to, paired or waiting; None once revoked or unknown."""
    found = session.exec(
        select(ScreenPairing).where(ScreenPairing.token_hash == token_hash(secret_key, token))
    ).first()
    return None if found is None or found.revoked_at is not None else found


def request_code(
    session: Session,
    *,
    screen: ScreenPairing | None,
    secret_key: str,
    limits: Limits,
    address: str,
) -> tuple[ScreenPairing, str | None]:
    """A code for this screen to show: its own while it lasts, else a new one. A screen with no
    credential yet gets one (the token returned, for its cookie; None when it keeps its own)."""
    if screen is not None and screen.event_id is not None:
        return screen, None
    now = utcnow()
    if screen is not None and as_utc(screen.code_expires_at) > now:
        return screen, None
    limits.hit(limits.screen_code, address)
    token = None
    if screen is None:
        token = new_token(TOKEN_PREFIX)
        screen = ScreenPairing(token_hash=token_hash(secret_key, token), code="")
    screen.code = _free_code(session)
    screen.code_expires_at = now + CODE_LIFETIME
    session.add(screen)
    session.flush()
    return screen, token


def _free_code(session: Session) -> str:
    """A code no screen waiting now shows (codes of paired or expired screens may come again)."""
    while True:
        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(PAIRING_CODE_LENGTH))
        if _waiting(session, code) is None:
            return code


def _waiting(session: Session, code: str) -> ScreenPairing | None:
    return session.exec(
        select(ScreenPairing).where(
            ScreenPairing.code == code,
            col(ScreenPairing.event_id).is_(None),
            col(ScreenPairing.revoked_at).is_(None),
            ScreenPairing.code_expires_at > utcnow(),
        )
    ).first()


def pair_screen(
    session: Session,
    *,
    actor: User | None,
    event: Event,
    code: str,
    limits: Limits,
    address: str,
) -> ScreenPairing:
    """Pair the screen showing `code` with this event (a facilitator or co-facilitator)."""
    user = require_event_assistant(session, actor=actor, event=event)
    require_not_frozen(event)
    limits.hit(limits.screen_pair, address)
    screen = _waiting(session, normalise_join_code(code))
    if screen is None:
        raise NotFound("No screen shows that code now; check it, or reload the screen.")
    screen.event_id, screen.paired_by_user_id, screen.paired_at = event.id, user.id, utcnow()
    session.add(screen)
    session.flush()
    _record(session, user, event, screen, "screen.paired")
    return screen


def unpair_screen(session: Session, *, actor: User | None, screen: ScreenPairing) -> None:
    """Revoke a paired screen: it shows a new code, and its cookie is never valid again."""
    event = session.get(Event, screen.event_id) if screen.event_id is not None else None
    if event is None or screen.revoked_at is not None:
        raise NotPaired()
    user = require_event_assistant(session, actor=actor, event=event)
    screen.revoked_at = utcnow()
    session.add(screen)
    session.flush()
    _record(session, user, event, screen, "screen.unpaired")


def _record(session: Session, user: User, event: Event, screen: ScreenPairing, type: str) -> None:
    audit.record(session, actor=user, action=type, event_id=event.id, details={"id": screen.id})
    payload = {"id": screen.id, "event_id": event.id}
    log.append(session, event_id=event.id, type=type, audience=log.FACILITATORS, payload=payload)


def screen_or_404(session: Session, *, screen_id: int) -> ScreenPairing:
    screen = session.get(ScreenPairing, screen_id)
    if screen is None or screen.event_id is None or screen.revoked_at is not None:
        raise NotPaired()
    return screen


def paired_screens(session: Session, *, actor: User | None, event: Event) -> list[PairedScreen]:
    """The event's screens that are paired now, for any member of its programme."""
    require_event_reader(session, actor=actor, event=event)
    rows = session.exec(
        select(ScreenPairing)
        .where(ScreenPairing.event_id == event.id, col(ScreenPairing.revoked_at).is_(None))
        .order_by(col(ScreenPairing.id))
    )
    return [paired_public(session, screen=screen) for screen in rows]


def paired_public(session: Session, *, screen: ScreenPairing) -> PairedScreen:
    assert screen.event_id is not None and screen.paired_at is not None
    by = session.get(User, screen.paired_by_user_id) if screen.paired_by_user_id else None
    return PairedScreen(
        id=screen.id,
        event_id=screen.event_id,
        paired_at=screen.paired_at,
        paired_by=(by.name or by.email) if by else "",
    )
