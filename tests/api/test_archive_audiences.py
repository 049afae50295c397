"""The archive keeps audiences: what was private while live is in no public door of the frozen
event, and its facilitators still read all of it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlmodel import Session

from server.db import Database
from server.models.boards import BoardCreate, CardUpdate
from server.models.breakouts import BreakoutCreate, BreakoutUpdate, NoteCreate
from server.services import (
    archive,
    attendees,
    boards,
    breakout_members,
    breakouts,
    cards,
    events,
    notes,
)
from server.services.access import Caller
from tests.factories import SECRET, World, login, make_world, post_once

# Shown to everyone, while live and after.
PUBLIC_TEXTS = ("Garden club thrives", "Night shifts feel lonely", "Handover huddles help")
# Read only by facilitators (and group members) while live.
UNSHARED_NOTE = "Quiet group worries about agency cover"
HELD_NOTE = "Resident lives at M1 1AE"
PENDING_CARD = "Email me at dana@example.org"
HIDDEN_CARD = "Ring me on 07700 900123 tonight"
ANONYMOUS_AUTHOR = "Dana Shore"
# One word of each private text that no public text has, for search.
PRIVATE_WORDS = ("agency", "resident", "email", "tonight")


@dataclass
class Frozen:
    world: World
    token: str
    held_reasons: list[str]

    @property
    def private(self) -> list[str]:
        return [UNSHARED_NOTE, HELD_NOTE, PENDING_CARD, HIDDEN_CARD, *self.held_reasons]


def make_frozen(session: Session) -> Frozen:
    world = make_world(session, status="live")
    boss, event = world.facilitator, world.event
    people = []
    for name in ("Eli Brook", ANONYMOUS_AUTHOR):
        person, token = attendees.join(
            session, code=event.join_code, secret_key=SECRET, display_name=name
        )
        people.append(Caller(attendee=person))
    assert token is not None
    eli, dana = people
    board = boards.create_event_board(
        session, actor=boss, event=event, data=BoardCreate(title="Glimpses")
    )
    post_once(session, eli, board, "Garden club thrives")
    post_once(session, dana, board, "Night shifts feel lonely", anonymous=True)
    pending = post_once(session, dana, board, PENDING_CARD, anonymous=True)
    hidden = post_once(session, eli, board, HIDDEN_CARD)
    cards.update_card(
        session, actor=Caller(user=boss), card=hidden, data=CardUpdate(status="hidden")
    )
    assert pending.status == "pending" and hidden.status == "hidden" and hidden.held_reason
    groups = {}
    for name, member, texts in (
        ("Open", eli, ("Handover huddles help", HELD_NOTE)),
        ("Quiet", dana, (UNSHARED_NOTE,)),
    ):
        group = breakouts.create_breakout(
            session, actor=boss, event=event, data=BreakoutCreate(name=name)
        )
        breakout_members.join(session, actor=member, breakout=group)
        for text in texts:
            notes.create_note(
                session, actor=member, breakout=group, data=NoteCreate(client_id=text, text=text)
            )
        groups[name] = group
    breakouts.update_breakout(
        session, actor=boss, breakout=groups["Open"], data=BreakoutUpdate(shared=True)
    )
    for step in ("end", "freeze"):
        events.transition(session, actor=boss, event=event, action=step)
    return Frozen(world, token, [pending.held_reason, hidden.held_reason])


def doors(client: TestClient, day: Frozen) -> dict[str, str]:
    """Every door of the frozen event, read by whoever `client` is, as text."""
    event, slug = day.world.event, day.world.programme.slug
    api = f"/api/v1/events/{event.id}/archive"
    pdf = client.get(f"{api}.pdf").content
    found = {
        "json": client.get(api).text,
        "summary": HTMLParser(client.get(f"/p/{slug}/{event.slug}/summary").text).text(),
        "md": client.get(f"{api}.md").text,
        "csv": "\n".join(
            ",".join(r) for r in csv.reader(io.StringIO(client.get(f"{api}.csv").text))
        ),
        "pdf": "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages),
        "programme": HTMLParser(client.get(f"/p/{slug}").text).text(),
    }
    for word in (*PRIVATE_WORDS, "lonely"):
        hits = client.get("/api/v1/search", params={"q": word, "programme": slug}).json()["hits"]
        found[f"search {word}"] = json.dumps(hits)
        page = HTMLParser(client.get(f"/p/{slug}", params={"q": word}).text)
        found[f"programme search {word}"] = " ".join(
            n.text() for n in page.css(".search-results li")
        )
    return found


@pytest.fixture
def day(db: Database) -> Frozen:
    with db.session() as s:
        return make_frozen(s)


@pytest.mark.parametrize("who", ["anonymous", "attendee", "outsider"])
def test_no_public_door_carries_what_was_private(
    client: TestClient, db: Database, day: Frozen, who: str
) -> None:
    login(client, day.world.outsider if who == "outsider" else None)
    if who == "attendee":
        client.headers["Authorization"] = f"Bearer {day.token}"
    found = doors(client, day)
    for door, text in found.items():
        for secret in (*day.private, ANONYMOUS_AUTHOR, "held_reason"):
            assert secret not in text, (door, secret)
    for door in ("json", "summary", "md", "pdf"):
        for words in PUBLIC_TEXTS:
            assert words in found[door], (door, words)
    assert "Eli Brook" in found["json"]  # a name the attendee chose to show stays
    assert "lonely" in found["search lonely"]
    assert json.loads(found["json"])["view"] == "public"


def test_facilitators_read_the_whole_record(client: TestClient, db: Database, day: Frozen) -> None:
    login(client, day.world.facilitator)
    found = doors(client, day)
    for door in ("json", "summary", "md", "csv", "pdf"):
        texts = [PENDING_CARD, HIDDEN_CARD]
        texts += [] if door == "csv" else [UNSHARED_NOTE, HELD_NOTE]
        for words in (*texts, *PUBLIC_TEXTS[:1]):
            assert words in found[door], (door, words)
        assert ANONYMOUS_AUTHOR not in found[door], door  # anonymous in the record too
    for door in ("json", "summary", "md", "csv"):
        for reason in day.held_reasons:
            assert reason in found[door], (door, reason)
    for word in PRIVATE_WORDS:
        assert word in found[f"search {word}"].lower(), word
        assert word in found[f"programme search {word}"].lower(), word
    event, slug = day.world.event, day.world.programme.slug
    page = HTMLParser(client.get(f"/p/{slug}/{event.slug}/summary").text)
    marked = sorted(n.attributes["data-private"] or "" for n in page.css("[data-private]"))
    assert marked == ["held", "hidden", "pending", "unshared", "unshared"]
    assert page.css_first("[data-view=full]") is not None
    response = client.get(f"/api/v1/events/{event.id}/archive")
    assert response.headers["x-archive-view"] == "full"
    with db.session(write=False) as s:
        assert archive.verify(s) == [(event.id, True)]
        stored = archive.archive_or_404(s, event_id=event.id)
    assert response.content.decode() == stored.document
    assert archive.sha256(response.text) == response.headers["x-archive-sha256"]


def test_admins_read_the_whole_record_too(client: TestClient, db: Database, day: Frozen) -> None:
    login(client, day.world.admin)
    text = client.get(f"/api/v1/events/{day.world.event.id}/archive.md").text
    assert UNSHARED_NOTE in text and f"[not public: hidden, {day.held_reasons[1]}]" in text
