"""The public live blog page, its permalinks and Atom feed: content, caching, visibility, safety."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from server.db import Database
from server.lib.timeutil import iso, utcnow
from server.settings import Settings
from tests.factories import World, login, make_world
from tests.hostile import NEVER_IN_CONTENT, XSS, assert_attributes_inert
from tests.pictures import jpeg

ATOM = "{http://www.w3.org/2005/Atom}"
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}deleted-entry"


def blog_url(world: World) -> str:
    return f"/p/{world.programme.slug}/{world.event.slug}"


def post(client: TestClient, world: World, headers: dict[str, str], **body: Any) -> Any:
    response = client.post(
        f"/api/v1/events/{world.event.id}/entries", json={"body": "Hello", **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def page_of(client: TestClient, url: str) -> HTMLParser:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return HTMLParser(response.text)


def stream_ids(page: HTMLParser, list_name: str = "stream") -> list[int]:
    return [
        int(n.attributes["data-entry"] or 0)
        for n in page.css(f'[data-list="{list_name}"] > article')
    ]


def assert_inert_fragment(html: str, where: str) -> None:
    """Sanitised HTML of an entry: nothing active, whatever it came from."""
    tree = HTMLParser(f"<div id='x'>{html}</div>")
    root = tree.css_first("div#x")
    assert root is not None
    assert root.css(NEVER_IN_CONTENT) == [], f"{where}: {html!r}"
    assert_attributes_inert(root.css("*"), where)


def assert_inert_page(text: str, where: str) -> None:
    page = HTMLParser(text)
    scripts = page.css("script")
    assert [(s.attributes.get("type"), s.attributes.get("src")) for s in scripts] == [
        ("application/ld+json", None),
        ("module", "/static/js/liveblog.js"),
    ], where
    raw = scripts[0].text()
    assert "<" not in raw and ">" not in raw, f"{where}: the JSON-LD could end its script early"
    json.loads(raw)
    main = page.css_first("main")
    assert main is not None
    assert main.css(NEVER_IN_CONTENT.replace("button, ", "").replace(", template", "")) == []
    assert [b.attributes for b in main.css("button")] == [
        {"type": "button", "class": "pill", "data-pill": None, "hidden": None}
    ]
    assert_attributes_inert(page.css("*"), where)
    for node in page.css("article.entry .entry-body"):
        assert_inert_fragment(node.html or "", where)


# -- the page ---------------------------------------------------------------------------------


def test_first_paint_works_without_javascript(client: TestClient, db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
    headers = login(client, world.facilitator)
    now = utcnow()
    for title, offset in [("Welcome", -2), ("Breakouts", -1), ("Lunch", 1)]:
        client.post(
            f"/api/v1/events/{world.event.id}/agenda",
            json={"title": title, "starts_at": iso(now + timedelta(hours=offset))},
            headers=headers,
        )
    agenda = client.get(f"/api/v1/events/{world.event.id}/state").json()["agenda"]
    breakouts = next(a for a in agenda if a["title"] == "Breakouts")
    old = post(client, world, headers, body="First", kind="key_moment")
    pinned = post(client, world, headers, body="Read me first", pinned=True)
    quote = post(
        client, world, headers, body="> Small steps", kind="quote", attribution="Tom, director"
    )
    latest = post(client, world, headers, body="Latest", agenda_item_id=breakouts["id"])
    client.cookies.clear()
    page = page_of(client, blog_url(world))
    assert page.css_first("h1").text() == world.event.title  # type: ignore[union-attr]
    assert page.css_first("[data-status-badge]").text().strip() == "Live"  # type: ignore[union-attr]
    assert stream_ids(page, "pinned") == [pinned["id"]]
    assert stream_ids(page) == [latest["id"], quote["id"], old["id"]]
    latest_node = page.css_first(f"#entry-{latest['id']}")
    assert latest_node.css_first("[data-slot=session]").text() == "Breakouts"  # type: ignore[union-attr]
    quote_node = page.css_first(f"#entry-{quote['id']}")
    assert quote_node.css_first("blockquote") is not None  # type: ignore[union-attr]
    assert quote_node.css_first(".entry-attribution").text() == "Tom, director"  # type: ignore[union-attr]
    link = page.css_first(f"#entry-{old['id']} a.entry-time")
    assert link.attributes["href"] == f"{blog_url(world)}/e/{old['id']}#entry-{old['id']}"  # type: ignore[union-attr]
    now_item = page.css_first('[data-agenda-list] li[aria-current="true"]')
    assert now_item is not None and "Breakouts" in now_item.text()
    moments = [a.attributes["href"] for a in page.css("[data-moments] a")]
    assert moments == [f"{blog_url(world)}/e/{old['id']}#entry-{old['id']}"]
    feed = page.css_first('link[rel="alternate"][type="application/atom+xml"]')
    assert feed.attributes["href"] == f"{blog_url(world)}/feed.atom"  # type: ignore[union-attr]


def test_edited_entries_say_when_and_what_was_corrected(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    entry = post(client, world, headers, body="Thirty managers")
    client.patch(
        f"/api/v1/entries/{entry['id']}",
        json={
            "body": "Forty managers",
            "correction": {"is_correction": True, "note": "We said thirty."},
        },
        headers=headers,
    )
    node = page_of(client, blog_url(world)).css_first(f"#entry-{entry['id']}")
    assert node is not None
    updated = node.css_first("[data-slot=updated]")
    assert updated is not None and "hidden" not in updated.attributes
    assert re.fullmatch(r"Updated \d\d:\d\d\. Correction: We said thirty\.", updated.text())


def test_nothing_posted_yet_says_so(client: TestClient, world: World) -> None:
    page = page_of(client, blog_url(world))
    empty = page.css_first("[data-empty]")
    assert empty is not None and "hidden" not in empty.attributes
    assert page.css_first("[data-status-badge]").text().strip() == "Not started yet"  # type: ignore[union-attr]


def test_older_pages_without_javascript_never_repeat(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    made = [post(client, world, headers, body=f"entry {i}")["id"] for i in range(45)]
    client.cookies.clear()
    seen: list[int] = []
    url: str | None = blog_url(world)
    while url:
        page = page_of(client, url)
        seen += stream_ids(page)
        older = page.css_first("a[data-older]")
        url = older.attributes["href"] if older else None
    assert seen == list(reversed(made))
    heading = page.css_first("#latest-h")
    assert heading is not None and heading.text() == "Earlier updates"


def test_permalinks_open_the_page_at_the_entry(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    made = [post(client, world, headers, body=f"entry {i}")["id"] for i in range(130)]
    client.cookies.clear()
    for entry_id in (made[0], made[100], made[129]):
        page = page_of(client, f"{blog_url(world)}/e/{entry_id}")
        assert entry_id in stream_ids(page)
        canonical = page.css_first('link[rel="canonical"]')
        assert canonical.attributes["href"].endswith(f"{blog_url(world)}/e/{entry_id}")  # type: ignore[union-attr]
        description = page.css_first('meta[property="og:description"]')
        assert description.attributes["content"] == f"entry {made.index(entry_id)}"  # type: ignore[union-attr]
    far = page_of(client, f"{blog_url(world)}/e/{made[0]}")
    assert stream_ids(far)[-1] == made[0]


def test_a_deleted_entrys_permalink_is_gone_and_tells_nothing(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    entry = post(client, world, headers, body="Garden party for the Smith family")
    client.delete(f"/api/v1/entries/{entry['id']}", headers=headers)
    client.cookies.clear()
    response = client.get(f"{blog_url(world)}/e/{entry['id']}")
    assert response.status_code == 410
    assert "Smith family" not in response.text
    assert HTMLParser(response.text).css_first("[role=alert]") is not None
    other = make_world_entry(client, world)
    assert client.get(f"{blog_url(world)}/e/{other}").status_code == 404
    assert client.get(f"/p/{world.programme.slug}/no-such-event").status_code == 404
    assert client.get(f"/p/no-such-programme/{world.event.slug}").status_code == 404


def make_world_entry(client: TestClient, world: World) -> int:
    """An entry of a different event of the same facilitator: not reachable from this one."""
    headers = login(client, world.facilitator)
    response = client.post(
        f"/api/v1/programmes/{world.programme.slug}/events",
        json={"slug": "another-day", "title": "Another day"},
        headers=headers,
    )
    event_id = response.json()["id"]
    entry = client.post(
        f"/api/v1/events/{event_id}/entries", json={"body": "elsewhere"}, headers=headers
    )
    client.cookies.clear()
    return int(entry.json()["id"])


def test_sharing_metadata(client: TestClient, db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
    headers = login(client, world.facilitator)
    entries = [post(client, world, headers, body=f"Update **{i}**") for i in range(3)]
    client.cookies.clear()
    page = page_of(client, blog_url(world))
    meta = {
        (n.attributes.get("property") or n.attributes.get("name")): n.attributes["content"]
        for n in page.css("head meta[content]")
    }
    assert meta["og:type"] == "article" and meta["twitter:card"] == "summary"
    assert meta["og:title"] == meta["twitter:title"] == f"{world.event.title}: live blog"
    assert meta["og:url"].endswith(blog_url(world)) and "robots" not in meta
    ld = json.loads(page.css_first('script[type="application/ld+json"]').text())  # type: ignore[union-attr]
    assert ld["@type"] == "LiveBlogPosting" and ld["url"].endswith(blog_url(world))
    assert ld["coverageStartTime"].endswith("Z") and ld["coverageEndTime"] > ld["coverageStartTime"]
    updates = ld["liveBlogUpdate"]
    assert [u["articleBody"] for u in updates] == ["Update 2", "Update 1", "Update 0"]
    assert updates[0]["url"].endswith(f"/e/{entries[2]['id']}")
    assert updates[0]["@type"] == "BlogPosting" and updates[0]["datePublished"].endswith("Z")


# -- caching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/feed.atom"])
def test_an_unchanged_page_or_feed_answers_304(
    client: TestClient, world: World, suffix: str
) -> None:
    headers = login(client, world.facilitator)
    entry = post(client, world, headers)
    client.cookies.clear()
    url = blog_url(world) + suffix
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "public, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    # Board traffic does not change the live blog; an edit does.
    headers = login(client, world.facilitator)
    board = client.post(
        f"/api/v1/events/{world.event.id}/boards", json={"title": "Wall"}, headers=headers
    )
    assert board.status_code == 201
    client.cookies.clear()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    headers = login(client, world.facilitator)
    edited = {"body": "The garden club met again"}
    client.patch(f"/api/v1/entries/{entry['id']}", json=edited, headers=headers)
    client.cookies.clear()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


# -- visibility -------------------------------------------------------------------------------


def test_a_private_programme_needs_its_facilitator(client: TestClient, db: Database) -> None:
    with db.session() as s:
        world = make_world(s, visibility="private")
    url = blog_url(world)
    client.cookies.clear()
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/login?next={url}"
    assert client.get(f"{url}/feed.atom").status_code == 401
    login(client, world.outsider)
    assert client.get(url, headers={"accept": "text/html"}).status_code == 403
    login(client, world.facilitator)
    response = client.get(url)
    assert response.status_code == 200 and response.headers["cache-control"] == "private, no-cache"
    robots = HTMLParser(response.text).css_first('meta[name="robots"]')
    assert robots is not None and robots.attributes["content"] == "noindex"


def test_an_unlisted_programme_is_reachable_by_link_but_not_indexed(
    client: TestClient, db: Database
) -> None:
    with db.session() as s:
        world = make_world(s, visibility="unlisted")
    client.cookies.clear()
    page = page_of(client, blog_url(world))
    assert page.css_first('meta[name="robots"]').attributes["content"] == "noindex"  # type: ignore[union-attr]
    assert client.get(f"{blog_url(world)}/feed.atom").status_code == 200


# -- the feed ---------------------------------------------------------------------------------


def test_feed_is_valid_atom_with_permalinks_updates_and_tombstones(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    kept = post(client, world, headers, body="Kept [a link](https://example.org)")
    edited = post(client, world, headers, body="Befor")
    gone = post(client, world, headers, body="Removed")
    client.patch(f"/api/v1/entries/{edited['id']}", json={"body": "Before"}, headers=headers)
    client.delete(f"/api/v1/entries/{gone['id']}", headers=headers)
    client.cookies.clear()
    response = client.get(f"{blog_url(world)}/feed.atom")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == f"{world.event.title}: live blog"
    assert parsed.feed.link.endswith(blog_url(world))
    base = "http://127.0.0.1:8000" + blog_url(world)
    by_id = {e.id: e for e in parsed.entries}
    assert set(by_id) == {f"{base}/e/{kept['id']}", f"{base}/e/{edited['id']}"}
    entry = by_id[f"{base}/e/{edited['id']}"]
    assert entry.link == f"{base}/e/{edited['id']}#entry-{edited['id']}"
    assert entry.title == "Before" and entry.content[0].value == "<p>Before</p>"
    assert entry.updated_parsed >= entry.published_parsed
    assert parsed.entries[0].id == entry.id  # most recently changed first
    link = HTMLParser(by_id[f"{base}/e/{kept['id']}"].content[0].value).css_first("a")
    assert link is not None and "nofollow" in (link.attributes["rel"] or "")
    (tombstone,) = ET.fromstring(response.content).iter(TOMBSTONE)
    assert tombstone.attrib["ref"] == f"{base}/e/{gone['id']}"
    assert tombstone.attrib["when"].endswith("Z")


# -- hostile input ----------------------------------------------------------------------------


def test_the_corpus_is_big_enough() -> None:
    assert len(XSS) >= 30


CHUNK = 20


@pytest.mark.parametrize("chunk", range((len(XSS) + CHUNK - 1) // CHUNK))
def test_hostile_input_is_inert_in_the_page_feed_and_api(
    client: TestClient, world: World, chunk: int
) -> None:
    headers = login(client, world.facilitator)
    vectors = XSS[chunk * CHUNK : (chunk + 1) * CHUNK]
    ids = []
    for i, vector in enumerate(vectors):
        kind = ["update", "quote", "key_moment"][i % 3]
        # Some vectors look like an email address; publishing them is deliberate here.
        entry = post(
            client,
            world,
            headers,
            body=vector,
            kind=kind,
            attribution=vector[:200],
            confirm_personal=True,
        )
        fixed = client.patch(
            f"/api/v1/entries/{entry['id']}",
            json={
                "body": vector + " ",
                "correction": {"is_correction": True, "note": vector[:500]},
                "confirm_personal": True,
            },
            headers=headers,
        )
        assert fixed.status_code == 200, fixed.text
        ids.append(entry["id"])
    client.cookies.clear()

    page = client.get(blog_url(world))
    assert sorted(stream_ids(HTMLParser(page.text))) == sorted(ids)
    assert_inert_page(page.text, "page")
    for entry_id in ids[:5]:
        assert_inert_page(client.get(f"{blog_url(world)}/e/{entry_id}").text, "permalink")

    feed = client.get(f"{blog_url(world)}/feed.atom").content
    root = ET.fromstring(feed)  # control characters would make this fail
    contents = [c.text or "" for c in root.iter(f"{ATOM}content")]
    assert len(contents) == len(ids)
    for html in contents:
        assert_inert_fragment(html, "feed")
    assert not feedparser.parse(feed).bozo

    api = client.get(f"/api/v1/public/events/{world.event.id}/entries?limit=100").json()
    state = client.get(f"/api/v1/events/{world.event.id}/state").json()
    for entry in api["entries"] + state["entries"]:
        assert_inert_fragment(entry["html"], "api")


def test_the_live_blog_previews_with_its_latest_picture(
    client: TestClient, world: World, settings: Settings
) -> None:
    headers = login(client, world.facilitator)
    entry = client.post(
        f"/api/v1/events/{world.event.id}/entries", json={"body": "The garden"}, headers=headers
    ).json()
    url = f"/p/{world.programme.slug}/{world.event.slug}"
    assert HTMLParser(client.get(url).text).css("meta[property='og:image']") == []
    image = client.post(
        f"/api/v1/entries/{entry['id']}/images",
        files={"file": ("beds.jpg", jpeg(), "image/jpeg")},
        data={"alt": "Raised beds"},
        headers=headers,
    ).json()
    login(client, None)
    head = HTMLParser(client.get(url).text)
    og = head.css_first("meta[property='og:image']")
    assert og is not None
    assert og.attributes["content"] == settings.public_base_url.rstrip("/") + image["url"]
    card = head.css_first("meta[name='twitter:card']")
    assert card is not None and card.attributes["content"] == "summary_large_image"
