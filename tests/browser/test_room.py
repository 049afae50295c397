"""The room in real browsers: the session screen, the console's board page and two phones.

Phone A joins by URL and posts; the card reaches the screen and phone B. Phone B loses the
network, posts, comes back, and the card arrives exactly once. On a pre-moderated board a card
reaches the screen only once the console approves it (by keyboard). A vote shows in results.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from server.db import Database
from server.lib.timeutil import utcnow
from server.models.accounts import User
from server.models.boards import BoardCreate, CardCreate
from server.models.events import AgendaItemCreate, Event, EventUpdate
from server.services import accounts, boards, cards, events
from server.services.access import Caller
from tests.browser.conftest import (
    Phone,
    check_a11y,
    check_fits_screen,
    check_fits_width,
    new_context,
    sign_in,
    watch_for_problems,
)
from tests.factories import PASSWORD, World, make_world
from tests.liveserver import LiveServer

Shot = Callable[[Page, str, str], Path]
BOARD = "Glimpses of brilliance"
# As long as the titles that were cut to "Event 3: Sa…" on the projector.
TITLE = "Event 2: Spreading what works across every home in the network"
GARDEN = "Residents ran the garden club all by themselves, every week"


@dataclass
class Room:
    world: World
    board_id: int
    api: httpx.Client

    @property
    def event_id(self) -> int:
        return self.world.event.id

    def cards(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.api.get(f"/api/v1/boards/{self.board_id}").json()[
            "cards"
        ]
        return found


@pytest.fixture
def room(live_server: LiveServer, db: Database) -> Iterator[Room]:
    with db.session() as s:
        world = make_world(s, status="live")
        event = s.get(Event, world.event.id)
        assert event is not None
        board = boards.create_event_board(
            s,
            actor=world.facilitator,
            event=event,
            data=BoardCreate(
                title=BOARD,
                prompt="What has gone really well in your home since we last met?",
                columns=["Going well", "Concerning"],
            ),
        )
        plan_the_day(s, world.facilitator, event)
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"})
    yield Room(world, board.id, api)
    api.close()


def plan_the_day(session: Session, user: User, event: Event) -> None:
    """A title and an agenda like a real day's, with one session running now."""
    events.update_event(session, actor=user, event=event, data=EventUpdate(title=TITLE))
    for item in events.agenda(session, event=event):
        events.delete_agenda_item(session, actor=user, item=item)
    start = utcnow().replace(second=0, microsecond=0) - timedelta(hours=2)
    for hours, title, speakers in AGENDA:
        data = AgendaItemCreate(
            title=title, starts_at=start + timedelta(hours=hours), speakers=speakers
        )
        events.add_agenda_item(session, actor=user, event=event, data=data)


AGENDA = [
    (0, "Welcome and getting to know each other", ["Priya Marsh"]),
    (1, "Looking back on event one: what we are doing right", ["Tom Okafor"]),
    (2, "Glimpses of brilliance from the last six months", []),
    (3, "Breakouts: what does good look like for safe?", ["Helen Achterberg", "Dev Rai"]),
]


def on_screen(screen: Page, text: str) -> Any:
    return screen.locator(".s-card", has_text=text)


