"""The archive over HTTP: exports that parse, drafts for facilitators, 409 after freezing by both
doors, actions, search, and the pages."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlmodel import select
from websockets.exceptions import ConnectionClosed

from server.db import Database
from server.live import ws
from server.models.attendees import Attendee
from server.models.boards import BoardCreate, Card, CardCreate, CardUpdate, ThemeCreate
from server.models.events import Event
from server.models.liveblog import EntryCreate
from server.services import accounts, attendees, boards, cards, events, liveblog, votes
from server.services.access import Caller
from tests.api.helpers import archive_api, summary_url
from tests.factories import (
    SECRET,
    SECRETS,
    World,
    end_and_freeze,
    frozen,
    login,
    make_day,
    make_event,
    make_world,
)
from tests.hostile import NEVER_IN_CONTENT, XSS, assert_attributes_inert
from tests.live.wsclient import Client
from tests.liveserver import LiveServer


def no_secrets(text: str) -> None:
    for secret in (*SECRETS, "held_reason", "token_hash"):
        assert secret not in text, secret


# -- the document and its exports -------------------------------------------------------------


def test_the_json_is_the_stored_document_with_its_hash(client: TestClient, db: Database) -> None:
    day = frozen(db)
    login(client, day.world.facilitator)
    response = client.get(archive_api(day))
    assert response.status_code == 200
    digest = hashlib.sha256(response.content).hexdigest()
    assert response.headers["x-archive-sha256"] == digest
    assert response.headers["etag"] == f'"{digest}"'
    assert response.headers["x-archive-view"] == "full"
    assert "x-archive-draft" not in response.headers
    assert json.loads(response.content)["event"]["id"] == day.world.event.id
    login(client, None)
    public = client.get(archive_api(day))
    assert public.headers["x-archive-view"] == "public"
    assert json.loads(public.content)["view"] == "public"
    assert public.headers["x-archive-sha256"] == digest  # still names the whole record
    assert public.headers["etag"] == f'"{hashlib.sha256(public.content).hexdigest()}"'
    assert public.headers["etag"] != response.headers["etag"]


def test_csv_has_one_row_per_archived_card(client: TestClient, db: Database) -> None:
    day = frozen(db)
    response = client.get(archive_api(day, ".csv"))
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["text"] for r in rows] == [
        "Residents plant the garden",
        "Night staff stretched thin",
        "Staffing rotas change weekly",
        "Medicines rounds run on time",
    ]
    rota = rows[2]
    assert rota == {
        "card_id": str(day.cards["rota"].id),
        "board": "Glimpses",
        "column": "Concerning",
        "theme": "Staffing",
        "votes": "2",
        "text": "Staffing rotas change weekly",
        "created_at": rota["created_at"],
    }
    assert rota["created_at"].endswith("Z")
    no_secrets(response.text)


def test_markdown_and_pdf_carry_the_summary(client: TestClient, db: Database) -> None:
    day = frozen(db)
    markdown = client.get(archive_api(day, ".md")).text
    assert markdown.startswith(f"# {day.world.event.title}\n")
    for heading in ("## In figures", "## Board: Glimpses", "### Staffing (3 votes)", "## Actions"):
        assert heading in markdown
    assert "DRAFT" not in markdown
    no_secrets(markdown)
    response = client.get(archive_api(day, ".pdf"))
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for words in (day.world.event.title, "Staffing: 3 votes", "Residents plant the garden"):
        assert words in text
    assert "Stable rotas for night staff" in text and "DRAFT" not in text
    no_secrets(text)


def test_unicode_survives_csv_markdown_and_pdf(client: TestClient, db: Database) -> None:
    text = "R\u00e9sidents\u2019 \u201ccaf\u00e9\u201d \u2014 \U0001f60a =SUM(A1)"
    with db.session() as s:
        day = make_day(s)
        cards.create_card(
            s,
            actor=Caller(user=day.world.facilitator),
            board=day.board,
            data=CardCreate(text_consent=True, client_id="u", text=text),
        )
        end_and_freeze(s, day)
    rows = list(csv.DictReader(io.StringIO(client.get(archive_api(day, ".csv")).text)))
    assert rows[-1]["text"] == text
    assert "R\u00e9sidents\u2019 \u201ccaf\u00e9\u201d" in client.get(archive_api(day, ".md")).text
    assert text in pdf_text(client.get(archive_api(day, ".pdf")).content)


# What people write in, each with a word to find in the PDF's text (right-to-left words are
# extracted whole, in the order they are shown).
SCRIPTS = {
    "welsh": ("Gŵyl yr ŷd ym Mhen-y-bont", ["Gŵyl", "ŷd"]),
    "polish": ("Łódź: żywność i łóżka", ["Łódź", "żywność", "łóżka"]),
    "greek": ("Καλημέρα από το γηροκομείο", ["Καλημέρα", "γηροκομείο"]),
    "russian": ("Дом престарелых: обед", ["престарелых", "обед"]),
    "hebrew": ("שלום לכל הצוות", ["שלום", "הצוות"]),
    "arabic": ("مرحبا بالعائلات", ["مرحبا", "بالعائلات"]),
    "chinese": ("养老院的花园", ["养老院的花园"]),
    "japanese": ("介護施設のお茶会", ["介護施設のお茶会"]),
    "korean": ("요양원 정원 가꾸기", ["요양원", "가꾸기"]),
    "emoji": ("Garden club 🌻👍🎉", ["🌻", "👍", "🎉"]),
}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_renders_every_script_in_titles_entries_cards_and_themes(
    client: TestClient, db: Database
) -> None:
    with db.session() as s:
        day = make_day(s)
        day.world.event.title = f"{SCRIPTS['welsh'][0]} · {SCRIPTS['greek'][0]}"
        boss = Caller(user=day.world.facilitator)
        for name, (words, _) in SCRIPTS.items():
            liveblog.create_entry(
                s, actor=day.world.facilitator, event=day.world.event, data=EntryCreate(body=words)
            )
            card = cards.create_card(
                s,
                actor=boss,
                board=day.board,
                data=CardCreate(text_consent=True, client_id=name, text=words),
            )[0]
            theme = votes.create_theme(
                s, actor=day.world.facilitator, board=day.board, data=ThemeCreate(title=words)
            )
            cards.update_card(s, actor=boss, card=card, data=CardUpdate(theme_id=theme.id))
        end_and_freeze(s, day)
    text = pdf_text(client.get(archive_api(day, ".pdf")).content)
    assert "?" not in text
    assert text.count("Καλημέρα") >= 3  # the title, an entry, a card and its theme
    for name, (_, found) in SCRIPTS.items():
        for word in found:
            assert text.count(word) >= 3, (name, word)


def test_a_formula_looking_card_stays_text_in_the_csv(client: TestClient, db: Database) -> None:
    with db.session() as s:
        day = make_day(s)
        cards.create_card(
            s,
            actor=Caller(user=day.world.facilitator),
            board=day.board,
            data=CardCreate(text_consent=True, client_id="f", text='=HYPERLINK("http://x")'),
        )
        end_and_freeze(s, day)
    rows = list(csv.DictReader(io.StringIO(client.get(archive_api(day, ".csv")).text)))
    assert rows[-1]["text"] == '\'=HYPERLINK("http://x")'


# -- drafts and who may read what -------------------------------------------------------------


def test_facilitators_download_drafts_of_a_live_day(client: TestClient, db: Database) -> None:
    with db.session() as s:
        day = make_day(s)
    headers = login(client, day.world.facilitator)
    for suffix in ("", ".md", ".csv", ".pdf"):
        response = client.get(archive_api(day, suffix), headers=headers)
        assert response.status_code == 200, suffix
        assert response.headers["x-archive-draft"] == "true"
        assert "x-archive-sha256" not in response.headers
    assert json.loads(client.get(archive_api(day)).content)["draft"] is True
    assert "DRAFT, not frozen" in client.get(archive_api(day, ".md")).text
    assert "-draft.csv" in client.get(archive_api(day, ".csv")).headers["content-disposition"]
    pdf = client.get(archive_api(day, ".pdf")).content
    assert "DRAFT, not frozen" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    markdown = client.get(
        archive_api(day, ".md")
    ).text  # the whole record, what is not public marked
    assert "[not public: hidden] Hide me later" in markdown
    assert "Rosebank Care" not in markdown and "gla_" not in markdown


def test_before_freezing_others_get_404(client: TestClient, db: Database) -> None:
    with db.session() as s:
        day = make_day(s)
    joined = client.post("/api/v1/join", json={"code": day.world.event.join_code}).json()
    client.cookies.clear()
    attendee = {"Authorization": f"Bearer {joined['token']}"}
    for headers in ({}, attendee):
        assert client.get(archive_api(day, ".md"), headers=headers).status_code == 404
    login(client, day.world.outsider)
    assert client.get(archive_api(day, ".csv")).status_code == 404
    assert client.get(summary_url(day)).status_code == 404


def test_a_private_programmes_archive_needs_sign_in(client: TestClient, db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="live", visibility="private")
        day = make_day(s, world=world)
        end_and_freeze(s, day)
    client.cookies.clear()
    assert client.get(archive_api(day, ".md")).status_code == 401
    page = client.get(summary_url(day), follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/console/login")
    programme_page = client.get(f"/p/{world.programme.slug}", follow_redirects=False)
    assert programme_page.status_code == 303
    search = client.get(f"/api/v1/search?q=garden&programme={world.programme.slug}")
    assert search.status_code == 401
    login(client, world.facilitator)
    assert client.get(summary_url(day)).status_code == 200
    assert client.get(f"/p/{world.programme.slug}").status_code == 200


def test_an_unlisted_programme_is_reachable_but_not_indexed(
    client: TestClient, db: Database
) -> None:
    with db.session() as s:
        world = make_world(s, status="frozen", visibility="unlisted")
    page = HTMLParser(client.get(f"/p/{world.programme.slug}").text)
    robots = page.css_first('meta[name="robots"]')
    assert robots is not None and robots.attributes["content"] == "noindex"


# -- frozen is frozen, by both doors ----------------------------------------------------------


def routed(app: FastAPI, method: str, url: str) -> bool:
    """Whether the app has a route for this write (the live blog's may not be wired yet)."""
    scope = {"type": "http", "method": method, "path": url}
    return any(r.matches(scope)[0].name == "FULL" for r in app.router.routes)


def test_rest_writes_after_freezing_answer_409(
    client: TestClient, app: FastAPI, db: Database
) -> None:
    day = frozen(db)
    headers = login(client, day.world.facilitator)
    event_id, board_id = day.world.event.id, day.board.id
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("post", f"/api/v1/boards/{board_id}/cards", {"client_id": "late", "text": "Late"}),
        ("patch", f"/api/v1/cards/{day.cards['held'].id}", {"status": "visible"}),
        ("patch", f"/api/v1/boards/{board_id}", {"state": "open"}),
        ("post", f"/api/v1/boards/{board_id}/themes", {"title": "Late"}),
        ("post", f"/api/v1/events/{event_id}/entries", {"body": "Late"}),
        ("patch", f"/api/v1/entries/{day.entry_ids['welcome']}", {"body": "Changed"}),
        ("post", f"/api/v1/events/{event_id}/agenda", {"title": "Late"}),
        ("patch", f"/api/v1/events/{event_id}", {"title": "Renamed"}),
        ("post", f"/api/v1/breakouts/{day.breakout.id}/notes", {"client_id": "n", "text": "x"}),
        ("post", f"/api/v1/events/{event_id}/breakouts", {"name": "Late"}),
        (
            "post",
            f"/api/v1/programmes/{day.world.programme.slug}/actions",
            {"title": "Late", "event_id": event_id},
        ),
    ]
    for method, url, body in writes:
        if not routed(app, method.upper(), url):
            continue
        response = client.request(method.upper(), url, json=body, headers=headers)
        assert response.status_code == 409, (url, response.text)
        assert response.json()["error"]["code"] == "event_frozen", url
    assert (
        client.delete(f"/api/v1/cards/{day.cards['garden'].id}", headers=headers).status_code == 409
    )


