"""Attendees: joining an event with its code, no account, a random token in a cookie."""

from __future__ import annotations

from sqlmodel import Session, select

from server.errors import NotFound
from server.models.attendees import Attendee
from server.models.events import Event
from server.security import new_token, token_hash
from server.services import privacy
from server.services.events import normalise_join_code
from server.text import clean

JOINABLE = ("draft", "live")


def join(
    session: Session,
    *,
    code: str,
    secret_key: str,
    display_name: str = "",
    organisation: str = "",
    current: Attendee | None = None,
) -> tuple[Attendee, str | None]:
    """Join the event behind a code; an attendee of that event already is kept (token None).

    A name or organisation that looks like personal data is refused before anything is stored.
    """
    display_name, organisation = clean(display_name).strip(), clean(organisation).strip()
    privacy.check_name(display_name, field="display_name")
    privacy.check_name(organisation, field="organisation")
    event = session.exec(select(Event).where(Event.join_code == normalise_join_code(code))).first()
    if event is None or event.status not in JOINABLE:
        raise NotFound("That code does not open a live event. Check the code on the screen.")
    if current is not None and current.event_id == event.id:
        if display_name and display_name != current.display_name:
            current.display_name = display_name
            session.add(current)
            session.flush()
        return current, None
    token = new_token("gla")
    attendee = Attendee(
        event_id=event.id,
        token_hash=token_hash(secret_key, token),
        display_name=display_name,
        organisation=organisation,
    )
    session.add(attendee)
    session.flush()
    return attendee, token


def attendee_for_token(session: Session, *, token: str, secret_key: str) -> Attendee | None:
    return session.exec(
        select(Attendee).where(Attendee.token_hash == token_hash(secret_key, token))
    ).first()
