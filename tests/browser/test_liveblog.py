"""The live blog in Chromium: a follower's page follows the day; the facilitator's composer."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from server.db import Database
from server.lib.timeutil import iso, utcnow
from server.models.liveblog import Entry
from server.services import accounts
from tests.browser.conftest import (
    check_a11y,
    check_fits_width,
    new_context,
    sign_in,
    watch_for_problems,
)
from tests.factories import PASSWORD, World, make_world
from tests.liveserver import LiveServer

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str, str], Path]
LIVE_MS = 2000  # each change must reach a follower's page within two seconds


@dataclass
class Blog:
    world: World
    api: httpx.Client  # the facilitator, by API token

    @property
    def url(self) -> str:
        return f"/p/{self.world.programme.slug}/{self.world.event.slug}"

    def post(self, body: str, **fields: Any) -> dict[str, Any]:
        response = self.api.post(
            f"/api/v1/events/{self.world.event.id}/entries", json={"body": body, **fields}
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    def patch(self, entry_id: int, **fields: Any) -> dict[str, Any]:
        response = self.api.patch(f"/api/v1/entries/{entry_id}", json=fields)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def delete(self, entry_id: int) -> None:
        assert self.api.delete(f"/api/v1/entries/{entry_id}").status_code == 204


@pytest.fixture
def blog(db: Database, live_server: LiveServer) -> Iterator[Blog]:
    with db.session() as s:
        world = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    with httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        yield Blog(world, api)


def entry(page: Page, entry_id: int) -> Any:
    return page.locator(f"#entry-{entry_id}")


# -- a follower's page ------------------------------------------------------------------------


def test_a_followers_page_shows_posts_edits_and_deletions_live(page: Page, blog: Blog) -> None:
    first = blog.post("Good morning from the Hollins Mill Centre")
    page.goto(blog.url)
    expect(entry(page, first["id"])).to_contain_text("Good morning")
    page.evaluate("window.notReloaded = true")
    expect(page.locator(".blog")).to_have_attribute("data-connection", "live")

    posted = blog.post("Our afternoon kicks off with **Helen**", kind="key_moment")
    node = entry(page, posted["id"])
    expect(node).to_be_visible(timeout=LIVE_MS)
    expect(node.locator("strong")).to_have_text("Helen")
    expect(page.locator('[data-list="stream"] > article').first).to_have_id(f"entry-{posted['id']}")
    expect(page.locator("[data-moments] a")).to_contain_text(["Our afternoon kicks off with Helen"])

    blog.patch(
        posted["id"],
        body="Our afternoon kicks off with **Helen Achterberg**",
        correction={"is_correction": True, "note": "Full name."},
    )
    expect(node.locator("strong")).to_have_text("Helen Achterberg", timeout=LIVE_MS)
    expect(node.locator("[data-slot=updated]")).to_have_text(
        re.compile(r"Updated \d\d:\d\d\. Correction: Full name\.")
    )

    blog.delete(posted["id"])
    expect(node).to_have_count(0, timeout=LIVE_MS)
    expect(page.locator("[data-moments] a")).to_have_count(0)

    # "Next session" in the console: the session is marked "Now" without a reload.
    moved = blog.api.post(f"/api/v1/events/{blog.world.event.id}/agenda/next", json={})
    expect(page.locator("[data-now]")).to_have_text(
        f"Now {moved.json()['item']['title']}", timeout=LIVE_MS
    )
    expect(page.locator("[data-agenda-list] [aria-current=true]")).to_contain_text("Session 1")
    assert page.evaluate("window.notReloaded") is True
    check_a11y(page)


def test_a_reader_further_down_gets_a_pill_not_a_jump(page: Page, blog: Blog) -> None:
    for i in range(12):
        blog.post(f"Entry {i}\n\n" + "A longer paragraph of what happened. " * 8)
    page.goto(blog.url)
    expect(page.locator(".blog")).to_have_attribute("data-connection", "live")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    before = page.evaluate("window.scrollY")

    news = [blog.post(f"Breaking {i}") for i in range(3)]
    pill = page.locator("[data-pill]")
    expect(pill).to_have_text("↑ 3 new updates", timeout=LIVE_MS)
    expect(entry(page, news[0]["id"])).to_have_count(0)
    assert page.evaluate("window.scrollY") == before
    blog.delete(news[1]["id"])
    expect(pill).to_have_text("↑ 2 new updates", timeout=LIVE_MS)

    pill.click()
    expect(pill).to_be_hidden()
    expect(page.locator("#latest-h")).to_be_in_viewport()
    ids = page.locator('[data-list="stream"] > article').evaluate_all(
        "nodes => nodes.slice(0, 2).map(n => Number(n.dataset.entry))"
    )
    assert ids == [news[2]["id"], news[0]["id"]]


def test_load_older_pages_back_without_duplicates(page: Page, blog: Blog) -> None:
    made = [blog.post(f"Entry {i}")["id"] for i in range(45)]
    page.goto(blog.url)
    expect(page.locator(".blog")).to_have_attribute("data-connection", "live")
    stream = page.locator('[data-list="stream"] > article')
    expect(stream).to_have_count(20)
    # While the reader pages back: one shown entry deleted, one not yet shown edited, one new.
    blog.delete(made[40])
    blog.patch(made[10], body="Entry 10, edited")
    newest = blog.post("Newest")["id"]
    expect(entry(page, newest)).to_be_visible(timeout=LIVE_MS)
    older = page.get_by_role("link", name="Load older updates")
    older.click()
    expect(stream).to_have_count(40)
    older.click()
    expect(older).to_have_count(0)
    ids = stream.evaluate_all("nodes => nodes.map(n => Number(n.dataset.entry))")
    assert ids == [newest] + [i for i in reversed(made) if i != made[40]]
    expect(entry(page, made[10])).to_contain_text("Entry 10, edited")


def test_a_live_entry_looks_exactly_like_a_served_one(page: Page, blog: Blog) -> None:
    items = [
        blog.api.post(
            f"/api/v1/events/{blog.world.event.id}/agenda",
            json={"title": "Breakouts", "starts_at": iso(utcnow() - timedelta(minutes=5))},
        ).json()
    ]
    page.goto(blog.url)
    expect(page.locator(".blog")).to_have_attribute("data-connection", "live")
    posted = blog.post(
        "> Small steps of change\n\nSee [the plan](https://example.org)",
        kind="quote",
        attribution="Tom Okafor",
        pinned=True,
        agenda_item_id=items[0]["id"],
    )
    blog.patch(
        posted["id"],
        body="> Small steps of change",
        correction={"is_correction": True, "note": "Link removed."},
    )
    node = entry(page, posted["id"])
    expect(node.locator("[data-slot=correction]")).to_be_visible(timeout=LIVE_MS)
    normalise = (
        "n => { const c = n.cloneNode(true); c.classList.remove('is-new');"
        " c.querySelector('[data-slot=ago]').textContent = '';"
        " return c.outerHTML.replace(/>\\s+</g, '><').trim(); }"
    )
    live = node.evaluate(normalise)
    page.reload()
    served = entry(page, posted["id"]).evaluate(normalise)
    assert live == served


def test_the_page_works_with_javascript_off(
    browser: Browser, blog: Blog, live_server: LiveServer
) -> None:
    made = [blog.post(f"Entry {i}")["id"] for i in range(25)]
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(blog.url)
        expect(page.locator('[data-list="stream"] > article')).to_have_count(20)
        expect(page.locator("[data-no-js]")).to_contain_text("reload the page for new updates")
        page.get_by_role("link", name="Load older updates").click()
        expect(page.get_by_role("heading", name="Earlier updates")).to_be_visible()
        expect(page.locator('[data-list="stream"] > article')).to_have_count(5)
        page.goto(f"{blog.url}/e/{made[2]}#entry-{made[2]}")
        expect(entry(page, made[2])).to_be_in_viewport()
    finally:
        context.close()


def rich_day(blog: Blog, db: Database) -> None:
    """A morning's worth of live blog with believable names and times, for screenshots."""
    event_url = f"/api/v1/events/{blog.world.event.id}"
    blog.api.patch(
        f"/api/v1/programmes/{blog.world.programme.slug}",
        json={"title": "Northbridge Care Homes Excellence Programme"},
    )
    blog.api.patch(
        event_url,
        json={"title": EVENT_TITLE, "venue": "Hollins Mill Centre"},
    )
    for item in blog.api.get(f"{event_url}/state").json()["agenda"]:
        blog.api.delete(f"/api/v1/agenda/{item['id']}")
    start = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=190)
    ids = [
        blog.api.post(
            f"{event_url}/agenda",
            json={
                "title": title,
                "starts_at": iso(start + timedelta(minutes=minutes)),
                "speakers": speakers,
            },
        ).json()["id"]
        for title, minutes, speakers in AGENDA
    ]
    # The facilitator's "Next session" put the breakouts on: followers see them marked "Now".
    blog.api.post(f"{event_url}/agenda/next", json={"item_id": ids[-1]})
    posted = [blog.post(body, agenda_item_id=ids[item], **fields) for item, body, fields in ENTRIES]
    key = posted[2]
    blog.patch(
        key["id"],
        body=key["body"] + " Forty cards so far.",
        correction={"is_correction": True, "note": "The board opened at 11:15, not 11:00."},
    )
    blog.api.post(
        f"/api/v1/entries/{posted[3]['id']}/images",
        files={"file": ("beds.jpg", raised_beds(), "image/jpeg")},
        data={"alt": "Five wooden raised beds on a lawn"},
    )
    with db.session() as s:
        for i, made in enumerate(posted):
            row = s.get(Entry, made["id"])
            assert row is not None
            row.created_at = row.updated_at = start + timedelta(minutes=8 + 45 * i)
            if i == 2:
                row.updated_at = row.created_at + timedelta(minutes=12)
            s.add(row)


