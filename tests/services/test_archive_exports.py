"""The Markdown and CSV exports are inert: what people wrote renders as text, never as markup.

Each hostile text of tests/data/xss.txt goes onto a day (as a card, a theme, an entry, a quote's
attribution, an action), and the day's archive.md is rendered by markdown-it-py with raw HTML
allowed. The rendering must have exactly the elements of the same day written in harmless words:
whatever anyone typed, the template alone decides the structure.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from zoneinfo import ZoneInfo

from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlmodel import Session

from server.db import Database
from server.lib.text import clean
from server.models.actions import ActionCreate, ProgressCreate
from server.models.boards import Board, BoardCreate, CardCreate, CardUpdate, ThemeCreate
from server.models.liveblog import EntryCreate
from server.services import actions, archive_document, boards, cards, liveblog, privacy, votes
from server.services import archive_exports as exports
from server.services.access import Caller
from tests.factories import World, make_world
from tests.hostile import XSS

ZONE = ZoneInfo("Europe/London")
RENDER = MarkdownIt("commonmark", {"html": True})
# What the template itself makes; anything else came from someone's text.
TEMPLATE_TAGS = {
    *("html", "head", "body", "h1", "h2", "h3", "p", "ul", "li", "strong", "em", "blockquote"),
}
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CASES = 8  # vectors per day: each becomes a card, a theme, two entries and an action


def harmless(text: str) -> str:
    """Words with the same fate as `text` under the privacy guard, and nothing else."""
    return "Call 07700 900123" if privacy.screen(text) else "Harmless words"


def day_markdown(db: Database, texts: list[str]) -> str:
    with db.session() as s:
        world = make_world(s, status="live")
        boss = world.facilitator
        board = boards.create_event_board(
            s, actor=boss, event=world.event, data=BoardCreate(title=texts[0][:200])
        )
        for i, text in enumerate(texts):
            fill_one(s, world, board, i, text)
        return exports.to_markdown(archive_document.build_document(s, event=world.event), ZONE)


def fill_one(s: Session, world: World, board: Board, i: int, text: str) -> None:
    boss, event = world.facilitator, world.event
    caller = Caller(user=boss)
    data = CardCreate(client_id=f"c{i}", text=text[:500], text_consent=True)
    card = cards.create_card(s, actor=caller, board=board, data=data)[0]
    theme = votes.create_theme(s, actor=boss, board=board, data=ThemeCreate(title=text[:200]))
    cards.update_card(s, actor=caller, card=card, data=CardUpdate(theme_id=theme.id))
    for data in (
        EntryCreate(body=text, confirm_personal=True),
        EntryCreate(body="Quoted", kind="quote", attribution=text[:200], confirm_personal=True),
    ):
        liveblog.create_entry(s, actor=boss, event=event, data=data)
    action = actions.create_action(
        s,
        actor=boss,
        programme=world.programme,
        data=ActionCreate(title=text[:300], owner=text[:200], event_id=event.id),
    )
    actions.add_update(
        s, actor=boss, action=action, data=ProgressCreate(text=text[:4000], event_id=event.id)
    )


def elements(markdown: str) -> Counter[str]:
    """How many of each element the Markdown renders to, paragraphs aside (entries have any)."""
    tree = HTMLParser(RENDER.render(markdown))
    return Counter(node.tag for node in tree.css("*") if node.tag != "p")


def chunks() -> list[list[str]]:
    return [XSS[i : i + CASES] for i in range(0, len(XSS), CASES)]


def test_hostile_text_renders_as_the_template_alone(db: Database) -> None:
    for texts in chunks():
        hostile = elements(day_markdown(db, texts))
        assert set(hostile) <= TEMPLATE_TAGS | {"table", "thead", "tbody", "tr", "th", "td"}
        assert hostile == elements(day_markdown(db, [harmless(t) for t in texts])), texts


def test_hostile_text_shows_as_written(db: Database) -> None:
    for texts in chunks():
        shown = " ".join(HTMLParser(RENDER.render(day_markdown(db, texts))).text().split())
        for text in texts:
            if not privacy.screen(text):
                words = " ".join(clean(text[:500]).split())
                assert words in shown, words


def test_no_control_or_bidi_character_reaches_the_markdown_or_the_csv(db: Database) -> None:
    nasty = "Re\u202eversed\u202c \u2066iso\u2069 \x1b[31mred\x07 \x9bend"
    with db.session() as s:
        world = make_world(s, status="live")
        board = boards.create_event_board(
            s, actor=world.facilitator, event=world.event, data=BoardCreate(title="Glimpses")
        )
        card = cards.create_card(
            s,
            actor=Caller(user=world.facilitator),
            board=board,
            data=CardCreate(client_id="n", text="x", text_consent=True),
        )[0]
        # As a record kept before text was cleaned on the way in would hold it.
        card.text = nasty
        s.add(card)
        s.flush()
        doc = archive_document.build_document(s, event=world.event)
    markdown, table = exports.to_markdown(doc, ZONE), exports.to_csv(doc)
    for export in (markdown, table):
        assert not UNSAFE.search(export.replace("\r\n", "\n"))
    assert "- Reversed iso \\[31mred end (0)" in markdown
    assert [row[5] for row in csv.reader(io.StringIO(table))][1:] == ["Reversed iso [31mred end"]
