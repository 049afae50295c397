"""The console's server-rendered forms: redirects, CSRF and errors, read through a parser."""

from __future__ import annotations

from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from tests.factories import PASSWORD, World


def sign_in(
    client: TestClient, email: str, password: str = PASSWORD, next: str = "/console"
) -> object:
    return client.post(
        "/console/login",
        data={"email": email, "password": password, "next": next},
        follow_redirects=False,
    )


def csrf_of(html: str) -> str:
    node = HTMLParser(html).css_first("input[name=csrf_token]")
    assert node is not None
    return node.attributes["value"] or ""


def test_anonymous_is_sent_to_sign_in_and_back(client: TestClient, world: World) -> None:
    response = client.get(f"/console/events/{world.event.id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/login?next=/console/events/{world.event.id}"
    signed = sign_in(client, world.facilitator.email, next=f"/console/events/{world.event.id}")
    assert signed.headers["location"] == f"/console/events/{world.event.id}"  # type: ignore[attr-defined]


def test_wrong_password_rerenders_with_an_alert(client: TestClient, world: World) -> None:
    response = sign_in(client, world.facilitator.email, "wrong-password")
    assert response.status_code == 401  # type: ignore[attr-defined]
    alert = HTMLParser(response.text).css_first("[role=alert]")  # type: ignore[attr-defined]
    assert alert is not None and "do not match" in alert.text()


def test_sign_in_never_redirects_off_site(client: TestClient, world: World) -> None:
    for evil in [
        "//evil.example/console",
        "https://evil.example",
        "/console\\@evil",
        "/console//evil.example",
    ]:
        client.cookies.clear()
        assert sign_in(client, world.facilitator.email, next=evil).headers["location"] == "/console"  # type: ignore[attr-defined]


def test_forms_need_the_csrf_token(client: TestClient, world: World) -> None:
    sign_in(client, world.facilitator.email)
    forged = client.post(
        "/console/programmes", data={"slug": "forged", "title": "Forged", "csrf_token": "x"}
    )
    assert forged.status_code == 403
    page = client.get("/console")
    made = client.post(
        "/console/programmes",
        data={"slug": "real-one", "title": "Real one", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"] == "/console/p/real-one"
    titles = [n.text(strip=True) for n in HTMLParser(client.get("/console").text).css("h2 a")]
    assert "Real one" in titles


def test_event_page_shows_join_code_and_agenda(client: TestClient, world: World) -> None:
    sign_in(client, world.facilitator.email)
    tree = HTMLParser(client.get(f"/console/events/{world.event.id}").text)
    code = tree.css_first("[data-testid=join-code]")
    assert code is not None and code.text(strip=True) == world.event.join_code
    titles = [n.attributes["value"] for n in tree.css(".agenda-edit input[name=title]")]
    assert titles == ["Session 1", "Session 2"]


def test_agenda_form_with_local_time_and_errors(client: TestClient, world: World) -> None:
    sign_in(client, world.facilitator.email)
    url = f"/console/events/{world.event.id}"
    token = csrf_of(client.get(url).text)
    client.post(
        f"{url}/agenda",
        data={
            "csrf_token": token,
            "title": "Summer session",
            "starts_at": "2026-07-01T09:30",
            "speakers": "A, B",
        },
    )
    state = client.get(f"/api/v1/events/{world.event.id}/state").json()
    summer = next(a for a in state["agenda"] if a["title"] == "Summer session")
    assert summer["starts_at"] == "2026-07-01T08:30:00Z"  # 09:30 in London is 08:30 UTC in summer
    assert summer["speakers"] == ["A", "B"]
    bad = client.post(
        f"{url}/agenda", data={"csrf_token": token, "title": "x", "starts_at": "tomorrow"}
    )
    assert bad.status_code == 400
    assert "Times look like" in HTMLParser(bad.text).css_first("[role=alert]").text()  # type: ignore[union-attr]


def test_outsider_gets_a_403_page(client: TestClient, world: World) -> None:
    sign_in(client, world.outsider.email)
    response = client.get(f"/console/events/{world.event.id}", headers={"accept": "text/html"})
    assert response.status_code == 403
    assert HTMLParser(response.text).css_first("h1").text() == "Not allowed"  # type: ignore[union-attr]


def test_a_day_runs_from_the_event_page_to_its_summary(client: TestClient, world: World) -> None:
    """Every console page is one tap away; freezing goes through the review; then the summary."""
    sign_in(client, world.facilitator.email)
    programme = client.get(f"/console/p/{world.programme.slug}")
    made = client.post(
        f"/console/p/{world.programme.slug}/events",
        data={
            "csrf_token": csrf_of(programme.text),
            "title": "Event 3: Safe care",
            "starts_at": "2026-12-03T10:00",
        },
        follow_redirects=False,
    )
    url = made.headers["location"]
    event_id = int(url.rsplit("/", 1)[1])
    tree = HTMLParser(client.get(url).text)
    assert "Thu 3 December 2026, 10:00" in tree.css_first(".meta").text()  # type: ignore[union-attr]
    nav = {a.text(strip=True): a.attributes["href"] for a in tree.css(".event-nav a")}
    base = f"/console/events/{event_id}"
    public = f"/p/{world.programme.slug}/event-3-safe-care"
    assert nav == {
        "Live blog": f"{base}/blog",
        "Boards": f"{base}/boards",
        "Breakouts": f"{base}/breakouts",
        "People": f"{base}/people",
        "Actions": f"{base}/actions",
        "Review and freeze": f"{base}/review",
        "Session screen": f"/screen/{event_id}",
        "Public page": public,
    }
    token = csrf_of(client.get(url).text)
    for action in ("start", "end", "freeze"):
        client.post(f"{base}/status", data={"csrf_token": token, "action": action})
    ended = HTMLParser(client.get(url).text)
    assert ended.css_first("[data-testid=status]").text() == "ended"  # type: ignore[union-attr]
    assert ended.css("input[name=action][value=freeze]") == []
    assert ended.css_first("[data-testid=review-link]").attributes["href"] == f"{base}/review"  # type: ignore[union-attr]
    review = HTMLParser(client.get(f"{base}/review").text)
    freeze = review.css_first(f"form[action='{base}/review/freeze']")
    assert freeze is not None
    frozen = client.post(f"{base}/review/freeze", data={"csrf_token": token})
    after = HTMLParser(frozen.text)
    assert after.css_first("[data-testid=status]").text() == "frozen"  # type: ignore[union-attr]
    assert after.css("[data-testid=join-code]") == []
    assert after.css_first("[data-testid=summary-link]").attributes["href"] == f"{public}/summary"  # type: ignore[union-attr]
    blog = HTMLParser(client.get(public).text).css_first("[data-day-over]")
    assert blog is not None and "hidden" not in blog.attributes
    assert [a.attributes["href"] for a in blog.css("a")] == [
        f"{public}/summary",
        f"/p/{world.programme.slug}",
    ]
    screen = HTMLParser(client.get(f"/screen/{event_id}").text)
    over = screen.css_first("[data-mode-view=over]")
    assert over is not None and "hidden" not in over.attributes
    assert f"{public}/summary" in over.text()


def test_an_event_address_is_made_from_its_title_when_left_empty(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.facilitator.email)
    page = client.get(f"/console/p/{world.programme.slug}")
    form = {"csrf_token": csrf_of(page.text), "title": "Café day!"}
    for expected in ("cafe-day", "cafe-day-2"):
        made = client.post(f"/console/p/{world.programme.slug}/events", data=form)
        assert made.status_code == 200
        heading = HTMLParser(made.text).css_first(".event-nav a[href^='/p/']")
        assert heading is not None
        assert heading.attributes["href"] == f"/p/{world.programme.slug}/{expected}"


def test_the_favicon_is_served(client: TestClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"


def alert_of(html: str) -> str:
    node = HTMLParser(html).css_first("[role=alert]")
    assert node is not None, "the page says what went wrong"
    return node.text()


def test_a_failed_form_shows_its_page_again_with_what_to_fix(
    client: TestClient, world: World
) -> None:
    """Every console form that fails re-renders its page with the reason, and stores nothing."""
    sign_in(client, world.facilitator.email)
    event = f"/console/events/{world.event.id}"
    token = csrf_of(client.get(event).text)
    cases = [
        (f"{event}/agenda", {"title": " "}, 422, "title"),
        (f"/console/p/{world.programme.slug}/events", {"title": " "}, 422, "title"),
        (
            f"/console/p/{world.programme.slug}/facilitators",
            {"email": "a@b.c", "role": "x"},
            400,
            "Unknown role",
        ),
        ("/console/programmes", {"slug": "Not a slug!", "title": "T"}, 422, "slug"),
        (f"{event}/boards", {"title": "Wall", "moderation": "never"}, 422, "moderation"),
        (
            f"{event}/actions",
            {"title": "Fewer falls", "target_date": "31/12/2026"},
            400,
            "Dates look like",
        ),
        (f"{event}/actions", {"title": "Fewer falls", "theme_id": "first"}, 422, "theme_id"),
    ]
    for url, form, status, said in cases:
        response = client.post(url, data={"csrf_token": token, **form})
        assert response.status_code == status, (url, response.text[:300])
        assert said in alert_of(response.text), url
        assert "csrf_token" in response.text, "the page shown again can be sent again"
    state = client.get(f"/api/v1/events/{world.event.id}/state").json()
    assert [b["title"] for b in state["boards"]] == []
    assert client.get(f"/api/v1/programmes/{world.programme.slug}/actions").json() == []


def test_action_forms_need_a_sign_in_and_the_csrf_token(client: TestClient, world: World) -> None:
    url = f"/console/events/{world.event.id}/actions"
    anonymous = client.post(url, data={"title": "Forged"}, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/console/login")
    sign_in(client, world.facilitator.email)
    forged = client.post(url, data={"title": "Forged", "csrf_token": "x"})
    assert forged.status_code == 403
    assert client.get(f"/api/v1/programmes/{world.programme.slug}/actions").json() == []
