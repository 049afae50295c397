"""The demo day from live to frozen through the console, then its summary and the programme."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect
from sqlmodel import Session, select

from server.db import Database
from server.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from server.models.actions import ActionCreate
from server.models.boards import Board, CardCreate, CardUpdate, ThemeCreate
from server.models.breakouts import BreakoutCreate, NoteCreate
from server.models.events import Event
from server.models.programmes import Programme
from server.services import (
    accounts,
    actions,
    attendees,
    breakout_members,
    breakouts,
    cards,
    notes,
    votes,
)
from server.services.access import Caller
from tests.browser.conftest import Phone, check_a11y, check_fits_width, new_context, sign_in
from tests.live.wsclient import wait_for_peak
from tests.liveserver import LiveServer

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str, str], Path]
SECRET = "test-secret-key"


def fill_the_demo_day(session: Session) -> tuple[Programme, Event]:
    """The demo's live day, with what a morning in the room adds: cards, themes, notes, a plan."""
    programme = load_demo(session, if_empty=False)
    assert programme is not None
    event = session.exec(select(Event).where(Event.programme_id == programme.id)).one()
    board = session.exec(select(Board).where(Board.event_id == event.id)).one()
    people = [
        Caller(
            attendee=attendees.join(
                session, code=event.join_code, secret_key=SECRET, display_name=n
            )[0]
        )
        for n in ("Maya", "", "Olu")
    ]
    texts = [
        ("Residents planted the sensory garden with their families", "Going well", False),
        ("Night shifts short of two carers most weeks", "Concerning", True),
        ("Agency staff do not know residents' routines", "Concerning", False),
        ("Music afternoons are back and full", "Going well", False),
        ("Ring Joan on 07700 900123 about the rota", "Concerning", False),
    ]
    made = []
    for i, (text, column, anonymous) in enumerate(texts):
        data = CardCreate(client_id=f"demo-{i}", text=text, column=column, anonymous=anonymous)
        made.append(cards.create_card(session, actor=people[i % 3], board=board, data=data)[0])
    boss = accounts.user_by_email(session, email=DEMO_EMAIL)
    assert boss is not None
    for title, members in (("Staffing", (1, 2)), ("Activities", (0, 3))):
        theme = votes.create_theme(session, actor=boss, board=board, data=ThemeCreate(title=title))
        for index in members:
            cards.update_card(
                session,
                actor=Caller(user=boss),
                card=made[index],
                data=CardUpdate(theme_id=theme.id),
            )
    for who, index, count in ((people[0], 1, 2), (people[1], 2, 3), (people[2], 0, 1)):
        votes.set_card_vote(session, actor=who, card=made[index], count=count)
    group = breakouts.create_breakout(
        session, actor=boss, event=event, data=BreakoutCreate(name="Safe: what good looks like")
    )
    breakout_members.join(session, actor=people[0], breakout=group)
    note = NoteCreate(client_id="n1", text="Handover huddles at every shift change")
    notes.create_note(session, actor=people[0], breakout=group, data=note)
    actions.create_action(
        session,
        actor=boss,
        programme=programme,
        data=ActionCreate(
            title="A shared bank of night carers",
            owner="Tom Okafor",
            involve=["Home managers", "Commissioners"],
            event_id=event.id,
        ),
    )
    return programme, event


