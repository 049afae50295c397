"""The facilitator's console in headless Chromium against a real uvicorn."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from server.db import Database
from server.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from server.services.join_codes import JOIN_ALPHABET
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


def test_home_page_leads_to_the_console_sign_in(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Glimpse")).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="Facilitator console").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_wrong_password_shows_the_error_and_the_right_one_signs_in(
    page: Page, world: World
) -> None:
    page.goto("/console/login")
    check_a11y(page)
    page.get_by_label("Email").fill(world.facilitator.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("That email and password do not match.")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(world.facilitator.email)
    expect(page.get_by_label("Password")).to_have_value("")
    check_a11y(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Your programmes")).to_be_visible()
    expect(page.get_by_role("link", name=world.programme.title)).to_be_visible()
    check_a11y(page)


def test_signing_in_works_by_keyboard_alone(page: Page, world: World) -> None:
    page.goto("/console/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(world.facilitator.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Your programmes")).to_be_visible()

    # Skip the header again and open the first programme with Enter.
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=world.programme.title)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=world.programme.title)).to_be_visible()
    check_a11y(page)

    # On to the event, then open a session, rename it and save, all from the keyboard.
    tab_to(page, page.get_by_role("link", name=world.event.title))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=world.event.title)).to_be_visible()
    tab_to(page, page.get_by_role("group").filter(has_text="Session 1"))
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    title = page.get_by_role("form", name="Session: Session 1").get_by_label("Title")
    expect(title).to_be_focused()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("Welcome")
    page.keyboard.press("Enter")
    agenda = page.get_by_role("region", name="Agenda")
    expect(agenda.get_by_role("listitem")).to_contain_text(["Welcome", "Session 2"])


def tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until `target` (or an element inside it) has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("e => e.contains(document.activeElement)"):
            return
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def test_event_page_shows_the_join_code_and_edits_the_agenda(page: Page, world: World) -> None:
    sign_in(page, world.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{world.event.id}")
    expect(page.get_by_role("heading", level=1, name=world.event.title)).to_be_visible()
    code = page.get_by_test_id("join-code")
    expect(code).to_have_text(re.compile(f"^[{JOIN_ALPHABET}]{{6}}$"))
    expect(code).to_have_text(world.event.join_code)
    expect(page.get_by_test_id("status")).to_have_text("draft")
    check_a11y(page)

    add = page.get_by_role("form", name="Add a session")
    add.get_by_label("Title").fill("Opening plenary")
    add.get_by_label("Time").fill("2026-11-23T10:30")
    add.get_by_label("Speakers").fill("Ada Lovelace, Grace Hopper")
    add.get_by_role("button", name="Add session").click()

    # Each session is one line (time, title, speakers) that opens into its form.
    sessions = page.get_by_role("region", name="Agenda").get_by_role("group")
    expect(sessions).to_have_count(3)
    added = sessions.filter(has_text="Opening plenary")
    expect(added).to_have_text(
        re.compile(r"^10:30\s*Opening plenary\s*Ada Lovelace, Grace Hopper\s*Edit$"),
        use_inner_text=True,
    )
    added.get_by_text("Edit", exact=True).click()
    form = page.get_by_role("form", name="Session: Opening plenary")
    expect(form.get_by_label("Time")).to_have_value("2026-11-23T10:30")
    expect(form.get_by_label("Speakers")).to_have_value("Ada Lovelace, Grace Hopper")

    form.get_by_label("Title").fill("Opening plenary and welcome")
    form.get_by_role("button", name="Save").click()
    renamed = sessions.filter(has_text="Opening plenary and welcome")
    expect(renamed).to_have_text(
        re.compile(r"^10:30\s*Opening plenary and welcome\s"), use_inner_text=True
    )
    expect(sessions).to_have_count(3)

    renamed.get_by_text("Edit", exact=True).click()
    page.once("dialog", lambda dialog: dialog.accept())  # "Delete this session?"
    page.get_by_role("form", name="Session: Opening plenary and welcome").get_by_role(
        "button", name="Delete"
    ).click()
    expect(renamed).to_have_count(0)
    expect(sessions).to_have_count(2)

    page.get_by_role("button", name="Start the day (go live)").click()
    expect(page.get_by_test_id("status")).to_have_text("live")
    expect(page.get_by_role("button", name="End the day")).to_be_visible()
    check_a11y(page)


def test_a_frozen_event_shows_its_agenda_read_only(page: Page, db: Database) -> None:
    with db.session() as s:
        frozen = make_world(s, status="frozen")
    sign_in(page, frozen.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{frozen.event.id}")
    expect(page.get_by_test_id("status")).to_have_text("frozen")
    expect(page.get_by_text("This day is frozen: its record can no longer change")).to_be_visible()
    expect(page.get_by_test_id("summary-link")).to_be_visible()
    agenda = page.get_by_role("region", name="Agenda")
    expect(agenda.get_by_role("listitem")).to_contain_text(["Session 1", "Session 2"])
    expect(agenda.get_by_role("textbox")).to_have_count(0)
    expect(agenda.get_by_role("button")).to_have_count(0)
    check_a11y(page)


def test_a_facilitator_of_another_programme_is_not_allowed(page: Page, world: World) -> None:
    sign_in(page, world.outsider.email, PASSWORD)
    response = page.goto(f"/console/events/{world.event.id}")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1, name="Not allowed")).to_be_visible()
    expect(page.get_by_test_id("join-code")).to_have_count(0)
    check_a11y(page)
    page.get_by_role("link", name="Back to your programmes").click()
    expect(page.get_by_role("heading", level=1, name="Your programmes")).to_be_visible()


def test_anonymous_visitors_are_sent_to_sign_in_and_back(page: Page, world: World) -> None:
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/console/login\?next=(/|%2F)console$"))
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()

    page.goto(f"/console/events/{world.event.id}")
    expect(page).to_have_url(re.compile(r"/console/login\?next="))
    page.get_by_label("Email").fill(world.facilitator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(f"/console/events/{world.event.id}$"))
    expect(page.get_by_role("heading", level=1, name=world.event.title)).to_be_visible()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_console_pages_at_phone_and_projector_size(
    browser: Browser, live_server: LiveServer, db: Database, shot: Shot, screen: str
) -> None:
    """The demo programme's pages, checked with axe and photographed for docs/screenshots."""
    with db.session() as s:
        programme = load_demo(s, if_empty=False)
    assert programme is not None
    context = new_context(browser, live_server, screen)
    page = context.new_page()
    problems = watch_for_problems(page)

    def look(name: str, heading: str) -> None:
        check_a11y(page)
        check_fits_width(page)
        shot(page, f"console-{name}-{screen}", heading)

    try:
        page.goto("/console/login")
        look("login", "Sign in")
        sign_in(page, DEMO_EMAIL, DEMO_PASSWORD)
        look("programmes", "Your programmes")
        page.get_by_role("link", name=programme.title).click()
        look("programme", programme.title)
        # The event's address suggests itself from the title as it is typed.
        page.locator("#e-title").fill("Event 3: Safe care!")
        expect(page.locator("#e-slug")).to_have_value("event-3-safe-care")
        page.get_by_role("link", name="Event 2: Spreading what works").click()
        expect(page.get_by_test_id("status")).to_have_text("live")
        page.get_by_test_id("next-session").click()
        expect(page.get_by_test_id("now-item")).to_have_text(
            "Now: Welcome and getting to know each other"
        )
        for _ in range(2):
            page.get_by_test_id("next-session").click()
        # The session's own board opened with it, one tap from here.
        expect(page.get_by_test_id("now-item").get_by_role("link")).to_have_text(
            "Glimpses of brilliance"
        )
        look("event", "Event 2: Spreading what works")
    finally:
        context.close()
    assert not problems, f"The pages reported problems: {problems}"
