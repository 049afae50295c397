"""The console's People page: a facilitator erases an attendee on request, by keyboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from server.db import Database
from server.models.boards import BoardCreate
from server.models.events import Event
from server.services import boards
from tests.browser.conftest import Phone, check_a11y, new_context, sign_in, watch_for_problems
from tests.factories import PASSWORD, make_world
from tests.liveserver import LiveServer

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str, str], Path]


def test_a_facilitator_erases_an_attendee_and_the_wall_forgets_them(
    browser: Browser, live_server: LiveServer, db: Database, shot: Shot
) -> None:
    with db.session() as s:
        world = make_world(s, status="live")
        event = s.get(Event, world.event.id)
        assert event is not None
        boards.create_event_board(
            s, actor=world.facilitator, event=event, data=BoardCreate(title="Brilliance")
        )
    phones = [Phone(browser, live_server), Phone(browser, live_server)]
    for phone, name in zip(phones, ("Ada", "Ben"), strict=True):
        phone.join(world.event.join_code, name)
    phones[0].post("Ada's garden club")
    phones[1].post("Ben's breakfast idea")
    expect(phones[1].wall("Ada's garden club")).to_be_visible()

    desk = new_context(browser, live_server)
    page = desk.new_page()
    problems = watch_for_problems(page)
    sign_in(page, world.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{world.event.id}")
    page.get_by_role("link", name="People").click()
    ada = page.locator("tr", has=page.get_by_role("rowheader", name="Ada"))
    expect(ada.get_by_role("cell").nth(1)).to_have_text("1")  # one card
    check_a11y(page)
    for size, name in (((1920, 1080), "console-people"), ((390, 844), "console-people-phone")):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        shot(page, name, "People")
    page.set_viewport_size({"width": 1920, "height": 1080})

    # By keyboard: choose to delete her cards, then Erase.
    ada.get_by_role("radio", name="Delete cards").focus()
    page.keyboard.press("Space")
    ada.get_by_role("button", name="Erase Ada").focus()
    page.keyboard.press("Enter")
    # A second, deliberate step: nothing is erased until it is confirmed.
    confirm = page.get_by_role("alertdialog", name="Erase Ada?")
    expect(confirm).to_contain_text("so do their cards")
    expect(phones[1].wall("Ada's garden club")).to_be_visible()
    check_a11y(page)
    shot(page, "console-people-confirm", "People")
    expect(confirm.get_by_role("button", name="Yes, erase Ada")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Erased")
    expect(page.get_by_role("rowheader", name="Ada")).to_have_count(0)
    expect(page.get_by_role("rowheader", name="Ben")).to_be_visible()
    check_a11y(page)

    # Ben's phone is told at once: her card leaves his wall; his own stays.
    expect(phones[1].wall("Ada's garden club")).to_have_count(0)
    expect(phones[1].wall("Ben's breakfast idea")).to_be_visible()
    assert problems == []
    for phone in phones:
        phone.context.close()
    desk.close()
