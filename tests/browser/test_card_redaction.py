"""The facilitator redacts a held card on the review page by keyboard; the author's phone shows
the redacted card and says so, live and after a reload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select

from server.db import Database
from server.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from server.models.boards import Board
from server.models.events import Event
from tests.browser.conftest import Phone, check_a11y, check_fits_width, new_context, sign_in
from tests.liveserver import LiveServer

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str, str], Path]
HELD = "Mrs Doris Green in room 12 loved the choir"
REDACTED = "[redacted] loved the choir"


def test_a_held_card_is_redacted_by_keyboard_and_its_author_sees_it(
    page: Page, browser: Browser, live_server: LiveServer, db: Database, shot: Shot
) -> None:
    with db.session() as s:
        programme = load_demo(s, if_empty=False)
        assert programme is not None
        event = s.exec(select(Event).where(Event.programme_id == programme.id)).one()
        board = s.exec(select(Board).where(Board.event_id == event.id)).one()
    phone = Phone(browser, live_server)
    phone.join(event.join_code, "Ravi")
    phone.post(HELD)
    expect(phone.mine(HELD)).to_contain_text("a facilitator will check it")

    sign_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    # From the live board, the held card's link opens its redaction on the review page.
    page.goto(f"/console/boards/{board.id}")
    page.locator(".bc-card", has_text=HELD).get_by_role("link", name="Redact words").focus()
    page.keyboard.press("Enter")
    box = page.get_by_role("textbox", name="Card text, with each part to take out replaced")
    expect(box).to_have_value(HELD)
    expect(box).to_be_focused()
    check_a11y(page)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "archive-review-redact", "Review before freezing")
    expect(box).to_be_focused()
    page.keyboard.press("Control+Home")
    for _ in "Mrs Doris Green in room 12":
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Mark as [redacted]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(box).to_have_value(REDACTED)
    page.get_by_role("button", name="Redact", exact=True).focus()
    page.keyboard.press("Enter")
    item = page.locator(".review-list li", has_text=REDACTED)
    expect(item.locator(".redacted-tag")).to_have_text("Redacted")
    expect(item).to_contain_text("Waiting for approval")
    page.goto(f"/console/boards/{board.id}")
    expect(page.locator(".bc-card", has_text=REDACTED).locator(".redacted-tag")).to_be_visible()
    page.goto(f"/console/events/{event.id}/review")
    expect(page.get_by_text("Doris")).to_have_count(0)
    check_a11y(page)

    mark = "Redacted by the facilitator"
    expect(phone.mine(REDACTED)).to_contain_text(mark)  # live, over the socket
    phone.page.reload()
    expect(phone.mine(REDACTED)).to_contain_text(mark)
    expect(phone.page.get_by_text("Doris")).to_have_count(0)
    phone.mine(REDACTED).scroll_into_view_if_needed()
    shot(phone.page, "attendee-redacted", "Glimpses of brilliance")
    assert not phone.problems, phone.problems
    phone.context.close()

    small = new_context(browser, live_server, "phone").new_page()
    sign_in(small, DEMO_EMAIL, DEMO_PASSWORD)
    small.goto(f"/console/events/{event.id}/review")
    small.get_by_text("Redact words").click()
    check_fits_width(small)
    check_a11y(small)
    shot(small, "archive-review-redact-phone", "Review before freezing")
    small.context.close()
