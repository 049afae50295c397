"""Full-text search over a programme's frozen events, indexed from their archive documents.

Freezing copies each entry, card, note and action of the document into `search_entry`; the
full-text index beside it is SQLite FTS5 (Porter stemming) in the embedded mode and PostgreSQL's
english text search in the scaled mode. Search therefore never reads the live tables, and only
ever finds what was archived. A piece outside the document's public view
(server/services/archive_public.py) is indexed as not public, and only the programme's
facilitators find it. A redaction indexes the event afresh from its new version.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import delete, insert, text
from sqlmodel import Session, col, select

from server.models.accounts import User
from server.models.archive import SearchEntry, SearchHit, SearchResults
from server.models.events import Event
from server.models.programmes import Programme
from server.services import programmes
from server.services.access import is_facilitator
from server.services.archive_public import public_view

MAX_TERMS = 12
LIMIT = 50
SNIPPET_CHARS = 180
WORD = re.compile(r"\w+")
TAG = re.compile(r"<[^>]+>")
# Light stemming, longest suffix first; enough to match "staffing" with "staff" in snippets.
SUFFIXES = ("ingly", "ings", "ing", "ies", "ied", "ed", "es", "s")

Piece = tuple[str, int, str, str]  # (kind, ref_id, place, text)


def stem(word: str) -> str:
    """A word's rough stem: lowercased, one common English suffix taken off."""
    word = word.lower()
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


def terms_of(query: str) -> list[str]:
    """The words of a query, lowercased and deduplicated, in order; FTS syntax is dropped."""
    seen: dict[str, None] = {}
    for word in WORD.findall(query.lower()):
        seen.setdefault(word, None)
    return list(seen)[:MAX_TERMS]


# -- indexing ---------------------------------------------------------------------------------


def pieces(document: dict[str, Any]) -> Iterator[Piece]:
    """Every searchable piece of an archive document, with where it sits on the summary."""
    sessions = {a["id"]: a["title"] for a in document.get("agenda", [])}
    for entry in document.get("entries", []):
        plain = " ".join(html.unescape(TAG.sub(" ", entry["html"])).split())
        yield "entry", entry["id"], sessions.get(entry["agenda_item_id"], "Live blog"), plain
    for board in document.get("boards", []):
        for card in board["cards"]:
            place = board["title"] + (f" · {card['column']}" if card["column"] else "")
            yield "card", card["id"], place, card["text"]
    for group in document.get("breakouts", []):
        for note in group["notes"]:
            yield "note", note["id"], group["name"], note["text"]
    for action in document.get("actions", []):
        words = [action["title"], *(u["text"] for u in action["updates"])]
        yield "action", action["id"], "Actions raised", "\n".join(words)
    for update in document.get("progress", []):
        yield "update", update["id"], update["action_title"], update["text"]


def index_document(session: Session, *, event: Event, document: dict[str, Any]) -> None:
    """Add a frozen event's pieces to the index, in the freezing transaction."""
    public = {(kind, ref_id) for kind, ref_id, _, _ in pieces(public_view(document))}
    rows = [
        {
            "programme_id": event.programme_id,
            "event_id": event.id,
            "kind": kind,
            "ref_id": ref_id,
            "place": place[:300],
            "text": words,
            "public": (kind, ref_id) in public,
        }
        for kind, ref_id, place, words in pieces(document)
    ]
    if not rows:
        return
    # Core executemany: thousands of ORM objects would cost more than the rest of freezing.
    session.execute(insert(SearchEntry), rows)
    # REPLACE: a rowid left behind by a deleted event's rows must not block a new one.
    _fts(session, "INSERT OR REPLACE INTO search_fts(rowid, text) SELECT id, text", event)


def reindex_document(session: Session, *, event: Event, document: dict[str, Any]) -> None:
    """Replace a frozen event's pieces with those of a new version (after a redaction)."""
    _fts(session, "DELETE FROM search_fts WHERE rowid IN (SELECT id", event, ")")
    session.execute(delete(SearchEntry).where(col(SearchEntry.event_id) == event.id))
    index_document(session, event=event, document=document)


def _fts(session: Session, head: str, event: Event, tail: str = "") -> None:
    """On SQLite, the FTS5 table follows an event's rows of search_entry (PostgreSQL's index
    follows by itself)."""
    if session.get_bind().dialect.name == "sqlite":
        sql = f"{head} FROM search_entry WHERE event_id = :event{tail}"
        session.execute(text(sql), {"event": event.id})


