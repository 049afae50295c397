"""The programme archive page: events over time, what recurs between them, and the action plan.

Figures and themes of past events come from their frozen documents, never the live tables.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from server.models.accounts import User
from server.models.archive import Archive
from server.models.events import Event
from server.models.programmes import Programme
from server.realtime.audience import Scope
from server.services import boards, events
from server.services.access import Caller
from server.services.archive_public import public_view
from server.services.search import WORD, stem

# Words that say nothing about what a theme is about.
STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in"),
        *("into", "is", "it", "its", "of", "on", "or", "our", "so", "that", "the", "their"),
        *("them", "there", "they", "this", "to", "too", "was", "we", "were", "what", "when"),
        *("where", "which", "who", "with", "more", "less", "better", "good", "very", "really"),
    }
)
SAME_THEME = 0.5  # share of words two titles must have in common (Jaccard) to be one theme
_CACHE_SIZE = 256
_extracts: OrderedDict[str, dict[str, Any]] = OrderedDict()


@dataclass
class Timeline:
    upcoming: list[Event] = field(default_factory=list)
    live: list[Event] = field(default_factory=list)
    frozen: list[Event] = field(default_factory=list)


def timeline(session: Session, *, programme: Programme) -> Timeline:
    """The programme's events by where they stand: upcoming, happening (or in review), archived."""
    line = Timeline()
    for event in events.list_events(session, programme=programme):
        if event.status == "draft":
            line.upcoming.append(event)
        elif event.status == "frozen":
            line.frozen.append(event)
        else:
            line.live.append(event)
    return line


def extracts(session: Session, *, frozen: list[Event]) -> list[dict[str, Any]]:
    """Per frozen event (in order): its participation figures and its themes with votes."""
    rows = session.exec(
        select(Archive.event_id, Archive.sha256).where(
            col(Archive.event_id).in_([e.id for e in frozen])
        )
    ).all()
    hashes = dict(rows)
    return [_extract(session, e, hashes[e.id]) for e in frozen if e.id in hashes]


def _extract(session: Session, event: Event, sha: str) -> dict[str, Any]:
    """Parsing a large document per page view is the cost; a hash names its content for good."""
    found = _extracts.get(sha)
    if found is None:
        row = session.get(Archive, event.id)
        assert row is not None
        doc = public_view(json.loads(row.document))
        found = {
            "participation": doc.get("participation", {}),
            "themes": [
                {"title": t["title"], "total": t["votes"] + t["card_votes"]}
                for b in doc.get("boards", [])
                for t in b["themes"]
            ],
        }
        _extracts[sha] = found
        if len(_extracts) > _CACHE_SIZE:
            _extracts.popitem(last=False)
    return {"event": event, **found}


def theme_words(title: str) -> frozenset[str]:
    """A theme title as a set of lightly stemmed words, without the filler."""
    return frozenset(
        stem(w) for w in WORD.findall(title.lower()) if w not in STOPWORDS and len(w) > 2
    )


def same_theme(a: frozenset[str], b: frozenset[str]) -> bool:
    """Mostly the same words, or one title's words all inside the other's."""
    if not a or not b:
        return False
    return a <= b or b <= a or len(a & b) / len(a | b) >= SAME_THEME


def recurring_themes(past: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Themes that come back at two or more events, most widespread first."""
    groups: list[dict[str, Any]] = []
    for item in past:
        for theme in item["themes"]:
            words = theme_words(theme["title"])
            home = next((g for g in groups if any(same_theme(words, w) for w in g["words"])), None)
            if home is None:
                home = {"words": [], "seen": []}
                groups.append(home)
            home["words"].append(words)
            home["seen"].append({"event": item["event"], **theme})
    found = []
    for g in groups:
        event_ids = {s["event"].id for s in g["seen"]}
        if len(event_ids) >= 2:
            total = sum(s["total"] for s in g["seen"])
            found.append({"title": g["seen"][-1]["title"], "seen": g["seen"], "total": total})
            found[-1]["events"] = len(event_ids)
    found.sort(key=lambda g: (-g["events"], -g["total"], g["title"].lower()))
    return found


def programme_boards(session: Session, *, actor: User | None, programme: Programme) -> list[Any]:
    """The programme's own boards as the public sees them: visible cards only."""
    shown = boards.programme_boards(session, actor=Caller(user=actor), programme=programme)
    public = Scope(role="public")
    return [
        boards.board_as_seen(session, board=b, scope=public) for b in shown if b.state != "hidden"
    ]


CHART_HEIGHT = 120
BAR_WIDTH = 36
BAR_GAP = 28


def participation_chart(past: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar geometry for attendees per archived event, drawn as inline SVG by the template."""
    values = [int(p["participation"].get("attendees_joined", 0)) for p in past]
    top = max([*values, 1])
    bars = []
    for i, (item, value) in enumerate(zip(past, values, strict=True)):
        height = round(CHART_HEIGHT * value / top)
        x = BAR_GAP // 2 + i * (BAR_WIDTH + BAR_GAP)
        bars.append(
            {
                "x": x,
                "y": CHART_HEIGHT - height + 16,
                "height": height,
                "value": value,
                "cards": item["participation"].get("cards", 0),
                "label": item["event"].title,
                "centre": x + BAR_WIDTH // 2,
            }
        )
    width = max(len(bars), 1) * (BAR_WIDTH + BAR_GAP)
    return {"bars": bars, "width": width, "height": CHART_HEIGHT + 40, "bar_width": BAR_WIDTH}
