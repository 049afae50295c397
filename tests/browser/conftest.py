"""Headless Debian Chromium through Playwright, axe-core checks, and screenshots.

One browser for the session, a fresh context (cookies, storage, viewport) for every test.
Playwright's own browser downloads are never used: CI installs Debian's `chromium`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from tests.liveserver import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1920, "height": 1080}},
}
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A blank 390x844 page compresses to a couple of kilobytes; any real page is far larger.
MIN_SHOT_BYTES = 8_000
AXE = Axe()  # reads the axe.min.js shipped inside the package: no network needed


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} is missing: apt-get install chromium"
        pytest.fail(msg) if os.environ.get("CI") == "true" else pytest.skip(msg)
    with sync_playwright() as playwright:
        # launch() gives every browser a fresh temporary --user-data-dir of its own.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def new_context(browser: Browser, server: LiveServer, screen: str = "desktop") -> BrowserContext:
    return browser.new_context(
        base_url=server.url, locale="en-GB", device_scale_factor=1, **SCREENS[screen]
    )


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    ctx = new_context(browser, live_server)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A desktop-sized page on the live server; fails the test on a script error or CSP block."""
    tab = context.new_page()
    problems = watch_for_problems(tab)
    yield tab
    assert not problems, f"The page reported problems: {problems}"


def watch_for_problems(page: Page) -> list[str]:
    """Collect script errors and anything the Content-Security-Policy blocked."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"blocked: {message.text}")

    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", on_console)
    return problems


class Phone:
    """One attendee's phone: its own browser context (cookies, storage, network)."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.context: BrowserContext = new_context(browser, server, "phone")
        self.page = self.context.new_page()
        self.problems = watch_for_problems(self.page)

    def join(self, code: str, name: str) -> None:
        self.page.goto(f"/j/{code}")
        self.page.get_by_label("Your name").fill(name)
        self.page.get_by_role("button", name="Join").click()
        # While breakouts are open a phone lands on the group picker, otherwise on the board.
        self.page.wait_for_url(re.compile(r"/a/\d+(/breakout)?$"))
        expect(self.page.locator("[data-conn]")).to_have_attribute("data-conn", "live")

    def post(self, text: str, column: str = "", words: bool = False, name: bool = False) -> None:
        """Post a card; `words` and `name` tick the composer's two consent boxes."""
        self.page.get_by_role("textbox", name="Your card", exact=True).fill(text)
        if column:
            self.page.get_by_role("radio", name=column).check()
        composer = self.page.locator("[data-composer]")
        if words:
            composer.get_by_role("checkbox", name="Share my words on public pages").check()
        if name:
            composer.get_by_role("checkbox", name="Show my name with them").check()
        self.page.get_by_role("button", name="Post").click()

    def mine(self, text: str) -> Any:
        return self.page.locator("[data-mine] .card", has_text=text)

    def wall(self, text: str) -> Any:
        return self.page.locator("[data-wall] .card", has_text=text)

    def dot_on(self, text: str) -> None:
        self.wall(text).get_by_role("button", name=re.compile("^Put a dot on")).click()


def check_a11y(page: Page) -> None:
    """Fail on any axe-core violation of serious or critical impact on the current page."""
    violations = AXE.run(page).response["violations"]
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    if bad:
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(" ".join(node["target"]) for node in v["nodes"])
            for v in bad
        )
        pytest.fail(f"Accessibility violations on {page.url}:\n{report}")


def check_fits_width(page: Page) -> None:
    """Nothing on the page makes it scroll sideways (the usual way a layout breaks on a phone)."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide in a {widths[1]}px window"


# Every card's box, pairwise: none may overlap another or leave the window; the type size of
# the lanes named by the argument.
LAYOUT = """(lanesSelector) => {
  const boxes = [...document.querySelectorAll('.s-card')].map((e) => e.getBoundingClientRect());
  const apart = (a, b) =>
    a.right - 1 <= b.left || b.right - 1 <= a.left ||
    a.bottom - 1 <= b.top || b.bottom - 1 <= a.top;
  let overlaps = 0;
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) if (!apart(boxes[i], boxes[j])) overlaps++;
  }
  const out = (b) => b.left < 0 || b.top < 0 || b.right > innerWidth || b.bottom > innerHeight;
  const over = (e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1;
  const lanes = [...document.querySelectorAll('.lane-cards')];
  return {
    overlaps,
    outside: boxes.filter(out).length,
    overflowing: lanes.filter(over).map((e) => e.parentElement.dataset.column),
    page: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    font: parseFloat(document.querySelector(lanesSelector).style.fontSize),
  };
}"""


def check_fits_screen(page: Page, lanes: str, *, min_font: float) -> None:
    """The session screen shows every card of the `lanes` container whole, and never scrolls."""
    layout = page.evaluate(LAYOUT, lanes)
    assert layout["overflowing"] == [], "a lane has more cards than it shows"
    assert layout["overlaps"] == 0 and layout["outside"] == 0
    assert layout["page"] == [1920, 1080], "the screen must never scroll"
    assert layout["font"] >= min_font, "cards shrink, but stay legible up close"


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto("/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[Page, str, str], Path]:
    """Screenshot the viewport as NAME.png, after checking the page shows its <h1>.

    With GLIMPSE_SCREENSHOTS=1 the picture is also written to docs/screenshots/.
    """

    def take(page: Page, name: str, heading: str) -> Path:
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        data = page.screenshot(animations="disabled", caret="initial")
        assert len(data) > MIN_SHOT_BYTES, f"{name}: screenshot looks blank ({len(data)} bytes)"
        path = tmp_path / f"{name}.png"
        path.write_bytes(data)
        if os.environ.get("GLIMPSE_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        return path

    return take