EVENT_TITLE = "Event 2: Spreading what works"
AGENDA = [
    ("Welcome and getting to know each other", 0, ["Priya Marsh"]),
    ("Looking back on event one", 45, ["Tom Okafor"]),
    ("Glimpses of brilliance from the last six months", 100, []),
    ("Breakouts: what does good look like for safe?", 180, ["Helen Achterberg", "Dev Rai"]),
]
ENTRIES: list[tuple[int, str, dict[str, Any]]] = [
    (
        0,
        "Good morning from the **Hollins Mill Centre**! Thirty care-home managers from across "
        "Northbridge are here for the second event of the programme.",
        {"pinned": True},
    ),
    (
        1,
        "> Focus on what we're doing right, spread it, learn from it.",
        {"kind": "quote", "attribution": "Tom Okafor, director of improvement"},
    ),
    (
        2,
        "The **glimpses of brilliance** board is open: scan the code on the screen and add yours.",
        {"kind": "key_moment"},
    ),
    (2, "The garden club's raised beds, built by residents:", {}),
    (
        3,
        "Three things we heard in the first hour:\n\n- residents choose the menu\n"
        "- night staff join the handover\n- families visit at any time",
        {},
    ),
]


def raised_beds() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (960, 540), (74, 124, 89))
    for x in range(0, 960, 120):
        image.paste((196, 164, 112), (x + 10, 300, x + 100, 500))
    image.save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_public_page_is_accessible_fits_a_phone_and_is_pictured(
    browser: Browser, blog: Blog, live_server: LiveServer, shot: Shot, screen: str, db: Database
) -> None:
    rich_day(blog, db)
    context = new_context(browser, live_server, screen)
    try:
        page = context.new_page()
        problems = watch_for_problems(page)
        page.goto(blog.url)
        expect(page.locator(".blog")).to_have_attribute("data-connection", "live")
        expect(page.locator("[data-agenda-list] [aria-current=true]")).to_contain_text("Breakouts")
        expect(page.locator("[data-now]")).to_contain_text("Now Breakouts")
        expect(page.locator(".entry-body img")).to_have_js_property("complete", True)
        check_a11y(page)
        check_fits_width(page)
        shot(page, f"liveblog-{screen}", EVENT_TITLE)
        if screen == "phone":
            page.set_viewport_size({"width": 360, "height": 740})
            check_fits_width(page)
        else:
            page.emulate_media(media="print")
            expect(page.locator(".site-header")).to_be_hidden()
            expect(page.locator("article.entry")).to_have_count(5)
            expect(page.locator(".blog-aside")).to_have_css("position", "static")
        assert not problems, problems
    finally:
        context.close()


