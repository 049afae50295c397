"""The live-blog JSON API for every role, pictures, paging, and the console's composer page."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from server.db import Database
from server.settings import Settings
from tests.factories import World, login, make_world
from tests.pictures import animation, jpeg

ROLES = {"anonymous": None, "outsider": "outsider", "facilitator": "facilitator", "admin": "admin"}
BY_ROLE = [("anonymous", 401), ("outsider", 403), ("facilitator", 200), ("admin", 200)]


def as_role(client: TestClient, world: World, role: str) -> dict[str, str]:
    name = ROLES[role]
    return login(client, getattr(world, name) if name else None)


def post(client: TestClient, world: World, headers: dict[str, str], **body: Any) -> Any:
    response = client.post(
        f"/api/v1/events/{world.event.id}/entries", json={"body": "Hello", **body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def template_content(page: HTMLParser) -> HTMLParser:
    """The page's <template id="entry-template">, parsed as ordinary HTML."""
    node = page.css_first("template#entry-template")
    assert node is not None
    return HTMLParser(re.sub(r"</?template[^>]*>", "", node.html or ""))


@pytest.mark.parametrize(("role", "status"), BY_ROLE)
def test_post_entry_by_role(client: TestClient, world: World, role: str, status: int) -> None:
    headers = as_role(client, world, role)
    response = client.post(
        f"/api/v1/events/{world.event.id}/entries",
        json={"body": "We are *live*", "kind": "key_moment"},
        headers=headers,
    )
    assert response.status_code == (201 if status == 200 else status)
    if status == 200:
        entry = response.json()
        assert entry["html"] == "<p>We are <em>live</em></p>\n"
        assert entry["kind"] == "key_moment" and entry["edited"] is False
        assert entry["created_at"].endswith("Z")
    else:
        assert response.json()["error"]["code"] in ("not_signed_in", "forbidden")


def test_a_cookie_write_needs_the_csrf_header(client: TestClient, world: World) -> None:
    login(client, world.facilitator)
    response = client.post(f"/api/v1/events/{world.event.id}/entries", json={"body": "x"})
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"


