"""Breakout groups in Chromium: three phones in two groups write at once and each sees only its
own group's notes, live; two phones edit one note and the second writer is shown the conflict;
the facilitator's overview shows both groups and puts one group's notes on the session screen;
the table cards print one per group."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.db import Database
from server.models.accounts import User
from server.models.breakouts import NoteCreate
from server.services import accounts, breakouts, notes
from server.services.access import Caller
from tests.browser.conftest import (
    check_a11y,
    check_fits_screen,
    check_fits_width,
    new_context,
    sign_in,
    watch_for_problems,
)
from tests.factories import PASSWORD, World, make_world
from tests.liveserver import LiveServer

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str, str], Path]
LIVE_MS = 3000  # each note must reach the other phones of its group within this


@dataclass
class Phone:
    name: str
    page: Page
    problems: list[str]

    def note(self, text: str) -> None:
        self.page.get_by_label("Add a note for your group").fill(text)

    def add(self, *texts: str) -> None:
        for text in texts:
            self.note(text)
            self.page.get_by_role("button", name="Add note").click()

    def notes(self) -> list[str]:
        return self.page.locator(
            "[data-notes] .note:not(.pending) [data-note-text]"
        ).all_inner_texts()


@dataclass
class Day:
    world: World
    api: httpx.Client  # the facilitator, by API token
    one: int
    two: int


@pytest.fixture
def day(live_server: LiveServer, db: Database) -> Iterator[Day]:
    with db.session() as s:
        world = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"})
    url = f"/api/v1/events/{world.event.id}/breakouts"
    one = api.post(url, json={"name": "Table 1", "prompt": "What does good look like for safe?"})
    two = api.post(url, json={"name": "Table 2", "prompt": "Map the people around your care home"})
    yield Day(world, api, one.json()["id"], two.json()["id"])
    api.close()


@pytest.fixture
def phones(browser: Browser, live_server: LiveServer) -> Iterator[list[BrowserContext]]:
    contexts = [new_context(browser, live_server, "phone") for _ in range(3)]
    yield contexts
    for context in contexts:
        context.close()


def seat(context: BrowserContext, day: Day, name: str, group: int) -> Phone:
    """Join the event as this phone, sit in `group`, and open the breakout page."""
    joined = context.request.post(
        "/api/v1/join", data={"code": day.world.event.join_code, "display_name": name}
    )
    assert joined.ok, joined.text()
    assert context.request.post(f"/api/v1/breakouts/{group}/join").ok
    page = context.new_page()
    problems = watch_for_problems(page)
    page.goto(f"/a/{day.world.event.id}/breakout")
    expect(page.locator("[data-conn]")).to_have_attribute("data-conn", "live")
    return Phone(name, page, problems)


def test_three_phones_in_two_groups_write_at_once_and_resolve_a_conflict(
    browser: Browser,
    live_server: LiveServer,
    day: Day,
    phones: list[BrowserContext],
    shot: Shot,
) -> None:
    amy = seat(phones[0], day, "Amy", day.one)
    ben = seat(phones[1], day, "Ben", day.one)
    cat = seat(phones[2], day, "Cat", day.two)
    expect(amy.page.get_by_role("heading", level=1)).to_have_text("Table 1")
    expect(cat.page.get_by_role("heading", level=1)).to_have_text("Table 2")
    check_a11y(amy.page)
    check_fits_width(amy.page)

    # Everyone writes, then all three press "Add note" at once.
    texts = {
        "Amy": "Staff know every resident's routine",
        "Ben": "Handovers happen at the bedside",
        "Cat": "The GP practice and the district nurses",
    }
    for phone in (amy, ben, cat):
        phone.note(texts[phone.name])
    for phone in (amy, ben, cat):
        phone.page.get_by_role("button", name="Add note").click(no_wait_after=True)

    table_one = sorted([texts["Amy"], texts["Ben"]])
    for phone in (amy, ben):
        expect(phone.page.locator("[data-notes] [data-note-text]")).to_have_count(
            2, timeout=LIVE_MS
        )
        assert sorted(phone.notes()) == table_one
    expect(cat.page.locator("[data-notes] [data-note-text]")).to_have_count(1, timeout=LIVE_MS)
    assert cat.notes() == [texts["Cat"]]
    assert texts["Cat"] not in amy.page.content() and texts["Amy"] not in cat.page.content()
    shot(amy.page, "breakouts-phone", "Table 1")

    # Amy and Ben edit Amy's note at the same time; Ben saves second and sees both versions.
    note_id = amy.page.locator(".note", has_text=texts["Amy"]).get_attribute("data-note-id")
    items = {p.name: p.page.locator(f'.note[data-note-id="{note_id}"]') for p in (amy, ben)}
    for item in items.values():
        item.get_by_role("button", name="Edit note").click()
    items["Amy"].get_by_label("Edit the note").fill("Staff know each resident's routine by heart")
    items["Ben"].get_by_label("Edit the note").fill("Staff know routines, and write them down")
    items["Amy"].get_by_role("button", name="Save").click()
    expect(items["Ben"].locator("[data-note-text]")).to_have_text(
        "Staff know each resident's routine by heart", timeout=LIVE_MS
    )
    items["Ben"].get_by_role("button", name="Save").click()
    conflict = items["Ben"].locator("[data-conflict]")
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-theirs]")).to_have_text(
        "Staff know each resident's routine by heart"
    )
    expect(conflict.locator("[data-mine]")).to_have_text("Staff know routines, and write them down")
    check_a11y(ben.page)
    conflict.scroll_into_view_if_needed()
    shot(ben.page, "breakouts-conflict", "Table 1")

    # Ben keeps both: his text becomes a note of its own; Amy's edit stands.
    conflict.get_by_role("button", name="Keep both").click()
    expected = [
        "Staff know each resident's routine by heart",
        texts["Ben"],
        "Staff know routines, and write them down",
    ]
    for phone in (amy, ben):
        expect(phone.page.locator("[data-notes] [data-note-text]")).to_have_count(
            3, timeout=LIVE_MS
        )
        assert sorted(phone.notes()) == sorted(expected)
        assert phone.notes()[-1] == "Staff know routines, and write them down"
    assert cat.notes() == [texts["Cat"]]

    for phone in (amy, ben, cat):
        assert not phone.problems, f"{phone.name}'s page reported problems: {phone.problems}"


def test_the_facilitator_overview_shows_both_groups_live(
    page: Page,
    browser: Browser,
    live_server: LiveServer,
    day: Day,
    phones: list[BrowserContext],
    shot: Shot,
) -> None:
    amy = seat(phones[0], day, "Amy", day.one)
    cat = seat(phones[1], day, "Cat", day.two)
    sign_in(page, day.world.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{day.world.event.id}/breakouts")
    expect(page.locator("[data-status]")).to_have_text("Live")
    groups = page.locator(".bo-group")
    expect(groups).to_have_count(2)
    expect(groups.nth(0).get_by_role("heading")).to_have_text("Table 1")
    expect(groups.nth(1).get_by_role("heading")).to_have_text("Table 2")

    amy.note("Residents choose the menu")
    amy.page.get_by_role("button", name="Add note").click()
    cat.note("Call the pharmacist on Tuesdays")
    cat.page.get_by_role("button", name="Add note").click()
    expect(groups.nth(0).locator(".note-text")).to_have_text(["Residents choose the menu"])
    expect(groups.nth(1).locator(".note-text")).to_have_text(["Call the pharmacist on Tuesdays"])
    expect(groups.nth(0).locator("[data-writing]")).to_contain_text("Amy is writing")
    expect(groups.nth(0).locator("[data-count]")).to_have_text("1")
    check_a11y(page)
    shot(page, "breakouts-overview", "Breakouts")

    # A timer for all groups reaches the phones; report-back posts to the live blog.
    page.get_by_label("Minutes").fill("10")
    page.get_by_role("button", name="Start timer").click()
    expect(amy.page.locator("[data-timer]")).to_be_visible(timeout=LIVE_MS)
    expect(cat.page.locator("[data-timer-left]")).to_have_text(
        re.compile(r"^(10:00|9:5\d)$"), timeout=LIVE_MS
    )
    groups.nth(0).get_by_role("button", name="Post to blog").click()
    expect(page.locator("[data-done]")).to_have_text("Table 1's notes are on the live blog.")

    # Closing makes every phone read-only at once.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the breakouts").click()
    expect(amy.page.locator("[data-group-closed]")).to_be_visible(timeout=LIVE_MS)
    expect(amy.page.get_by_role("button", name="Add note")).to_be_hidden()
    for phone in (amy, cat):
        assert not phone.problems, phone.problems


def test_the_facilitator_shows_one_groups_notes_on_the_screen(
    page: Page, day: Day, phones: list[BrowserContext], shot: Shot
) -> None:
    amy = seat(phones[0], day, "Amy", day.one)
    ben = seat(phones[1], day, "Ben", day.one)
    cat = seat(phones[2], day, "Cat", day.two)
    amy.add("Residents choose the menu", "Staff know every resident's routine")
    ben.add("Handovers happen at the bedside")
    cat.add("Call the pharmacist on Tuesdays")
    sign_in(page, day.world.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{day.world.event.id}/breakouts")
    groups = page.locator(".bo-group")
    expect(groups.nth(0).locator(".note-text")).to_have_count(3)
    screen = page.context.new_page()
    problems = watch_for_problems(screen)
    screen.goto(f"/screen/{day.world.event.id}")
    expect(screen.locator("[data-mode-view=join]")).to_be_visible()

    groups.nth(0).get_by_role("button", name="On screen: Table 1").click()
    expect(page.locator("[data-done]")).to_have_text("The screen shows Table 1.")
    shown = screen.locator("[data-mode-view=breakout]")
    expect(shown).to_be_visible(timeout=LIVE_MS)
    expect(shown.get_by_role("heading", level=2)).to_have_text("Table 1")
    expect(shown.locator("[data-group-prompt]")).to_have_text("What does good look like for safe?")
    table_one = [
        "Residents choose the menu",
        "Staff know every resident's routine",
        "Handovers happen at the bedside",
    ]
    expect(shown.locator(".s-text")).to_have_text(table_one)
    expect(shown.locator(".s-by").first).to_have_text("Amy")
    expect(screen.get_by_text("Call the pharmacist on Tuesdays")).to_have_count(0)
    # The console says which group is on the screen.
    expect(groups.nth(0).locator("[data-on-screen]")).to_be_visible()
    expect(groups.nth(1).locator("[data-on-screen]")).to_be_hidden()
    on_screen = groups.nth(0).get_by_role("button", name="On screen: Table 1")
    expect(on_screen).to_have_attribute("aria-pressed", "true")
    check_a11y(page)

    # Live: Table 1's new note arrives; one that looks like personal data, and Table 2's, do not.
    ben.add("Ring Jo on 07700 900123 about the rota")
    cat.add("Visiting hours are flexible")
    amy.add("Families join the residents' meeting")
    expect(shown.locator(".s-text")).to_have_text(
        [*table_one, "Families join the residents' meeting"], timeout=LIVE_MS
    )
    expect(shown.locator(".s-card.enter")).to_have_count(1)
    expect(screen.get_by_text("07700 900123")).to_have_count(0)
    expect(screen.get_by_text("Visiting hours")).to_have_count(0)
    assert screen.evaluate("document.documentElement.scrollHeight") <= 1080
    check_a11y(screen)
    shot(screen, "screen-breakout-1920x1080", day.world.event.title)

    # An edit and a delete on a phone follow onto the screen.
    note = amy.page.locator(".note", has_text="Residents choose the menu")
    note.get_by_role("button", name="Edit note").click()
    note.get_by_label("Edit the note").fill("Residents choose the menu every week")
    note.get_by_role("button", name="Save").click()
    expect(shown.locator(".s-text").first).to_have_text(
        "Residents choose the menu every week", timeout=LIVE_MS
    )
    delete = ben.page.locator(".note", has_text="Handovers").get_by_role("button", name="Delete")
    delete.click()
    delete.click()  # the phone asks for a second tap
    expect(shown.get_by_text("Handovers happen at the bedside")).to_have_count(0, timeout=LIVE_MS)

    # A group whose only notes are held: the room is told they wait, and reads none of them.
    event_id = day.world.event.id
    held = day.api.post(f"/api/v1/events/{event_id}/breakouts", json={"name": "Table 9"}).json()
    note = {"client_id": str(uuid.uuid4()), "text": "Call Jo on 07700 900123 about Bea"}
    assert day.api.post(f"/api/v1/breakouts/{held['id']}/notes", json=note).is_success
    body = {"mode": "breakout", "target_id": held["id"]}
    assert day.api.post(f"/api/v1/events/{event_id}/screen", json=body).is_success
    expect(screen.locator("[data-group-held]")).to_have_text(
        "Notes are waiting for the facilitator\u2019s review", timeout=LIVE_MS
    )
    expect(screen.locator("[data-group-waiting]")).to_be_hidden()
    expect(screen.get_by_text("07700 900123")).to_have_count(0)
    for phone in (amy, ben, cat):
        assert not phone.problems, f"{phone.name}'s page reported problems: {phone.problems}"
    assert not problems, problems


def test_a_hundred_notes_fit_the_screen(page: Page, day: Day, db: Database) -> None:
    words = ["residents", "staff", "families", "garden", "music", "rota", "meals", "trust", "calm"]
    with db.session() as s:
        group = breakouts.breakout_or_404(s, breakout_id=day.one)
        author = Caller(user=s.get(User, day.world.facilitator.id))
        for n in range(100):
            text = " ".join(words[(n + i) % len(words)] for i in range(3 + n % 11)).capitalize()
            data = NoteCreate(client_id=str(uuid.uuid4()), text=text)
            notes.create_note(s, actor=author, breakout=group, data=data)
    body = {"mode": "breakout", "target_id": day.one}
    assert day.api.post(f"/api/v1/events/{day.world.event.id}/screen", json=body).is_success
    sign_in(page, day.world.facilitator.email, PASSWORD)
    page.goto(f"/screen/{day.world.event.id}")
    expect(page.locator("[data-mode-view=breakout] .s-card")).to_have_count(100)
    page.wait_for_timeout(300)
    check_fits_screen(page, "[data-group-lanes]", min_font=8)


def test_picking_a_group_on_the_phone_and_printing_table_cards(
    page: Page, live_server: LiveServer, day: Day, phones: list[BrowserContext], shot: Shot
) -> None:
    context = phones[0]
    assert context.request.post(
        "/api/v1/join", data={"code": day.world.event.join_code, "display_name": "Dev"}
    ).ok
    phone = context.new_page()
    problems = watch_for_problems(phone)
    # Dev is on the board when the facilitator opens the breakouts with "Let people pick".
    phone.goto(f"/a/{day.world.event.id}")
    expect(phone.locator("[data-conn]")).to_have_attribute("data-conn", "live")
    url = f"/api/v1/events/{day.world.event.id}/breakouts/assign"
    assert day.api.post(url, json={"strategy": "self"}).is_success
    invite = phone.get_by_role("region", name="Breakouts are open")
    expect(invite).to_be_visible()
    expect(phone.locator("[data-call-status]")).to_have_text("Breakouts are open: pick your group.")
    check_a11y(phone)
    shot(phone, "breakouts-invite", day.world.event.title)
    invite.get_by_role("link", name="Pick your group").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pick your group")
    check_a11y(phone)
    shot(phone, "breakouts-pick", "Pick your group")
    phone.get_by_role("button", name="Join Table 2").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Table 2")

    # Written with the Wi-Fi down, the note waits on the phone and goes when it is back.
    context.set_offline(True)
    expect(phone.locator("[data-conn]")).to_have_attribute("data-conn", "offline")
    phone.get_by_label("Add a note for your group").fill("Written in the basement")
    phone.get_by_role("button", name="Add note").click()
    expect(phone.locator(".note.pending")).to_contain_text("Sending…")
    context.set_offline(False)
    expect(phone.locator(".note:not(.pending) [data-note-text]")).to_have_text(
        ["Written in the basement"], timeout=20_000
    )
    expect(phone.locator(".note.pending")).to_have_count(0)
    assert not problems, problems

    sign_in(page, day.world.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{day.world.event.id}/tables")
    expect(page.locator(".table-card")).to_have_count(2)
    expect(page.locator(".table-card svg")).to_have_count(2)
    check_a11y(page)
    shot(page, "breakouts-tables", "Table cards")
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_be_hidden()
    boxes = [card.bounding_box() for card in page.locator(".table-card").all()]
    assert all(box is not None and box["y"] >= 0 for box in boxes)


def test_a_table_card_code_joins_straight_into_its_group(
    day: Day, phones: list[BrowserContext]
) -> None:
    page = phones[0].new_page()
    problems = watch_for_problems(page)
    code = day.world.event.join_code.lower()  # typed or scanned, case does not matter
    page.goto(f"/j/{code}?group={day.two}")
    page.get_by_label(re.compile("name", re.I)).fill("Dana")
    page.get_by_role("button", name=re.compile("join", re.I)).click()
    expect(page).to_have_url(re.compile(f"/a/{day.world.event.id}/breakout$"))
    expect(page.locator("[data-conn]")).to_have_attribute("data-conn", "live")
    groups = day.api.get(f"/api/v1/events/{day.world.event.id}/breakouts").json()
    members = {g["id"]: [m["display_name"] for m in g.get("members", [])] for g in groups}
    assert "Dana" in members[day.two] and "Dana" not in members[day.one]
    # Back on the board, Dana is taken to her group when the breakouts open.
    page.goto(f"/a/{day.world.event.id}")
    expect(page.locator("[data-conn]")).to_have_attribute("data-conn", "live")
    url = f"/api/v1/events/{day.world.event.id}/breakouts/assign"
    assert day.api.post(url, json={"strategy": "balanced"}).is_success
    expect(page).to_have_url(re.compile(f"/a/{day.world.event.id}/breakout$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Table [12]$"))
    assert not problems, problems