# -- searching --------------------------------------------------------------------------------


def search(
    session: Session, *, actor: User | None, programme: Programme, query: str, limit: int = LIMIT
) -> SearchResults:
    """The best matches among the programme's frozen events, each with a highlighted snippet."""
    programmes.read_programme(session, actor=actor, programme=programme)
    terms = terms_of(query)
    hits: list[SearchHit] = []
    if terms:
        everything = is_facilitator(session, actor=actor, programme_id=programme.id)
        ids = _matching_ids(session, programme.id, query, terms, limit, everything)
        hits = _hits(session, programme, ids, terms)
    return SearchResults(query=query, programme=programme.slug, hits=hits)


def _matching_ids(
    session: Session, programme_id: int, query: str, terms: list[str], limit: int, everything: bool
) -> list[int]:
    """Row ids, best first: bm25 on SQLite, ts_rank on PostgreSQL; public rows only unless
    `everything` (for the programme's facilitators)."""
    params = {"programme": programme_id, "limit": limit, "everything": everything}
    if session.get_bind().dialect.name == "sqlite":
        # Each word quoted (so nothing the visitor types is FTS syntax) and prefix-matched.
        match = " ".join(f'"{t}"*' for t in terms)
        sql = text(
            "SELECT e.id FROM search_fts f JOIN search_entry e ON e.id = f.rowid "
            "WHERE search_fts MATCH :match AND e.programme_id = :programme "
            "AND (e.public OR :everything) "
            "ORDER BY bm25(search_fts), e.id LIMIT :limit"
        )
        return list(session.execute(sql, {**params, "match": match}).scalars())
    # The expression is the GIN index's own, so PostgreSQL can use the index.
    sql = text(
        "SELECT id FROM search_entry, websearch_to_tsquery('english', :query) q "
        "WHERE programme_id = :programme AND to_tsvector('english', text) @@ q "
        "AND (public OR :everything) "
        "ORDER BY ts_rank(to_tsvector('english', text), q) DESC, id LIMIT :limit"
    )
    return list(session.execute(sql, {**params, "query": query}).scalars())


def _hits(
    session: Session, programme: Programme, ids: list[int], terms: list[str]
) -> list[SearchHit]:
    rows = {r.id: r for r in session.exec(select(SearchEntry).where(col(SearchEntry.id).in_(ids)))}
    event_ids = {r.event_id for r in rows.values()}
    events = {e.id: e for e in session.exec(select(Event).where(col(Event.id).in_(event_ids)))}
    hits = []
    for row_id in ids:
        row = rows[row_id]
        event = events[row.event_id]
        hits.append(
            SearchHit(
                kind=row.kind,
                ref_id=row.ref_id,
                event_id=event.id,
                event_slug=event.slug,
                event_title=event.title,
                place=row.place,
                url=f"/p/{programme.slug}/{event.slug}/summary#{row.kind}-{row.ref_id}",
                snippet_html=str(snippet(row.text, terms)),
            )
        )
    return hits


def _matches(word: str, terms: list[str], stems: set[str]) -> bool:
    lowered = word.lower()
    return stem(lowered) in stems or any(lowered.startswith(t) for t in terms)


def snippet(words: str, terms: list[str], width: int = SNIPPET_CHARS) -> Markup:
    """A window of the text around its first match; escaped, then matches wrapped in <mark>."""
    stems = {stem(t) for t in terms}
    found = [m for m in WORD.finditer(words) if _matches(m.group(), terms, stems)]
    centre = found[0].start() if found else 0
    start = max(0, centre - width // 3)
    if start:
        space = words.find(" ", start)
        start = space + 1 if 0 <= space < centre else start
    end = min(len(words), start + width)
    if end < len(words):
        space = words.rfind(" ", start, end)
        end = space if space > centre else end
    out = [Markup("…")] if start else []
    at = start
    for match in found:
        if match.start() < start or match.end() > end:
            continue
        out += [escape(words[at : match.start()]), Markup("<mark>%s</mark>") % match.group()]
        at = match.end()
    out.append(escape(words[at:end]))
    if end < len(words):
        out.append(Markup("…"))
    return Markup("").join(out)