def test_same_client_id_answers_200_with_the_same_entry(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/events/{world.event.id}/entries"
    first = client.post(url, json={"body": "once", "client_id": "abc"}, headers=headers)
    again = client.post(url, json={"body": "twice", "client_id": "abc"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_bad_input_is_refused(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/events/{world.event.id}/entries"
    assert client.post(url, json={"body": ""}, headers=headers).status_code == 422
    assert client.post(url, json={"body": "x", "kind": "rant"}, headers=headers).status_code == 422
    wrong_item = client.post(url, json={"body": "x", "agenda_item_id": 99999}, headers=headers)
    assert wrong_item.status_code == 400 and wrong_item.json()["error"]["code"] == "bad_input"


@pytest.mark.parametrize(("role", "status"), BY_ROLE)
def test_edit_delete_and_history_by_role(
    client: TestClient, world: World, role: str, status: int
) -> None:
    entry = post(client, world, login(client, world.facilitator), body="Fist")
    headers = as_role(client, world, role)
    url = f"/api/v1/entries/{entry['id']}"
    edit = client.patch(
        url,
        json={"body": "First", "correction": {"is_correction": True, "note": "Spelling"}},
        headers=headers,
    )
    history = client.get(f"{url}/revisions", headers=headers)
    delete = client.delete(url, headers=headers)
    assert (edit.status_code, history.status_code) == (status, status)
    assert delete.status_code == (204 if status == 200 else status)
    if status == 200:
        assert edit.json()["edited"] and edit.json()["correction_note"] == "Spelling"
        (revision,) = history.json()
        assert revision["body"] == "Fist" and revision["html"] == "<p>Fist</p>\n"
        assert client.patch(url, json={"body": "again"}, headers=headers).status_code == 404


def test_pin_and_move_do_not_mark_an_edit(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    entry = post(client, world, headers)
    item = client.get(f"/api/v1/events/{world.event.id}/state").json()["agenda"][1]
    moved = client.patch(
        f"/api/v1/entries/{entry['id']}",
        json={"pinned": True, "agenda_item_id": item["id"]},
        headers=headers,
    ).json()
    assert moved["pinned"] and moved["agenda_item_id"] == item["id"] and not moved["edited"]
    detached = client.patch(
        f"/api/v1/entries/{entry['id']}", json={"agenda_item_id": None}, headers=headers
    ).json()
    assert detached["agenda_item_id"] is None and detached["pinned"]


def test_preview_is_the_posted_html(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    body = "A [link](https://example.org) and <b>raw</b> and [x](javascript:alert(1))"
    preview = client.post(
        f"/api/v1/events/{world.event.id}/entries/preview", json={"body": body}, headers=headers
    )
    assert preview.status_code == 200
    assert preview.json()["html"] == post(client, world, headers, body=body)["html"]
    link = HTMLParser(preview.json()["html"]).css_first("a")
    assert link is not None and link.attributes["rel"] == "nofollow noopener"
    login(client, world.outsider)
    outsider = client.post(
        f"/api/v1/events/{world.event.id}/entries/preview", json={"body": "x"}, headers=headers
    )
    assert outsider.status_code == 403


def test_frozen_event_answers_409(client: TestClient, db: Database) -> None:
    with db.session() as s:
        world = make_world(s, status="ended")
    headers = login(client, world.facilitator)
    entry = post(client, world, headers)
    client.post(f"/api/v1/events/{world.event.id}/freeze", headers=headers)
    attempts = [
        client.post(
            f"/api/v1/events/{world.event.id}/entries", json={"body": "x"}, headers=headers
        ),
        client.patch(f"/api/v1/entries/{entry['id']}", json={"body": "y"}, headers=headers),
        client.delete(f"/api/v1/entries/{entry['id']}", headers=headers),
        client.post(
            f"/api/v1/entries/{entry['id']}/images",
            files={"file": ("a.jpg", jpeg(), "image/jpeg")},
            headers=headers,
        ),
    ]
    for response in attempts:
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "event_frozen"


# -- pictures ---------------------------------------------------------------------------------


def test_picture_upload_is_cleaned_attached_and_cached_for_good(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    entry = post(client, world, headers, body="The garden")
    response = client.post(
        f"/api/v1/entries/{entry['id']}/images",
        files={"file": ("holiday.png", jpeg(), "image/png")},  # the name and type lie
        data={"alt": "Raised beds"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    image = response.json()
    assert image["content_type"] == "image/jpeg" and (image["width"], image["height"]) == (30, 20)
    assert image["url"].startswith("/media/") and image["url"].endswith(".jpg")
    assert image["markdown"] == f"![Raised beds]({image['url']})"
    served = client.get(image["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    state = client.get(f"/api/v1/events/{world.event.id}/state").json()
    img = HTMLParser(state["entries"][0]["html"]).css_first("img")
    assert img is not None and img.attributes == {"src": image["url"], "alt": "Raised beds"}


def test_a_picture_needs_a_description_or_an_explicit_decorative_choice(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/entries/{post(client, world, headers, body='The garden')['id']}/images"
    files = {"file": ("a.jpg", jpeg(), "image/jpeg")}
    silent = client.post(url, files=files, data={"alt": "  "}, headers=headers)
    assert silent.status_code == 400 and silent.json()["error"]["code"] == "alt_required"
    assert (
        "!["
        not in client.get(f"/api/v1/events/{world.event.id}/state").json()["entries"][0]["body"]
    )
    chosen = client.post(url, files=files, data={"decorative": "true"}, headers=headers)
    assert chosen.status_code == 201 and chosen.json()["markdown"].startswith("![](")


def test_picture_upload_refuses_other_types_large_files_and_outsiders(
    client: TestClient, world: World, settings: Settings
) -> None:
    headers = login(client, world.facilitator)
    entry = post(client, world, headers)
    url = f"/api/v1/entries/{entry['id']}/images"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    wrong = client.post(url, files={"file": ("x.png", svg, "image/png")}, headers=headers)
    assert wrong.status_code == 415 and wrong.json()["error"]["code"] == "unsupported_media_type"
    huge = b"\xff\xd8\xff" + b"0" * settings.max_upload_bytes
    too_big = client.post(url, files={"file": ("x.jpg", huge, "image/jpeg")}, headers=headers)
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
    login(client, world.outsider)
    outsider = client.post(url, files={"file": ("x.jpg", jpeg(), "image/jpeg")}, headers=headers)
    assert outsider.status_code == 403
    assert client.get("/media/..%2Fsecret_key").status_code == 404
    assert client.get("/media/" + "0" * 32 + ".jpg").status_code == 404


def test_animations_are_scaled_down_and_bombs_refused_in_the_error_shape(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/entries/{post(client, world, headers)['id']}/images"
    wide = animation("PNG", (3000, 1000), 2)
    files = {"file": ("a.png", wide, "image/png")}
    added = client.post(url, files=files, data={"decorative": "true"}, headers=headers)
    assert added.status_code == 201, added.text
    assert (added.json()["width"], added.json()["height"]) == (2048, 683)
    with Image.open(io.BytesIO(client.get(added.json()["url"]).content)) as stored:
        assert stored.size == (2048, 683) and getattr(stored, "n_frames", 1) == 2
    bomb = animation("PNG", (7000, 7000), 2, "L")
    assert len(bomb) < 500_000
    refused = client.post(url, files={"file": ("b.png", bomb, "image/png")}, headers=headers)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "bad_input" and "7000 x 7000" in error["message"]


# -- the public JSON API ----------------------------------------------------------------------


def test_public_entries_page_back_by_cursor_and_report_changes(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    made = [post(client, world, headers, body=f"entry {i}") for i in range(7)]
    pinned = post(client, world, headers, body="pinned", pinned=True)
    client.cookies.clear()
    url = f"/api/v1/public/events/{world.event.id}/entries"
    first = client.get(url, params={"limit": 3}).json()
    assert [e["body"] for e in first["entries"]] == ["pinned", "entry 6", "entry 5", "entry 4"]
    seq = first["seq"]
    headers = login(client, world.facilitator)
    client.delete(f"/api/v1/entries/{made[3]['id']}", headers=headers)
    client.patch(f"/api/v1/entries/{made[2]['id']}", json={"body": "two"}, headers=headers)
    client.cookies.clear()
    bodies, cursor = [], first["next_before"]
    while cursor:
        page = client.get(url, params={"before": cursor, "limit": 3}).json()
        bodies += [e["body"] for e in page["entries"]]
        cursor = page["next_before"]
    assert bodies == ["two", "entry 1", "entry 0"]
    changes = client.get(url, params={"after": seq}).json()
    assert [e["body"] for e in changes["entries"]] == ["two"]
    assert changes["deleted"] == [made[3]["id"]] and changes["seq"] > seq
    assert pinned["pinned"]
    assert client.get(url, params={"before": "nonsense"}).status_code == 400


def test_public_entries_of_a_private_programme_need_a_facilitator(
    client: TestClient, db: Database
) -> None:
    with db.session() as s:
        world = make_world(s, visibility="private")
    url = f"/api/v1/public/events/{world.event.id}/entries"
    client.cookies.clear()
    assert client.get(url).status_code == 401
    login(client, world.outsider)
    assert client.get(url).status_code == 403
    login(client, world.facilitator)
    assert client.get(url).status_code == 200


def test_the_api_documents_every_live_blog_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/v1/events/{event_id}/entries",
        "/api/v1/events/{event_id}/entries/preview",
        "/api/v1/entries/{entry_id}",
        "/api/v1/entries/{entry_id}/images",
        "/api/v1/entries/{entry_id}/revisions",
        "/api/v1/public/events/{event_id}/entries",
    ]:
        assert path in paths


# -- the composer page ------------------------------------------------------------------------


def test_composer_needs_a_facilitator(client: TestClient, world: World) -> None:
    url = f"/console/events/{world.event.id}/blog"
    client.cookies.clear()
    response = client.get(url, follow_redirects=False)
    assert (
        response.status_code == 303 and response.headers["location"] == f"/console/login?next={url}"
    )
    login(client, world.outsider)
    assert client.get(url, headers={"accept": "text/html"}).status_code == 403


def test_composer_renders_the_form_the_csrf_token_and_the_entries(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    post(client, world, headers, body="Already *posted*")
    page = HTMLParser(client.get(f"/console/events/{world.event.id}/blog").text)
    meta = page.css_first('meta[name="csrf-token"]')
    assert meta is not None and meta.attributes["content"] == headers["X-CSRF-Token"]
    assert page.css_first("textarea#c-body") is not None
    kinds = [n.attributes["value"] for n in page.css("input[name=kind]")]
    assert kinds == ["update", "quote", "key_moment"]
    options = [n.text() for n in page.css("select#c-agenda option")]
    assert options == ["No session", "Session 1", "Session 2"]
    (entry,) = page.css('[data-list="stream"] article.entry')
    assert entry.css_first("em").text() == "posted"  # type: ignore[union-attr]
    actions = [b.text() for b in entry.css("[data-action]")]
    assert actions == ["Edit", "Pin", "History", "Delete"]
    assert template_content(page).css_first("article.entry [data-action=edit]") is not None
    scripts = [s.attributes.get("src") for s in page.css("script")]
    assert scripts == ["/static/js/composer.js"]


def test_console_event_page_links_to_the_composer(client: TestClient, world: World) -> None:
    login(client, world.facilitator)
    page = HTMLParser(client.get(f"/console/events/{world.event.id}").text)
    hrefs = [a.attributes.get("href") for a in page.css("a")]
    assert f"/console/events/{world.event.id}/blog" in hrefs


# -- entries that look like personal data ----------------------------------------------------------


def public_bodies(client: TestClient, world: World) -> list[str]:
    login(client, None)
    page = client.get(f"/api/v1/public/events/{world.event.id}/entries").json()
    return [e["body"] for e in page["entries"]]


def test_an_entry_that_looks_personal_is_refused_until_confirmed(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/events/{world.event.id}/entries"
    body = {"body": "Ring Bea's son on 07700 900123", "client_id": "e-1"}
    refused = client.post(url, json=body, headers=headers)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "looks_personal"
    assert error["message"].startswith("This entry looks like a phone number.")
    assert error["details"]["found"] == ["a phone number"]
    assert public_bodies(client, world) == []
    headers = login(client, world.facilitator)
    published = client.post(url, json={**body, "confirm_personal": True}, headers=headers)
    assert published.status_code == 201, published.text
    assert public_bodies(client, world) == [body["body"]]


def test_a_quote_naming_someone_by_email_is_refused(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    response = client.post(
        f"/api/v1/events/{world.event.id}/entries",
        json={"body": "Best day", "kind": "quote", "attribution": "jo@example.org"},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["found"] == ["an email address"]


def test_an_edit_that_adds_personal_data_is_refused_until_confirmed(
    client: TestClient, world: World
) -> None:
    headers = login(client, world.facilitator)
    entry = post(client, world, headers, body="Handover at 09:30 on 12/03/2025 went well")
    url = f"/api/v1/entries/{entry['id']}"
    refused = client.patch(url, json={"body": "Her NHS number is 943 476 5919"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "looks_personal"
    assert public_bodies(client, world) == [entry["body"]]
    headers = login(client, world.facilitator)
    edited = client.patch(
        url,
        json={"body": "Her NHS number is 943 476 5919", "confirm_personal": True},
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    # Once published on purpose, pinning it is not asked again.
    assert client.patch(url, json={"pinned": True}, headers=headers).status_code == 200


def test_the_preview_warns_of_personal_data(client: TestClient, world: World) -> None:
    headers = login(client, world.facilitator)
    url = f"/api/v1/events/{world.event.id}/entries/preview"
    warned = client.post(url, json={"body": "She lives at M50 3AB"}, headers=headers).json()
    assert warned["privacy_warning"] == "looks like a postcode"
    calm = client.post(url, json={"body": "Coffee at 10:30 in room 12"}, headers=headers).json()
    assert calm["privacy_warning"] == ""
