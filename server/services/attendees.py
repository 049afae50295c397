"""Attendees: joining an event with its code, no account, a random token in a cookie."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from server.errors import NotFound, RateLimited
from server.lib.ratelimit import Limits
from server.lib.security import new_token, token_hash
from server.lib.text import clean
from server.models.attendees import Attendee
from server.models.events import Event
from server.services import privacy
from server.services.join_codes import normalise_join_code

JOINABLE = ("draft", "live")
# A full event does not empty by itself; the phone may look again in a while.
FULL_RETRY_SECONDS = 300


class EventFull(RateLimited):
    code = "event_full"


def join(
    session: Session,
    *,
    code: str,
    secret_key: str,
    display_name: str = "",
    organisation: str = "",
    current: Attendee | None = None,
    limits: Limits | None = None,
    address: str = "",
) -> tuple[Attendee, str | None]:
    """Join the event behind a code; an attendee of that event already is kept (token None).

    A name or organisation that looks like personal data is refused before anything is stored;
    a new attendee spends one of its address's joins, and the event must have room for it.
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
    if limits is not None:
        _admit(session, event, limits, address)
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


def _admit(session: Session, event: Event, limits: Limits, address: str) -> None:
    limits.hit(limits.join, address)
    cap = limits.max_attendees
    if cap > 0 and _attendee_count(session, event) >= cap:
        raise EventFull(
            FULL_RETRY_SECONDS,
            f"This event has room for {cap} people and is full; ask the facilitator.",
        )


def _attendee_count(session: Session, event: Event) -> int:
    query = select(func.count(col(Attendee.id))).where(Attendee.event_id == event.id)
    return session.exec(query).one()


def attendee_for_token(session: Session, *, token: str, secret_key: str) -> Attendee | None:
    return session.exec(
        select(Attendee).where(Attendee.token_hash == token_hash(secret_key, token))
    ).first()
