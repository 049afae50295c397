"""SQLModel tables, one module per aggregate; importing this registers them all."""

from server.models.accounts import ApiToken, LoginSession, User
from server.models.actions import Action, ActionUpdate
from server.models.archive import Archive, ArchiveVersion
from server.models.attendees import Attendee
from server.models.audit import AuditEntry
from server.models.boards import Board, Card, CardVote, Theme, ThemeVote
from server.models.breakouts import Breakout, BreakoutMember, Note
from server.models.events import AgendaItem, Event, EventLog
from server.models.liveblog import Entry, EntryImage, EntryRevision
from server.models.programmes import Programme, ProgrammeFacilitator
from server.models.screens import ScreenPairing

__all__ = [
    "Action",
    "ActionUpdate",
    "AgendaItem",
    "ApiToken",
    "Archive",
    "ArchiveVersion",
    "Attendee",
    "AuditEntry",
    "Board",
    "Breakout",
    "BreakoutMember",
    "Card",
    "CardVote",
    "Entry",
    "EntryImage",
    "EntryRevision",
    "Event",
    "EventLog",
    "LoginSession",
    "Note",
    "Programme",
    "ProgrammeFacilitator",
    "ScreenPairing",
    "Theme",
    "ThemeVote",
    "User",
]