# -- the composer -----------------------------------------------------------------------------


def open_composer(page: Page, blog: Blog) -> None:
    sign_in(page, blog.world.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{blog.world.event.id}")
    page.get_by_role("link", name="Live blog").click()
    expect(page.get_by_role("heading", level=1, name="Live blog")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Live")


def test_composer_previews_posts_with_the_keyboard_and_keeps_drafts(page: Page, blog: Blog) -> None:
    open_composer(page, blog)
    check_a11y(page)
    text = page.get_by_label("Text")
    text.fill("We are *live* <script>alert(1)</script>")
    preview = page.locator("[data-preview] article")
    expect(preview.locator("em")).to_have_text("live")
    expect(preview.locator("script")).to_have_count(0)
    expect(preview).to_contain_text("<script>alert(1)</script>")

    page.get_by_label("Quote").check()
    page.get_by_label("Who said it").fill("Priya")
    expect(preview.locator(".entry-attribution")).to_have_text("Priya")
    page.reload()
    expect(text).to_have_value("We are *live* <script>alert(1)</script>")
    expect(page.get_by_label("Quote")).to_be_checked()
    expect(page.get_by_label("Who said it")).to_have_value("Priya")
    expect(page.get_by_text("Draft restored.")).to_be_visible()

    text.focus()
    page.keyboard.press("ControlOrMeta+Enter")
    posted = page.locator('[data-list="stream"] > article').first
    expect(posted.locator("em")).to_have_text("live")
    expect(posted.locator(".entry-attribution")).to_have_text("Priya")
    expect(text).to_have_value("")
    expect(text).to_be_focused()
    page.reload()
    expect(text).to_have_value("")
    expect(page.locator('[data-list="stream"] > article')).to_have_count(1)


def test_composer_edits_pins_deletes_and_shows_history(page: Page, blog: Blog) -> None:
    first = blog.post("Thirty managers are here")
    open_composer(page, blog)
    node = entry(page, first["id"])
    node.get_by_role("button", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit entry")).to_be_visible()
    page.get_by_label("Text").fill("Forty managers are here")
    page.get_by_label("This edit corrects a mistake readers saw").check()
    page.get_by_label("What changed").fill("We said thirty.")
    page.get_by_role("button", name="Save changes").click()
    expect(node.locator(".entry-body")).to_have_text("Forty managers are here")
    expect(node.locator("[data-slot=note]")).to_have_text("We said thirty.")
    expect(page.get_by_role("heading", name="New entry")).to_be_visible()

    node.get_by_role("button", name="History").click()
    dialog = page.get_by_role("dialog", name="Earlier versions")
    expect(dialog).to_contain_text("Thirty managers are here")
    check_a11y(page)
    dialog.get_by_role("button", name="Close").click()

    node.get_by_role("button", name="Pin").click()
    expect(page.locator(f'[data-list="pinned"] #entry-{first["id"]}')).to_be_visible()
    expect(node.get_by_role("button", name="Unpin")).to_be_visible()

    page.once("dialog", lambda d: d.accept())
    node.get_by_role("button", name="Delete").click()
    expect(node).to_have_count(0)
    assert blog.api.get(f"/api/v1/entries/{first['id']}/revisions").status_code == 404


def test_composer_adds_pictures_and_sees_other_facilitators_live(
    page: Page, blog: Blog, tmp_path: Path
) -> None:
    open_composer(page, blog)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 50, 50)).save(out, format="PNG")
    page.get_by_label("Text").fill("The raised beds")
    page.get_by_label("Pictures", exact=True).set_input_files(
        {"name": "beds.png", "mimeType": "image/png", "buffer": out.getvalue()}
    )
    page.get_by_role("button", name="Post").click()
    describe = page.get_by_label("Describe picture 1 for people who cannot see it")
    expect(page.locator("[data-error]")).to_contain_text('or tick "Decorative"')
    expect(describe).to_be_focused()
    describe.fill("Raised beds")
    page.get_by_role("button", name="Post").click()
    posted = page.locator('[data-list="stream"] > article').first
    expect(posted.get_by_role("img", name="Raised beds")).to_be_visible()
    expect(page.locator("[data-staged] li")).to_have_count(0)

    other = blog.post("Posted by a colleague")
    expect(entry(page, other["id"])).to_be_visible(timeout=LIVE_MS)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_composer_is_pictured(
    browser: Browser, blog: Blog, live_server: LiveServer, shot: Shot, screen: str, db: Database
) -> None:
    rich_day(blog, db)
    context = new_context(browser, live_server, screen)
    try:
        page = context.new_page()
        open_composer(page, blog)
        page.get_by_label("Text").fill(
            "Our afternoon kicks off with **Helen Achterberg** on what _safe_ looks like "
            "when nobody is watching.\n\n- one idea per card\n- vote with three dots"
        )
        expect(page.locator("[data-preview] strong")).to_have_text("Helen Achterberg")
        check_a11y(page)
        check_fits_width(page)
        shot(page, f"composer-{screen}", "Live blog")
    finally:
        context.close()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_composer_warns_of_personal_data_and_publishes_it_only_on_purpose(
    browser: Browser, blog: Blog, live_server: LiveServer, shot: Shot, screen: str
) -> None:
    context = new_context(browser, live_server, screen)
    try:
        page = context.new_page()
        open_composer(page, blog)
        warning = page.locator("[data-privacy]")
        anyway = page.get_by_role("button", name="Publish anyway")
        stream = page.locator('[data-list="stream"] > article')
        page.get_by_label("Text").fill("Ring Bea's son on 07700 900123 after lunch")
        expect(warning).to_contain_text("This entry looks like a phone number.")
        expect(anyway).to_be_hidden()
        page.get_by_role("button", name="Post").click()
        expect(anyway).to_be_visible()
        expect(anyway).to_be_focused()
        expect(stream).to_have_count(0)
        check_a11y(page)
        check_fits_width(page)
        shot(page, f"composer-privacy-{screen}", "Live blog")
        # Changing the words takes the offer back: what is confirmed is what was seen.
        page.get_by_label("Text").press("End")
        page.get_by_label("Text").type(".")
        expect(anyway).to_be_hidden()
        page.get_by_role("button", name="Post").click()
        anyway.click()
        expect(stream).to_have_count(1)
        expect(stream.first).to_contain_text("07700 900123 after lunch.")
        expect(warning).to_be_hidden()
    finally:
        context.close()
