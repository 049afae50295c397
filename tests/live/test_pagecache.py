"""The public live blog served from memory: never stale, never to the wrong viewer, HEAD too.

Each test reads a view once so it is cached, changes something the view shows, and reads again
as a stranger would (no cookies), with and without the ETag it was given.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlmodel import select

from server.db import Database
from server.models.accounts import User
from server.models.liveblog import Entry
from server.models.programmes import Programme, ProgrammeUpdate
from server.services import accounts, programmes
from tests.factories import World, login, make_world

Texts = Callable[[Any], list[str]]


def page_texts(response: Any) -> list[str]:
    page = HTMLParser(response.text)
    return [n.text(strip=True) for n in page.css("article.entry .entry-body")]


def feed_texts(response: Any) -> list[str]:
    return [HTMLParser(e.summary).text(strip=True) for e in feedparser.parse(response.text).entries]


def api_texts(response: Any) -> list[str]:
    return [HTMLParser(e["html"]).text(strip=True) for e in response.json()["entries"]]


def views(world: World) -> dict[str, tuple[str, Texts]]:
    base = f"/p/{world.programme.slug}/{world.event.slug}"
    return {
        "page": (base, page_texts),
        "feed": (f"{base}/feed.atom", feed_texts),
        "entries": (f"/api/v1/public/events/{world.event.id}/entries", api_texts),
    }


VIEWS = ["page", "feed", "entries"]


@pytest.fixture
def writer(client: TestClient, world: World, db: Database) -> dict[str, str]:
    """A facilitator's bearer token: their writes leave the stranger's client without cookies."""
    with db.session() as s:
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    return {"Authorization": f"Bearer {token}"}


def post(client: TestClient, world: World, writer: dict[str, str], body: str) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/events/{world.event.id}/entries",
        json={"body": body, "confirm_personal": True},
        headers=writer,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def read(client: TestClient, url: str, etag: str | None = None) -> Any:
    """As a stranger: no cookies; with `etag`, a refresh."""
    client.cookies.clear()
    return client.get(url, headers={"If-None-Match": etag} if etag else {})


def cached(client: TestClient, url: str) -> tuple[Any, str]:
    """Read twice (the second from the cache) and check both agree; the answer and its ETag."""
    first = read(client, url)
    assert first.status_code == 200, first.text
    again = read(client, url)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert read(client, url, first.headers["etag"]).status_code == 304
    return again, first.headers["etag"]


def changed(client: TestClient, url: str, etag: str) -> Any:
    """After a change, the old ETag must not validate and a plain read must show it."""
    refresh = read(client, url, etag)
    assert refresh.status_code == 200 and refresh.headers["etag"] != etag
    plain = read(client, url)
    assert plain.content == refresh.content
    return plain


@pytest.mark.parametrize("view", VIEWS)
def test_a_new_entry_an_edit_and_a_delete_show_at_once(
    client: TestClient, world: World, writer: dict[str, str], view: str
) -> None:
    url, texts = views(world)[view]
    first = post(client, world, writer, "Morning coffee")
    response, etag = cached(client, url)
    assert texts(response) == ["Morning coffee"]

    post(client, world, writer, "Residents chose the menu")
    response = changed(client, url, etag)
    assert texts(response) == ["Residents chose the menu", "Morning coffee"]

    etag = response.headers["etag"]
    edit = client.patch(
        f"/api/v1/entries/{first['id']}", json={"body": "Morning tea"}, headers=writer
    )
    assert edit.status_code == 200
    response = changed(client, url, etag)
    assert sorted(texts(response)) == ["Morning tea", "Residents chose the menu"]

    etag = response.headers["etag"]
    assert client.delete(f"/api/v1/entries/{first['id']}", headers=writer).status_code == 204
    response = changed(client, url, etag)
    assert texts(response) == ["Residents chose the menu"]


def test_board_traffic_keeps_the_page_but_moves_the_entries_seq(
    client: TestClient, world: World, writer: dict[str, str]
) -> None:
    post(client, world, writer, "Hello")
    page_url, api_url = views(world)["page"][0], views(world)["entries"][0]
    _page, page_etag = cached(client, page_url)
    api, api_etag = cached(client, api_url)
    board = client.post(
        f"/api/v1/events/{world.event.id}/boards", json={"title": "Wall"}, headers=writer
    )
    assert board.status_code == 201
    assert read(client, page_url, page_etag).status_code == 304
    moved = changed(client, api_url, api_etag)
    assert moved.json()["seq"] == api.json()["seq"] + 1


@pytest.mark.parametrize("view", VIEWS)
def test_a_programme_made_private_is_no_longer_served_to_strangers(
    client: TestClient, world: World, writer: dict[str, str], view: str
) -> None:
    url, _texts = views(world)[view]
    post(client, world, writer, "Hello")
    _response, etag = cached(client, url)
    made = client.patch(
        f"/api/v1/programmes/{world.programme.slug}",
        json={"visibility": "private"},
        headers=writer,
    )
    assert made.status_code == 200, made.text
    for sent in (None, etag):
        client.cookies.clear()
        headers = {"If-None-Match": sent} if sent else {}
        response = client.get(url, headers=headers, follow_redirects=False)
        assert response.status_code == (303 if view == "page" else 401), response.text


def test_a_new_programme_title_shows_though_no_seq_moved(
    client: TestClient, world: World, writer: dict[str, str]
) -> None:
    url = views(world)["page"][0]
    _response, etag = cached(client, url)
    renamed = client.patch(
        f"/api/v1/programmes/{world.programme.slug}",
        json={"title": "Northbridge Excellence"},
        headers=writer,
    )
    assert renamed.status_code == 200
    crumbs = HTMLParser(changed(client, url, etag).text).css_first(".crumbs")
    assert crumbs is not None and crumbs.text() == "Northbridge Excellence"


def test_an_entry_redacted_without_a_log_row_is_not_served_from_memory(
    client: TestClient, world: World, writer: dict[str, str]
) -> None:
    """A service that rewrites old rows in place (no seq) still empties the cache."""
    entry = post(client, world, writer, "Call Jo on 07700 900123")
    url, texts = views(world)["page"]
    _response, etag = cached(client, url)
    db: Database = client.app_state["db"]
    with db.session() as s:
        row = s.get(Entry, entry["id"])
        assert row is not None
        row.html = "<p>[removed]</p>"
        s.add(row)
    assert texts(changed(client, url, etag)) == ["[removed]"]


def test_a_private_page_cached_for_its_facilitator_is_never_a_strangers(
    client: TestClient, db: Database
) -> None:
    with db.session() as s:
        world = make_world(s, visibility="private")
    for view in VIEWS:
        url, _texts = views(world)[view]
        login(client, world.facilitator)
        mine = client.get(url)
        assert mine.status_code == 200
        again = client.get(url, headers={"If-None-Match": mine.headers["etag"]})
        assert again.status_code == 304
        for sent in (None, mine.headers["etag"]):
            client.cookies.clear()
            headers = {"If-None-Match": sent} if sent else {}
            response = client.get(url, headers=headers, follow_redirects=False)
            assert response.status_code == (303 if view == "page" else 401)
        login(client, world.outsider)
        assert client.get(url, headers={"If-None-Match": mine.headers["etag"]}).status_code == 403


def test_a_change_no_hub_heard_of_shows_after_the_poll(
    settings: Any, db: Database, world: World
) -> None:
    """The CLI writes with no hub: the poll that catches sockets up catches the cache up too."""
    from server.app import create_app

    app = create_app(settings.model_copy(update={"ws_poll_seconds": 0.05}))
    with TestClient(app) as client:
        url = views(world)["page"][0]
        _response, etag = cached(client, url)
        with db.session() as s:
            programme = s.exec(select(Programme).where(Programme.id == world.programme.id)).one()
            user = s.get(User, world.facilitator.id)
            rename = ProgrammeUpdate(title="Renamed from the command line")
            programmes.update_programme(s, actor=user, programme=programme, data=rename)
        deadline = time.monotonic() + 30
        while read(client, url, etag).status_code == 304 and time.monotonic() < deadline:
            time.sleep(0.05)
        crumbs = HTMLParser(changed(client, url, etag).text).css_first(".crumbs")
        assert crumbs is not None and crumbs.text() == "Renamed from the command line"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_head_answers_every_page_and_picture_without_a_body(
    client: TestClient, world: World, writer: dict[str, str]
) -> None:
    entry = post(client, world, writer, "The garden")
    image = client.post(
        f"/api/v1/entries/{entry['id']}/images",
        files={"file": ("garden.png", png(), "image/png")},
        data={"alt": "The garden"},
        headers=writer,
    ).json()
    base = views(world)["page"][0]
    urls = [
        "/",
        base,
        f"{base}/feed.atom",
        f"{base}/e/{entry['id']}",
        f"/p/{world.programme.slug}",
        f"/j/{world.event.join_code}",
        "/console/login",
        image["url"],
        "/static/css/glimpse.css",
        "/healthz",
    ]
    for url in urls:
        client.cookies.clear()
        got, head = client.get(url), client.head(url)
        assert got.status_code == 200, url
        assert head.status_code == 200 and head.content == b"", url
        for name in ("content-type", "etag", "cache-control", "content-length"):
            assert head.headers.get(name) == got.headers.get(name), (url, name)
