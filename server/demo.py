"""The demo programme `make run` loads on first run. Every name and place is invented."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from server.models.accounts import User
from server.models.boards import BoardCreate
from server.models.events import AgendaItemCreate, EventCreate
from server.models.liveblog import EntryCreate
from server.models.programmes import Programme, ProgrammeCreate
from server.services import accounts, boards, events, liveblog, programmes

DEMO_EMAIL = "facilitator@demo.glimpse.test"
DEMO_PASSWORD = "glimpse-demo"  # noqa: S105 (printed by `make run` on purpose)

AGENDA = [
    ("09:30", "Welcome and getting to know each other", ["Priya Marsh"]),
    ("10:15", "Looking back on event one: what we are doing right", ["Tom Okafor"]),
    ("11:15", "Glimpses of brilliance from the last six months", []),
    ("13:30", "Breakouts: what does good look like for safe?", ["Helen Achterberg", "Dev Rai"]),
    ("15:00", "Key themes and the improvement projects with the biggest impact", ["Priya Marsh"]),
]

ENTRIES = [
    (
        "update",
        "",
        "Good morning from the Hollins Mill Centre! Thirty care-home managers from across "
        "Northbridge are here for the second event of the programme.",
    ),
    (
        "quote",
        "Tom Okafor, director of improvement",
        "Focus on what we're doing right, spread it, learn from it. Small steps of change, "
        "so that fails are small and successes can grow.",
    ),
    (
        "key_moment",
        "",
        "The **glimpses of brilliance** board is open: scan the code on the screen and add yours.",
    ),
]


def load_demo(session: Session, *, if_empty: bool) -> Programme | None:
    """Create the demo facilitator, programme, a live event, its agenda, a board and entries."""
    if if_empty and session.exec(select(Programme)).first() is not None:
        return None
    user = accounts.user_by_email(session, email=DEMO_EMAIL) or accounts.create_user(
        session, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Priya Marsh"
    )
    programme = programmes.create_programme(
        session,
        actor=user,
        data=ProgrammeCreate(
            slug="northbridge-care-homes",
            title="Northbridge Care Homes Excellence Programme",
            summary="Care-home managers across Northbridge meeting every few months to spread "
            "what works and plan improvement projects together.",
        ),
    )
    _demo_event(session, user, programme)
    return programme


def _demo_event(session: Session, user: User, programme: Programme) -> None:
    zone = ZoneInfo("Europe/London")
    day = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    event = events.create_event(
        session,
        actor=user,
        programme=programme,
        data=EventCreate(
            slug="event-2",
            title="Event 2: Spreading what works",
            venue="Hollins Mill Centre, Northbridge",
            starts_at=day + timedelta(hours=9, minutes=30),
        ),
    )
    board = boards.create_event_board(
        session,
        actor=user,
        event=event,
        data=BoardCreate(
            title="Glimpses of brilliance",
            prompt="What has gone really well in your home since we last met?",
            columns=["Going well", "Concerning"],
            votes_per_attendee=3,
        ),
    )
    for clock, title, speakers in AGENDA:
        hour, minute = map(int, clock.split(":"))
        events.add_agenda_item(
            session,
            actor=user,
            event=event,
            data=AgendaItemCreate(
                title=title,
                starts_at=day + timedelta(hours=hour, minutes=minute),
                speakers=speakers,
                board_id=board.id if title.startswith("Glimpses") else None,
            ),
        )
    events.transition(session, actor=user, event=event, action="start")
    for kind, attribution, body in ENTRIES:
        liveblog.create_entry(
            session,
            actor=user,
            event=event,
            data=EntryCreate(body=body, kind=kind, attribution=attribution),
        )