def answer(text: str, db: Database, who: ws.Who) -> str:
    """ws.answer on a loop of its own thread (Playwright may hold this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, ws.answer(text, db, who)).result()


def test_websocket_messages_after_freezing_answer_event_frozen(db: Database) -> None:
    """The socket door's own path: the handler a connected client's message runs through.

    A socket cannot be opened on a frozen event (closed 4409), and one open at the moment of
    freezing is closed with 4409 (tests/live/test_ws.py and the live test below); a message
    it sent just before the close still goes through this path and must be refused.
    """
    day = frozen(db)
    with db.session(write=False) as s:
        attendee = s.get(Attendee, day.people["asha"].id)
    messages = [
        {"type": "card.create", "data": {"board_id": day.board.id, "client_id": "w", "text": "x"}},
        {
            "type": "note.create",
            "data": {"breakout_id": day.breakout.id, "client_id": "w", "text": "x"},
        },
        {"type": "vote.set", "data": {"card_id": day.cards["garden"].id, "count": 1}},
    ]
    for who in (ws.Who(None, attendee.id), ws.Who(day.world.facilitator.id, None)):
        for message in messages:
            reply = json.loads(answer(json.dumps({**message, "ref": "r"}), db, who))
            assert reply["type"] == "error", (message, reply)
            assert reply["error"]["code"] == "event_frozen", (message["type"], reply)


# -- actions ------------------------------------------------------------------------------------


def test_actions_over_the_api(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    slug = world.programme.slug
    made = client.post(
        f"/api/v1/programmes/{slug}/actions",
        json={
            "title": "Falls huddles",
            "owner": "Dev",
            "involve": ["GPs"],
            "target_date": "2020-01-31",
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    action = made.json()
    assert action["status"] == "to commence" and action["overdue"] is True
    changed = client.patch(
        f"/api/v1/actions/{action['id']}", json={"target_date": None}, headers=headers
    ).json()
    assert changed["target_date"] is None and changed["overdue"] is False
    update = client.post(
        f"/api/v1/actions/{action['id']}/updates",
        json={"text": "Started in two homes", "status": "in progress"},
        headers=headers,
    )
    assert update.status_code == 201
    assert update.json()["created_at"].endswith("Z")
    client.cookies.clear()
    plan = client.get(f"/api/v1/programmes/{slug}/actions").json()
    assert plan[0]["status"] == "in progress"
    assert [u["text"] for u in plan[0]["updates"]] == ["Started in two homes"]
    bad = client.post(f"/api/v1/programmes/{slug}/actions", json={"title": "X"})
    assert bad.status_code == 401
    headers = login(client, world.facilitator)
    assert client.patch("/api/v1/actions/999999", json={}, headers=headers).status_code == 404
    wrong = client.post(
        f"/api/v1/programmes/{slug}/actions",
        json={"title": "X", "status": "finished"},
        headers=headers,
    )
    assert wrong.status_code == 422


# -- search ---------------------------------------------------------------------------------------


def test_search_api_links_into_the_summary_with_escaped_snippets(
    client: TestClient, db: Database
) -> None:
    day = frozen(db)
    found = client.get(f"/api/v1/search?q=garden&programme={day.world.programme.slug}").json()
    [hit] = found["hits"]
    assert hit["url"] == f"{summary_url(day)}#card-{day.cards['garden'].id}"
    assert hit["snippet_html"] == "Residents plant the <mark>garden</mark>"
    page = HTMLParser(client.get(summary_url(day)).text)
    assert page.css_first(f"#card-{day.cards['garden'].id}") is not None
    missing = client.get("/api/v1/search?q=x&programme=no-such-programme")
    assert missing.status_code == 404


def test_programme_page_search_shows_marked_snippets(client: TestClient, db: Database) -> None:
    day = frozen(db)
    page = HTMLParser(client.get(f"/p/{day.world.programme.slug}?q=checklists").text)
    results = page.css(".search-results li")
    assert len(results) == 1
    assert [m.text() for m in results[0].css("mark")] == ["checklists"]
    link = results[0].css_first("a")
    assert link is not None and "#note-" in link.attributes["href"]  # type: ignore[operator]


# -- pages ----------------------------------------------------------------------------------------


def test_the_summary_page_from_the_stored_document(client: TestClient, db: Database) -> None:
    day = frozen(db)
    page = HTMLParser(client.get(summary_url(day)).text)
    h1 = page.css_first("h1")
    assert h1 is not None and h1.text() == day.world.event.title
    themes = [t.text() for t in page.css(".summary-board .theme h3")]
    assert themes == ["Staffing", "Activities"]  # by votes: 3 then 1
    bars = page.css("svg.vote-bar rect.vote-fill")
    assert [b.attributes["width"] for b in bars] == ["200", "67"]
    assert page.css_first(f"#entry-{day.entry_ids['moment']}") is not None
    assert "Handover checklists work" in page.text()
    assert "Stable rotas for night staff" in page.text()
    assert not page.css("[style]")
    no_secrets(page.html or "")
    # The summary is the stored document, not the live tables.
    with db.session() as s:
        card = s.get(Card, day.cards["garden"].id)
        assert card is not None
        card.text = "Changed behind the archive's back"
        s.add(card)
    assert "Changed behind" not in client.get(summary_url(day)).text


def test_hostile_cards_are_inert_in_the_summary(client: TestClient, db: Database) -> None:
    with db.session() as s:
        day = make_day(s)
        for i, vector in enumerate(XSS[:40]):
            liveblog.create_entry(
                s, actor=day.world.facilitator, event=day.world.event, data=EntryCreate(body=vector)
            )
            cards.create_card(
                s,
                actor=Caller(user=day.world.facilitator),
                board=day.board,
                data=CardCreate(text_consent=True, client_id=f"x{i}", text=vector[:500] or "x"),
            )
        end_and_freeze(s, day)
    page = HTMLParser(client.get(summary_url(day)).text)
    assert page.css("script") == []
    main = page.css_first("main")
    assert main is not None
    # The page's own vote bars are the only SVG; nothing written by anyone becomes markup.
    svgs = main.css("svg")
    assert svgs and all(svg.attributes.get("class") == "vote-bar" for svg in svgs)
    assert {n.tag for svg in svgs for n in svg.css("*")} <= {"svg", "rect"}
    assert main.css(NEVER_IN_CONTENT.replace("svg, ", "")) == []
    assert_attributes_inert(page.css("*"), "summary")


def test_programme_page_timeline_plan_and_recurring_themes(
    client: TestClient, db: Database
) -> None:
    with db.session() as s:
        first = make_day(s)
        end_and_freeze(s, first)
        second = make_day(s, world=_another_live_event(s, first.world))
        end_and_freeze(s, second)
    page = HTMLParser(client.get(f"/p/{first.world.programme.slug}").text)
    archived = [a.text() for a in page.css(".timeline a")]
    assert first.world.event.title in archived and second.world.event.title in archived
    assert len(page.css("svg rect.chart-bar")) == 2
    recurring = [r.text() for r in page.css(".recurring > li > strong")]
    assert recurring == ["Staffing", "Activities"]
    rows = page.css("#plan tbody tr")
    assert len(rows) == 2


def _another_live_event(session: Any, world: World) -> World:
    event = make_event(
        session, programme=world.programme, owner=world.facilitator, status="live", agenda=1
    )
    return World(world.admin, world.facilitator, world.outsider, world.programme, event)


def test_console_review_and_actions_pages(client: TestClient, db: Database) -> None:
    with db.session() as s:
        day = make_day(s)
    assert (
        client.get(
            f"/console/events/{day.world.event.id}/review", follow_redirects=False
        ).status_code
        == 303
    )
    login(client, day.world.facilitator)
    review = HTMLParser(client.get(f"/console/events/{day.world.event.id}/review").text)
    held = review.css("[data-card]")
    assert {b.attributes["data-card"] for b in held} == {str(day.cards["held"].id)}
    assert "Resident lives at M1 1AE" in review.text()
    actions = HTMLParser(client.get(f"/console/events/{day.world.event.id}/actions").text)
    assert actions.css_first(f"#action-{day.action_id}") is not None
    login(client, day.world.outsider)
    assert client.get(f"/console/events/{day.world.event.id}/review").status_code == 403


def test_console_forms_raise_actions_and_record_progress(client: TestClient, db: Database) -> None:
    with db.session() as s:
        day = make_day(s)
    event_id = day.world.event.id
    csrf = login(client, day.world.facilitator)["X-CSRF-Token"]
    raised = client.post(
        f"/console/events/{event_id}/actions",
        data={
            "csrf_token": csrf,
            "title": "Dementia-friendly signage",
            "involve": "Estates, Families",
            "target_date": "2027-03-01",
            "theme_id": str(day.theme_ids["Activities"]),
        },
        follow_redirects=False,
    )
    assert raised.status_code == 303, raised.text
    progress = client.post(
        f"/console/actions/{day.action_id}/updates",
        data={
            "csrf_token": csrf,
            "event_id": str(event_id),
            "text": "Rotas steady",
            "status": "done",
        },
        follow_redirects=False,
    )
    assert progress.status_code == 303
    plan = {
        a["title"]: a
        for a in client.get(f"/api/v1/programmes/{day.world.programme.slug}/actions").json()
    }
    assert plan["Dementia-friendly signage"]["involve"] == ["Estates", "Families"]
    assert plan["Stable rotas for night staff"]["status"] == "done"
    bad = client.post(
        f"/console/events/{event_id}/actions",
        data={"csrf_token": csrf, "title": "X", "target_date": "soon"},
    )
    assert bad.status_code == 400 and "Dates look like" in bad.text
    forged = client.post(
        f"/console/events/{event_id}/actions", data={"csrf_token": "nope", "title": "X"}
    )
    assert forged.status_code == 403


def test_ending_over_rest_closes_boards(client: TestClient, db: Database) -> None:
    with db.session() as s:
        day = make_day(s)
    headers = login(client, day.world.facilitator)
    assert (
        client.post(f"/api/v1/events/{day.world.event.id}/end", headers=headers).status_code == 200
    )
    board = client.get(f"/api/v1/boards/{day.board.id}", headers=headers).json()
    assert board["state"] == "closed"
    with db.session(write=False) as s:
        event = s.get(Event, day.world.event.id)
        assert event is not None and event.status == "ended"
    assert events.TRANSITIONS["freeze"] == ("ended", "frozen")


def test_a_card_sent_on_a_socket_open_at_freezing_is_never_accepted(
    live_server: LiveServer, db: Database
) -> None:
    """Over a real socket: the message races the 4409 close, and loses either way."""
    with db.session() as s:
        day = make_day(s)
        token = accounts.create_token(s, email=day.world.facilitator.email, secret_key=SECRET)
        _, attendee_token = attendees.join(
            s, code=day.world.event.join_code, secret_key=SECRET, display_name="Late Larry"
        )
    bearer = {"Authorization": f"Bearer {attendee_token}"}
    socket = Client(live_server.ws_url, day.world.event.id, additional_headers=bearer)
    socket.until(lambda m: m["type"] == "hello")
    with httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        for step in ("end", "freeze"):
            assert api.post(f"/api/v1/events/{day.world.event.id}/{step}").status_code == 200
    card = {"board_id": day.board.id, "client_id": "after", "text": "Sneaked in"}
    with contextlib.suppress(ConnectionClosed):
        socket.ws.send(json.dumps({"type": "card.create", "ref": "late", "data": card}))
    replies = []
    while socket.close_code is None:
        message = socket.recv(timeout=5)
        if message is None and socket.close_code is None:
            pytest.fail("the socket stayed open after the event froze")
        if message is not None and message.get("ref") == "late":
            replies.append(message)
    assert socket.close_code == 4409
    assert all(r["type"] == "error" and r["error"]["code"] == "event_frozen" for r in replies)
    with db.session(write=False) as s:
        assert s.exec(select(Card).where(Card.text == "Sneaked in")).first() is None


def test_programme_page_lists_upcoming_and_live_days_and_programme_boards(
    client: TestClient, db: Database
) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
        upcoming = make_event(s, programme=world.programme, owner=world.facilitator)
        board = boards.create_programme_board(
            s,
            actor=world.facilitator,
            programme=world.programme,
            data=BoardCreate(title="Brilliance between events"),
        )
        boss = Caller(user=world.facilitator)
        cards.create_card(
            s,
            actor=boss,
            board=board,
            data=CardCreate(text_consent=True, client_id="a", text="Seen"),
        )
        held = CardCreate(text_consent=True, client_id="b", text="Mail jo@example.org")
        cards.create_card(s, actor=boss, board=board, data=held)
    page = HTMLParser(client.get(f"/p/{world.programme.slug}").text)
    live_link = page.css_first(f'.timeline a[href="/p/{world.programme.slug}/{world.event.slug}"]')
    assert live_link is not None
    assert upcoming.title in page.text()
    texts = [n.text() for n in page.css(".summary-board .card-text")]
    assert texts == ["Seen"]