def test_the_room_comes_alive(
    browser: Browser, live_server: LiveServer, room: Room, shot: Shot
) -> None:
    desk, projector = new_context(browser, live_server), new_context(browser, live_server)
    screen, console = projector.new_page(), desk.new_page()
    problems = watch_for_problems(screen) + watch_for_problems(console)
    pair_the_projector(screen, console, room, shot)
    expect(screen.locator("[data-mode-view=join] img.qr")).to_be_visible()
    check_a11y(screen)
    screen.get_by_role("button", name="Enable sound").click()
    expect(screen.locator("[data-sound]")).to_be_hidden()

    console.goto(f"/console/boards/{room.board_id}")
    expect(console.locator("[data-conn]")).to_have_attribute("data-conn", "live")
    check_a11y(console)
    console.get_by_role("button", name="This board").click()
    expect(screen.locator("[data-mode-view=board]")).to_be_visible()

    amy, ben = Phone(browser, live_server), Phone(browser, live_server)
    amy.page.goto(f"/j/{room.world.event.join_code}")
    check_a11y(amy.page)
    shot(amy.page, "attendee-join", TITLE)
    amy.join(room.world.event.join_code, "Amy")
    ben.join(room.world.event.join_code.lower(), "Ben")

    # Phone A posts: the screen and phone B show it, newest animated in.
    amy.post("Residents ran the garden club all by themselves", "Going well", words=True)
    expect(on_screen(screen, "garden club")).to_be_visible()
    expect(on_screen(screen, "garden club")).to_have_class(re.compile(r"\benter\b"))
    expect(ben.wall("garden club")).to_be_visible()
    expect(amy.mine("garden club")).to_contain_text("On the board")
    # Her own card says what she agreed to, and she gives her name too from there.
    words = amy.mine("garden club").get_by_role("checkbox", name="Share my words on public pages")
    expect(words).to_be_checked()
    name = amy.mine("garden club").get_by_role("checkbox", name="Show my name with them")
    expect(name).not_to_be_checked()
    with amy.page.expect_response(lambda r: r.url.endswith("/consent")):
        name.check()
    expect(name).to_be_checked()
    check_a11y(amy.page)
    check_fits_width(amy.page)

    # Phone B loses the network, posts, and comes back: the card arrives exactly once.
    ben.context.set_offline(True)
    expect(ben.page.locator("[data-conn-label]")).to_contain_text("Offline")
    ben.post("Night staff started a handover huddle", "Going well")
    expect(ben.mine("handover huddle")).to_contain_text("Saved, will send")
    ben.mine("handover huddle").scroll_into_view_if_needed()
    shot(ben.page, "attendee-offline", BOARD)
    ben.context.set_offline(False)
    expect(on_screen(screen, "handover huddle")).to_have_count(1)
    expect(ben.mine("handover huddle")).to_contain_text("On the board")
    assert [c["text"] for c in room.cards()].count("Night staff started a handover huddle") == 1
    ben.page.reload()
    expect(ben.wall("handover huddle")).to_have_count(1)

    # Authors edit their own cards while the board is open; the screen follows.
    amy.mine("garden club").get_by_role("button", name="Edit").click()
    amy.page.get_by_label("Edit your card").fill(GARDEN)
    amy.page.get_by_role("button", name="Save").click()
    expect(on_screen(screen, "every week")).to_be_visible()

    # A pre-moderated board: only what the console approves reaches the screen.
    with console.expect_response(lambda r: r.request.method == "PATCH"):
        console.get_by_label("Check every card before it shows").check()
    amy.post("Agency use is down since the rota changed", "Concerning")
    queued = console.locator("[data-queue] .bc-card", has_text="Agency use")
    expect(queued).to_be_visible()
    expect(amy.mine("Agency use")).to_contain_text("A facilitator will check")
    amy.post("Email jo@example.org about the rota")
    expect(amy.mine("jo@example.org")).to_contain_text(
        "This looks like it contains an email address, so a facilitator will check it"
    )
    expect(console.locator("[data-queue] .bc-card", has_text="jo@example.org")).to_contain_text(
        "Held back: it looks like an email address."
    )
    shot(console, "board-console", BOARD)
    expect(on_screen(screen, "Agency use")).to_have_count(0)
    queued.focus()
    console.keyboard.press("a")
    expect(on_screen(screen, "Agency use")).to_be_visible()
    expect(console.locator("[data-queue] .bc-card", has_text="jo@example.org")).to_be_focused()
    console.keyboard.press("h")
    expect(console.locator("[data-queue-empty]")).to_be_visible()
    expect(on_screen(screen, "jo@example.org")).to_have_count(0)
    shot(screen, "screen-board", TITLE)

    # A vote: the console opens it, the phones spend dots, the screen shows results.
    console.get_by_label("Dots for each attendee").fill("3")
    console.get_by_role("button", name="Open the vote").click()
    expect(screen.locator("[data-mode-view=results]")).to_be_visible()
    expect(amy.page.locator("[data-dots-left]")).to_contain_text("3 of 3 dots left")
    amy.dot_on("garden club")
    amy.dot_on("garden club")
    ben.dot_on("garden club")
    ben.dot_on("Agency use")
    expect(amy.page.locator("[data-dots-left]")).to_contain_text("1 of 3 dots left")
    amy.dot_on("Agency use")
    amy.dot_on("Agency use")  # a fourth dot: refused, and said so
    expect(amy.page.locator("[data-dots-message]")).to_contain_text("used all 3 dots")
    expect(amy.page.locator("[data-dots-left]")).to_contain_text("0 of 3 dots left")
    amy.page.get_by_role("button", name="Add a card").click()
    expect(amy.page.get_by_role("textbox", name="Your card")).to_be_focused()
    amy.wall("Agency use").get_by_role("button", name=re.compile("^Take a dot off")).click()
    top = screen.locator(".bar").first
    expect(top).to_contain_text("garden club")
    expect(top.locator(".bar-count")).to_have_text("3")
    expect(screen.locator(".bar").nth(1).locator(".bar-count")).to_have_text("1")
    amy.page.evaluate("window.scrollTo(0, 0)")
    shot(amy.page, "attendee-vote", BOARD)

    # The timer, the spotlight, the agenda, blank and join: each switched from the console.
    console.get_by_label("What for").fill("Talk in pairs")
    console.get_by_role("button", name="Start timer").click()
    expect(screen.locator("[data-timer-clock]")).to_have_text(re.compile(r"^(5:00|4:5\d)$"))
    shot(screen, "screen-results", TITLE)
    card = console.locator(".bc-wall .bc-card", has_text="garden club")
    card.get_by_role("button", name="Spotlight").click()
    expect(screen.locator("[data-spot-text]")).to_have_text(GARDEN)
    shot(screen, "screen-spotlight", TITLE)
    expect(card.locator("[data-slot=share]")).to_have_text("Public, with name")
    card.get_by_role("button", name="Quote on the blog").click()
    expect(console.locator("[data-note]")).to_have_text("Quoted on the live blog.")
    console.get_by_role("button", name="Agenda").click()
    expect(screen.locator("[data-mode-view=agenda] li")).to_have_count(4)
    expect(screen.locator("[data-mode-view=agenda] li[data-when=now]")).to_contain_text("Glimpses")
    shot(screen, "screen-agenda", TITLE)
    console.get_by_role("button", name="Stop timer").click()
    expect(screen.locator("[data-timer]")).to_be_hidden()
    # Time up: the screen flashes (heard or not), and the title still reads whole.
    room.api.post(f"/api/v1/events/{room.event_id}/timer", json={"seconds": 1, "label": "Pairs"})
    expect(screen.locator("[data-timer-clock]")).to_have_text("Time\u2019s up")
    expect(screen.locator("[data-flash]")).to_be_visible()
    title = screen.locator(".stage-title")
    size = title.evaluate("e => [e.scrollHeight - e.clientHeight, e.clientWidth / innerWidth]")
    assert size[0] <= 1 and size[1] >= 0.3, f"the title is cut or squashed: {size}"
    bar = screen.locator(".stage-bar").evaluate(
        "e => [e.scrollWidth, e.clientWidth, ...[...e.children].map(c => c.offsetWidth)]"
    )
    assert bar[0] <= bar[1], f"the timer is pushed off the screen: {bar}"
    shot(screen, "screen-time-up", TITLE)
    room.api.delete(f"/api/v1/events/{room.event_id}/timer")
    console.get_by_role("button", name="Blank").click()
    expect(screen.locator("[data-mode-view=blank]")).to_be_visible()
    shot(screen, "screen-blank", TITLE)
    console.get_by_role("button", name="Join code").click()
    expect(screen.locator("[data-mode-view=join]")).to_be_visible()
    expect(screen.locator("[data-attendee-count]")).to_have_text("2")
    shot(screen, "screen-join", TITLE)
    assert screen.evaluate("document.documentElement.scrollHeight") <= 1080

    for phone in (amy, ben):
        phone.context.close()
        assert not phone.problems, phone.problems
    desk.close()
    projector.close()
    assert not problems, problems


