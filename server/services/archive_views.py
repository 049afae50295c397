"""What the summary page and the exports show of an archive document (and nothing else).

Everything here reads the document alone, so a frozen event always looks the same, and a
draft looks exactly as its frozen record will.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import nh3
from markupsafe import Markup

from server.lib.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from server.lib.timeutil import british

Doc = dict[str, Any]
FIGURES = (
    ("attendees_joined", "Attendees joined"),
    ("peak_connected", "Peak connected"),
    ("peak_active", "Peak active (30 min)"),  # format 2 documents, from before peak_connected
    ("cards", "Cards"),
    ("notes", "Breakout notes"),
    ("votes", "Votes"),
    ("entries", "Live-blog entries"),
)


@dataclass
class Summary:
    """The day in one page: each part in the order the page shows it."""

    doc: Doc
    draft: bool
    figures: list[tuple[str, int]]
    sessions: list[Doc]
    loose_entries: list[Doc]
    key_moments: list[Doc]
    boards: list[Doc]
    breakouts: list[Doc] = field(default_factory=list)
    actions: list[Doc] = field(default_factory=list)
    progress: list[Doc] = field(default_factory=list)

    @property
    def event(self) -> Doc:
        event: Doc = self.doc["event"]
        return event

    @property
    def programme(self) -> Doc:
        programme: Doc = self.doc["programme"]
        return programme


def summarise(doc: Doc) -> Summary:
    """Arrange a document for reading: sessions in running order, themes by votes."""
    numbers = doc.get("participation", {})
    entries = sorted(doc.get("entries", []), key=lambda e: (e["created_at"] or "", e["id"]))
    agenda = sorted(
        doc.get("agenda", []),
        key=lambda a: (a["starts_at"] is None, a["starts_at"] or "", a["id"]),
    )
    known = {a["id"] for a in agenda}
    return Summary(
        doc=doc,
        draft=bool(doc.get("draft")),
        figures=[(label, numbers[key]) for key, label in FIGURES if key in numbers],
        sessions=[
            {**a, "entries": [e for e in entries if e["agenda_item_id"] == a["id"]]} for a in agenda
        ],
        loose_entries=[e for e in entries if e["agenda_item_id"] not in known],
        key_moments=[e for e in entries if e["kind"] == "key_moment"],
        boards=[board_view(b) for b in doc.get("boards", [])],
        breakouts=doc.get("breakouts", []),
        actions=doc.get("actions", []),
        progress=doc.get("progress", []),
    )


def board_view(board: Doc) -> Doc:
    """A board's themes ranked by all their votes, each with its cards; then the other cards."""
    by_votes = sorted(board["cards"], key=lambda c: (-c["votes"], c["id"]))
    themes = [
        {
            **t,
            "total": t["votes"] + t["card_votes"],
            "items": [c for c in by_votes if c["theme_id"] == t["id"]],
        }
        for t in board["themes"]
    ]
    themes.sort(key=lambda t: (-t["total"], t["title"].lower(), t["id"]))
    theme_ids = {t["id"] for t in themes}
    return {
        **board,
        "themes": themes,
        "unthemed": [c for c in by_votes if c["theme_id"] not in theme_ids],
        "top": max([t["total"] for t in themes] + [1]),
        "theme_titles": {t["id"]: t["title"] for t in themes},
    }


def bar_width(value: int, top: int, full: int = 200) -> int:
    """The length of a vote bar, at least a sliver when there is any vote at all."""
    if value <= 0:
        return 0
    return max(2, round(full * value / max(top, 1)))


def safe_html(fragment: str) -> Markup:
    """An entry's stored HTML, cleaned once more: a document is data, not trusted markup."""
    return Markup(  # noqa: S704 (nh3 has just sanitised it)
        nh3.clean(
            fragment,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="nofollow noopener",
        )
    )


def plain(fragment: str) -> str:
    """The words of an HTML fragment, paragraphs kept apart."""
    cleaned = nh3.clean(fragment.replace("</p>", "</p>\n\n").replace("<br>", "\n"), tags=set())
    return "\n".join(line.strip() for line in html.unescape(cleaned).splitlines()).strip()


def local(value: str | None, zone: ZoneInfo, fmt: str = "%H:%M") -> str:
    """An ISO time from the document, in the venue's time zone."""
    if not value:
        return ""
    return british(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(zone), fmt)
