"""live.js in a real browser: the console's event page follows the event, and survives a crash."""

from __future__ import annotations

import httpx2 as httpx
from playwright.sync_api import Page, expect

from server.db import Database
from server.models.events import AgendaItemCreate
from server.services import accounts, events
from tests.browser.conftest import check_a11y, sign_in
from tests.factories import PASSWORD, World, make_world
from tests.live.wsclient import Client
from tests.liveserver import LiveServer


def test_event_page_follows_the_event_and_resumes_after_a_server_crash(
    page: Page, live_server: LiveServer, db: Database
) -> None:
    with db.session() as s:
        world: World = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    sign_in(page, world.facilitator.email, PASSWORD)
    page.goto(f"/console/events/{world.event.id}")
    status = page.get_by_role("status")
    expect(status).to_have_text("Live")
    check_a11y(page)

    follower = Client(live_server.ws_url, world.event.id)
    expect(page.locator("[data-followers]")).to_have_text("1")
    follower.close()
    expect(page.locator("[data-followers]")).to_have_text("0")

    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(
        f"{live_server.url}/api/v1/events/{world.event.id}/agenda",
        json={"title": "Tea break"},
        headers=headers,
    )
    assert response.status_code == 201
    activity = page.locator("[data-activity] li")
    expect(activity.first).to_contain_text("Session added: Tea break", timeout=2000)
    expect(page.get_by_role("link", name="Reload to see it")).to_be_visible()

    live_server.kill()
    expect(status).to_have_text("Reconnecting…")
    # While the server is down, a change is written straight to the database.
    with db.session() as s:
        events.add_agenda_item(
            s, actor=world.facilitator, event=world.event, data=AgendaItemCreate(title="Lunch")
        )
    live_server.start()
    expect(status).to_have_text("Live", timeout=20_000)
    expect(activity.first).to_contain_text("Session added: Lunch", timeout=5000)
    texts = activity.all_inner_texts()
    assert sum("Tea break" in t for t in texts) == 1, "a message was applied twice"