def pair_the_projector(screen: Page, console: Page, room: Room, shot: Shot) -> None:
    """The projector shows a code; the facilitator types it in the console; no password there."""
    screen.goto(f"/screen/{room.event_id}")
    code = screen.locator("[data-pairing-code]")
    expect(code).to_have_text(re.compile(r"^\w{3}\u2009\w{3}$"))
    check_a11y(screen)
    shot(screen, "screen-pair", "Pair this screen")
    typed = code.inner_text().replace("\u2009", "")
    sign_in(console, room.world.facilitator.email, PASSWORD)
    console.goto(f"/console/events/{room.event_id}")
    console.get_by_label("Code on the screen").fill(typed.lower())
    console.get_by_role("button", name="Pair screen").click()
    expect(console.get_by_role("status").filter(has_text="Screen paired")).to_be_visible()
    expect(console.get_by_role("button", name="Unpair screen 1")).to_be_visible()
    check_a11y(console)
    console.locator("#screens").scroll_into_view_if_needed()
    shot(console, "console-pairing-desktop", TITLE)
    screen.wait_for_url(f"**/screen/{room.event_id}")
    expect(screen.locator("[data-conn]")).to_have_text("")


def test_the_console_runs_the_room_from_a_phone(
    browser: Browser, live_server: LiveServer, room: Room, shot: Shot
) -> None:
    pocket = new_context(browser, live_server, "phone")
    page = pocket.new_page()
    problems = watch_for_problems(page)
    sign_in(page, room.world.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{room.event_id}#screens")
    page.locator("#screens").scroll_into_view_if_needed()
    expect(page.get_by_label("Code on the screen")).to_be_visible()
    check_fits_width(page)
    shot(page, "console-pairing-phone", TITLE)
    page.goto(f"/console/boards/{room.board_id}")
    expect(page.locator("[data-conn]")).to_have_attribute("data-conn", "live")
    check_fits_width(page)
    check_a11y(page)
    page.get_by_role("button", name="Agenda").click()
    expect(page.get_by_role("button", name="Agenda")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Start timer").click()
    expect(page.locator("[data-timer-now]")).to_contain_text("left")
    shot(page, "board-console-phone", BOARD)
    state = room.api.get(f"/api/v1/events/{room.event_id}/state").json()
    assert state["screen"]["mode"] == "agenda" and state["timer"]["seconds"] == 300
    pocket.close()
    assert not problems, problems


def test_two_hundred_cards_fit_the_screen(
    browser: Browser, live_server: LiveServer, room: Room, db: Database
) -> None:
    words = [
        "residents",
        "staff",
        "families",
        "garden",
        "music",
        "rota",
        "handover",
        "meals",
        "trust",
        "calm",
        "choice",
    ]
    with db.session() as s:
        board = boards.board_or_404(s, board_id=room.board_id)
        author = Caller(user=s.get(User, room.world.facilitator.id))
        for n in range(200):
            text = " ".join(words[(n + i) % len(words)] for i in range(4 + n % 13)).capitalize()
            column = ("Going well", "Concerning")[n % 2]
            data = CardCreate(client_id=str(uuid.uuid4()), text=text, column=column)
            cards.create_card(s, actor=author, board=board, data=data)
    room.api.post(
        f"/api/v1/events/{room.event_id}/screen", json={"mode": "board", "target_id": room.board_id}
    )
    desk = new_context(browser, live_server)
    screen = desk.new_page()
    sign_in(screen, room.world.facilitator.email, PASSWORD)
    screen.goto(f"/screen/{room.event_id}")
    expect(screen.locator(".s-card")).to_have_count(200)
    screen.wait_for_timeout(300)
    check_fits_screen(screen, "[data-lanes]", min_font=6)
    desk.close()


def group(page: Page, title: str) -> Any:
    """The console's wall section of one theme, by its heading."""
    return page.locator(".theme-group").filter(has=page.locator("h3", has_text=title))


def test_themes_are_made_filled_renamed_and_merged_from_the_console(
    browser: Browser, live_server: LiveServer, room: Room, db: Database
) -> None:
    with db.session() as s:
        board = boards.board_or_404(s, board_id=room.board_id)
        author = Caller(user=s.get(User, room.world.facilitator.id))
        for text in ("Garden club", "Music afternoons", "Weekend rota"):
            data = CardCreate(client_id=text, text=text, column="Going well")
            cards.create_card(s, actor=author, board=board, data=data)
    desk = new_context(browser, live_server)
    page = desk.new_page()
    problems = watch_for_problems(page)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, room.world.facilitator.email, PASSWORD)
    page.goto(f"/console/boards/{room.board_id}")
    for title in ("Activities", "Staff"):
        page.get_by_label("New theme").fill(title)
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.locator(".theme-group h3", has_text=title)).to_be_visible()
    wall = page.locator(".bc-wall")
    wall.locator(".bc-card", has_text="Garden club").get_by_label(
        "Theme of this card"
    ).select_option(label="Activities")
    expect(group(page, "Activities").locator(".bc-card")).to_have_count(1)
    music = wall.locator(".bc-card", has_text="Music afternoons")
    music.drag_to(group(page, "Staff").locator("h3"))
    expect(group(page, "Staff (1)")).to_be_visible()
    staff = page.locator(".theme-item").nth(1)
    staff.get_by_role("textbox").fill("Staffing")
    staff.get_by_role("button", name="Rename").click()
    expect(page.locator(".theme-group h3", has_text="Staffing")).to_be_visible()
    staff.get_by_role("button", name="Merge").click()
    expect(page.locator(".theme-group")).to_have_count(2)  # Activities and "No theme"
    expect(group(page, "Activities (2)")).to_be_visible()
    themes = room.api.get(f"/api/v1/boards/{room.board_id}").json()["themes"]
    assert [t["title"] for t in themes] == ["Activities"]
    by_text = {c["text"]: c["theme_id"] for c in room.cards()}
    assert by_text == {
        "Garden club": themes[0]["id"],
        "Music afternoons": themes[0]["id"],
        "Weekend rota": None,
    }
    desk.close()
    assert not problems, problems