def accept_dialogs(page: Page) -> list[str]:
    seen: list[str] = []

    def accept(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return seen


def test_the_demo_day_from_live_to_frozen(
    page: Page, browser: Browser, live_server: LiveServer, db: Database, shot: Shot
) -> None:
    with db.session() as s:
        programme, event = fill_the_demo_day(s)
    phones = [Phone(browser, live_server) for _ in range(2)]
    for phone, name in zip(phones, ("Ravi", "Jo"), strict=True):
        phone.join(event.join_code, name)
    assert wait_for_peak(db, event.id, 2) == 2
    # Breakouts are open, so both phones landed on the group picker; Ravi goes back to the board.
    phones[0].page.get_by_role("link", name=event.title).click()
    expect(phones[0].page.locator("[data-conn]")).to_have_attribute("data-conn", "live")
    confirms = accept_dialogs(page)
    sign_in(page, DEMO_EMAIL, DEMO_PASSWORD)

    page.goto(f"/console/events/{event.id}")
    page.get_by_role("button", name="End the day").click()
    expect(page.get_by_test_id("status")).to_have_text("ended")
    assert any("End the day" in message for message in confirms)

    # The event page cannot freeze by itself: it sends the facilitator through the review.
    expect(page.get_by_role("button", name=re.compile("Freeze"))).to_have_count(0)
    page.get_by_test_id("review-link").click()
    held = page.locator(
        ".review-list .card-text", has_text="Ring Joan on 07700 900123 about the rota"
    )
    expect(held).to_be_visible()
    expect(page.get_by_text("looks like a phone number")).to_be_visible()
    check_a11y(page)
    shot(page, "archive-review", "Review before freezing")
    page.get_by_role("button", name=re.compile("^Hide")).click()
    expect(page.get_by_test_id("nothing-pending")).to_be_visible()

    page.get_by_role("button", name="Freeze into the archive").click()
    expect(page.get_by_test_id("status")).to_have_text("frozen")
    assert any("Freeze the day" in message for message in confirms)
    expect(page.get_by_test_id("join-code")).to_have_count(0)

    # Every surface now points to the summary: the phones, the screen, the live blog, the console.
    for phone in phones:  # on the board, and on the breakouts page
        over = phone.page.get_by_role("region", name="The day is over. Thank you!")
        expect(over).to_be_visible()
        expect(phone.page.locator("[data-conn-label]")).to_have_text("This day has ended.")
        check_a11y(phone.page)
    shot(phones[0].page, "attendee-over", "Glimpses of brilliance")
    shot(phones[1].page, "breakouts-over", "Breakouts")
    screen = new_context(browser, live_server).new_page()
    screen.context.add_cookies(page.context.cookies())
    screen.goto(f"/screen/{event.id}")
    expect(screen.locator("[data-mode-view=over]")).to_contain_text(f"/{event.slug}/summary")
    check_a11y(screen)
    shot(screen, "screen-over", event.title)
    screen.context.close()
    page.get_by_test_id("summary-link").click()
    expect(page.get_by_role("heading", level=2, name="Glimpses of brilliance")).to_be_visible()
    themes = page.locator(".theme h3")
    expect(themes).to_have_text(["Staffing", "Activities"])
    # The facilitator reads the whole record, the hidden card marked; the public never sees it.
    expect(page.locator("[data-private=hidden]", has_text="Ring Joan")).to_have_count(1)
    public = new_context(browser, live_server).new_page()
    public.goto(f"/p/{programme.slug}/{event.slug}")
    over = public.locator("[data-day-over]")
    expect(over.get_by_role("link", name="see the whole programme")).to_be_visible()
    check_a11y(public)
    shot(public, "liveblog-over", event.title)
    over.get_by_role("link", name="Read the summary").click()
    expect(public.locator(".theme h3")).to_have_text(["Staffing", "Activities"])
    expect(public.get_by_text("Ring Joan")).to_have_count(0)
    expect(public.locator("[data-view=full]")).to_have_count(0)
    public.context.close()
    figures = page.locator("dl.figures > div")
    expect(figures.filter(has_text="Attendees joined").locator("dd")).to_have_text("5")
    expect(figures.filter(has_text="Peak connected").locator("dd")).to_have_text("2")
    for phone in phones:
        phone.context.close()
    check_a11y(page)
    check_fits_width(page)
    shot(page, "archive-summary", event.title)
    page.locator("#board-1").scroll_into_view_if_needed()
    shot(page, "archive-summary-board", event.title)

    page.goto(f"/p/{programme.slug}")
    expect(page.get_by_role("link", name=event.title)).to_be_visible()
    expect(page.get_by_role("cell", name="A shared bank of night carers")).to_be_visible()
    check_a11y(page)
    shot(page, "archive-programme", programme.title)
    page.get_by_label("Words to find in entries, cards, notes and actions").fill("garden")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".search-results mark").first).to_have_text("garden")
    check_a11y(page)
    shot(page, "archive-search", programme.title)
    page.locator(".search-results a").first.click()
    expect(page).to_have_url(re.compile(r"/summary#card-\d+$"))

    phone = new_context(browser, live_server, "phone").new_page()
    phone.goto(f"/p/{programme.slug}/{event.slug}")
    expect(phone.locator("[data-day-over]")).to_be_visible()
    check_fits_width(phone)
    shot(phone, "liveblog-over-phone", event.title)
    phone.goto(f"/p/{programme.slug}/{event.slug}/summary")
    check_fits_width(phone)
    shot(phone, "archive-summary-phone", event.title)
    phone.context.close()


def test_the_console_offers_open_actions_for_a_check_in(
    page: Page, live_server: LiveServer, db: Database, shot: Shot
) -> None:
    with db.session() as s:
        _, event = fill_the_demo_day(s)
    sign_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    page.goto(f"/console/events/{event.id}/actions")
    check_a11y(page)
    page.get_by_role("textbox", name="Progress").fill("Two homes have joined the bank")
    page.get_by_role("combobox", name="Status").select_option("in progress")
    page.get_by_role("button", name="Record progress").click()
    expect(page.get_by_text("Two homes have joined the bank")).to_be_visible()
    page.get_by_label("Action", exact=True).fill("Music afternoons in every home")
    page.get_by_label("From theme").select_option(label="Activities (Glimpses of brilliance)")
    page.get_by_role("button", name="Raise action").click()
    expect(
        page.get_by_role("heading", level=3, name="Music afternoons in every home")
    ).to_be_visible()
    check_a11y(page)
    shot(page, "archive-actions", "Actions")
