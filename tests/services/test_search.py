"""Search over frozen events, on SQLite FTS5 and on PostgreSQL full text, with safe snippets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlmodel import Session

from server.db import Database
from server.errors import NotSignedIn
from server.models.liveblog import EntryCreate
from server.models.programmes import Programme
from server.services import events, liveblog, search
from server.settings import Settings
from tests.factories import Day, World, end_and_freeze, make_day, make_event, make_world


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """The test's database on SQLite, or on the real PostgreSQL."""
    name = "settings" if request.param == "sqlite" else "pg_settings"
    settings: Settings = request.getfixturevalue(name)
    database = Database(settings.effective_database_url)
    yield database
    database.dispose()


def frozen_day(db: Database) -> Day:
    with db.session() as s:
        day = make_day(s)
        end_and_freeze(s, day)
        return day


def find(session: Session, day: Day, query: str) -> list[tuple[str, int]]:
    programme = session.get(Programme, day.world.programme.id)
    assert programme is not None
    found = search.search(session, actor=None, programme=programme, query=query)
    return [(hit.kind, hit.ref_id) for hit in found.hits]


def test_search_finds_each_kind_of_content(any_db: Database) -> None:
    day = frozen_day(any_db)
    with any_db.session(write=False) as s:
        assert ("entry", day.entry_ids["edited"]) in find(s, day, "final")
        assert ("card", day.cards["garden"].id) in find(s, day, "garden")
        assert [kind for kind, _ in find(s, day, "checklists")] == ["note"]
        assert ("action", day.action_id) in find(s, day, "pilot")
        # Stemming: "planting" finds "plant", "rotas" finds "rota".
        assert ("card", day.cards["garden"].id) in find(s, day, "planting")
        assert ("action", day.action_id) in find(s, day, "rotas")


def test_search_never_finds_what_was_not_archived(any_db: Database) -> None:
    day = frozen_day(any_db)
    with any_db.session(write=False) as s:
        for words in ("cara example", "Hide me later", "mistake", "First words", "M1 1AE"):
            assert find(s, day, words) == [], words


def test_search_covers_only_frozen_events_of_the_programme(any_db: Database) -> None:
    day = frozen_day(any_db)
    with any_db.session() as s:
        programme = s.get(Programme, day.world.programme.id)
        assert programme is not None
        live = make_event(s, programme=programme, owner=day.world.facilitator, status="live")
        liveblog.create_entry(
            s, actor=day.world.facilitator, event=live, data=EntryCreate(body="Garden party live")
        )
        elsewhere: World = make_world(s, status="ended")
        events.transition(s, actor=elsewhere.facilitator, event=elsewhere.event, action="freeze")
    with any_db.session(write=False) as s:
        kinds = find(s, day, "garden")
        assert kinds == [("card", day.cards["garden"].id)]


def test_search_syntax_in_the_query_is_only_words(any_db: Database) -> None:
    day = frozen_day(any_db)
    with any_db.session(write=False) as s:
        for query in ('garden"', "garden OR", "NEAR(garden", "-", "*", "'; DROP TABLE x; --"):
            find(s, day, query)  # no error, whatever it finds
        assert find(s, day, "") == []


def test_snippets_escape_the_text_then_mark_the_matches() -> None:
    text = "Staff said <script>alert(1)</script> the staffing & rotas were fine"
    html = str(search.snippet(text, ["staff"]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    marks = [node.text() for node in HTMLParser(html).css("mark")]
    assert marks == ["Staff", "staffing"]


def test_snippets_cut_long_text_around_the_first_match() -> None:
    text = "word " * 100 + "garden " + "more " * 100
    html = str(search.snippet(text, ["garden"]))
    assert html.startswith("…") and html.endswith("…") and "<mark>garden</mark>" in html
    assert len(html) < 260


def test_stem_is_light() -> None:
    assert search.stem("staffing") == search.stem("staff") == "staff"
    assert search.stem("stories") == "story"
    assert search.stem("is") == "is"


def test_private_programmes_need_a_facilitator(db: Database) -> None:
    with db.session() as s:
        world = make_world(s, visibility="private")
        with pytest.raises(NotSignedIn):
            search.search(s, actor=None, programme=world.programme, query="x")
        assert search.search(s, actor=world.facilitator, programme=world.programme, query="x")
