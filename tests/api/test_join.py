"""Pages of the room: joining by code or QR, the attendee app, the screen, the console board."""

from __future__ import annotations

import io
from typing import Any

import pytest
import qrcode
from fastapi.testclient import TestClient
from PIL import Image
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlmodel import select

from server.db import Database
from server.models.attendees import Attendee
from server.models.breakouts import BreakoutCreate
from server.models.events import Event
from server.services import breakouts
from server.settings import Settings
from tests.api.helpers import open_board
from tests.factories import World, login, make_world

PAGE = {"Accept": "text/html"}


def html(response: Any) -> HTMLParser:
    assert "text/html" in response.headers["content-type"], response.text
    return HTMLParser(response.text)


def text_of(tree: HTMLParser, selector: str) -> str:
    node = tree.css_first(selector)
    assert node is not None, f"nothing matches {selector}"
    return node.text(strip=True)


def join(client: TestClient, world: World, name: str = "Amy") -> int:
    response = client.post(
        "/api/v1/join", json={"code": world.event.join_code, "display_name": name}
    )
    assert response.status_code == 200, response.text
    event_id: int = response.json()["event_id"]
    return event_id


# -- /j/{code} and /join ---------------------------------------------------------------------------


def test_the_qr_page_asks_for_an_optional_name(client: TestClient, live_world: World) -> None:
    response = client.get(f"/j/{live_world.event.join_code}", headers=PAGE)
    tree = html(response)
    assert response.status_code == 200
    assert text_of(tree, "h1") == live_world.event.title
    form = tree.css_first("form[data-join]")
    assert form is not None and form.attributes["data-code"] == live_world.event.join_code
    assert tree.css_first("input#display-name:not([required])") is not None
    assert tree.css_first('script[src="/static/js/attendee.js"]') is not None


def test_a_code_typed_loosely_lands_on_the_canonical_page(
    client: TestClient, live_world: World
) -> None:
    code = live_world.event.join_code
    loose = f"{code[:3].lower()}-{code[3:]}"
    response = client.get(f"/j/{loose}", headers=PAGE, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/j/{code}")
    typed = client.get(
        "/join",
        params={"code": f" {code[:3]} {code[3:].lower()} "},
        headers=PAGE,
        follow_redirects=False,
    )
    assert (typed.status_code, typed.headers["location"]) == (303, f"/j/{code}")


def test_someone_already_in_the_event_goes_straight_in(
    client: TestClient, live_world: World
) -> None:
    event_id = join(client, live_world)
    response = client.get(f"/j/{live_world.event.join_code}", headers=PAGE, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/a/{event_id}")


def open_group(db: Database, world: World, name: str) -> int:
    with db.session() as s:
        event = s.get(Event, world.event.id)
        assert event is not None
        data = BreakoutCreate(name=name)
        group = breakouts.create_breakout(s, actor=world.facilitator, event=event, data=data)
        return group.id


def test_a_joined_phone_scanning_a_table_card_goes_to_that_tables_group(
    client: TestClient, db: Database, live_world: World
) -> None:
    event_id = join(client, live_world)
    table = open_group(db, live_world, "Table 1")
    code = live_world.event.join_code
    scanned = client.get(f"/j/{code}?group={table}", headers=PAGE, follow_redirects=False)
    landing = f"/a/{event_id}/breakout?group={table}"
    assert (scanned.status_code, scanned.headers["location"]) == (303, landing)
    # The page asks to sit there (its script POSTs, as the picker does); the GET seats nobody.
    tree = html(client.get(landing, headers=PAGE))
    assert tree.css_first("[data-breakout-phone]").attributes["data-table"] == str(table)
    assert text_of(tree, "#wait-h") == "Breakouts"
    assert client.post(f"/api/v1/breakouts/{table}/join").status_code == 200
    seated = html(client.get(landing, headers=PAGE))
    assert text_of(seated, "#group-h") == "Table 1"
    # The typed code from the card lands on the group too, not the board (which has no picker).
    typed = client.get("/join", params={"code": code}, headers=PAGE)
    assert str(typed.url).endswith(f"/a/{event_id}/breakout")
    assert text_of(html(typed), "#group-h") == "Table 1"


def test_while_breakouts_are_open_a_new_phone_joins_onto_the_picker(
    client: TestClient, db: Database, live_world: World
) -> None:
    form = html(client.get(f"/j/{live_world.event.join_code}", headers=PAGE)).css_first("form")
    assert "data-groups-open" not in form.attributes
    open_group(db, live_world, "Table 1")
    form = html(client.get(f"/j/{live_world.event.join_code}", headers=PAGE)).css_first("form")
    assert "data-groups-open" in form.attributes


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        ("live", "ZZZZZZ", "No event has that code"),
        ("ended", None, "has ended"),
        ("frozen", None, "has ended"),
    ],
)
def test_unknown_and_closed_codes_say_so_plainly(
    client: TestClient, db: Database, status: str, code: str | None, message: str
) -> None:
    with db.session() as s:
        world = make_world(s, status=status)
    code = code or world.event.join_code
    for response in (
        client.get(f"/j/{code}", headers=PAGE),
        client.get("/join", params={"code": code}, headers=PAGE),
    ):
        tree = html(response)
        assert response.status_code == 404
        assert message in text_of(tree, "[role=alert]")
        # The page offers to try another code at once.
        assert tree.css_first("form[action='/join'] input[name=code]") is not None
        # A frozen day's code, still on a phone or a printed card, leads to its summary.
        link = tree.css_first("[data-testid=summary-link] a")
        if status != "frozen":
            assert link is None
            continue
        assert link is not None
        summary = f"/p/{world.programme.slug}/{world.event.slug}/summary"
        assert link.attributes["href"] == summary
        assert client.get(summary, headers=PAGE).status_code == 200


def test_the_join_page_without_a_code_shows_the_form(client: TestClient) -> None:
    tree = html(client.get("/join", headers=PAGE))
    assert text_of(tree, "h1") == "Join an event"
    assert tree.css_first("[role=alert]") is None


# -- QR codes --------------------------------------------------------------------------------------


def test_the_qr_code_is_an_svg_that_scales(client: TestClient, live_world: World) -> None:
    response = client.get(f"/j/{live_world.event.join_code.lower()}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "max-age" in response.headers["cache-control"]
    assert response.text.lstrip().startswith("<?xml") and 'viewBox="' in response.text


def test_the_qr_png_downloads_and_holds_the_join_link(
    client: TestClient, live_world: World, settings: Settings
) -> None:
    response = client.get(f"/j/{live_world.event.join_code}/qr.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "attachment" in response.headers["content-disposition"]
    image = Image.open(io.BytesIO(response.content))
    assert image.size[0] == image.size[1] >= 600, "big enough for a poster"
    link = f"{settings.public_base_url}/j/{live_world.event.join_code}"
    assert modules_of(image) == modules_for(link)


def modules_for(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def modules_of(image: Image.Image) -> list[list[bool]]:
    """Read the module grid back from the picture, quiet zone (two modules) included."""
    grey = image.convert("L")
    # The top-left finder pattern's corner is the first dark pixel on the diagonal.
    first_dark = next(x for x in range(grey.size[0]) if grey.getpixel((x, x)) < 128)  # type: ignore[operator]
    step = first_dark / 2
    count = round(grey.size[0] / step)
    return [
        [grey.getpixel((int((x + 0.5) * step), int((y + 0.5) * step))) < 128 for x in range(count)]  # type: ignore[operator]
        for y in range(count)
    ]


def test_an_unknown_code_has_no_qr(client: TestClient) -> None:
    assert client.get("/j/ZZZZZZ/qr.svg").status_code == 404


# -- the attendee app ------------------------------------------------------------------------------


def test_the_app_sends_strangers_to_the_join_page(client: TestClient, live_world: World) -> None:
    response = client.get(f"/a/{live_world.event.id}", headers=PAGE, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/j/{live_world.event.join_code}",
    )


def test_the_app_opens_on_the_board_and_shows_only_visible_cards(
    client: TestClient, live_world: World
) -> None:
    board_id = open_board(client, live_world, columns=["Going well", "Concerning"])
    headers = login(client, live_world.facilitator)
    client.post(
        f"/api/v1/events/{live_world.event.id}/screen",
        json={"mode": "board", "target_id": board_id},
        headers=headers,
    )
    login(client, None)
    join(client, live_world)
    for text in ("Residents ran the garden club", "Ring 07700 900123 about it"):
        body = {"client_id": text, "text": text, "column": "Going well"}
        assert client.post(f"/api/v1/boards/{board_id}/cards", json=body).status_code == 201
    tree = html(client.get(f"/a/{live_world.event.id}", headers=PAGE))
    assert text_of(tree, "h1#board-h") == "Glimpses of brilliance"
    wall = [n.text(strip=True) for n in tree.css("[data-wall] .card-text")]
    assert wall == ["Residents ran the garden club"]
    assert tree.css_first("form[data-composer]:not([hidden])") is not None
    assert tree.css_first("template#tpl-card") is not None


# -- the session screen ----------------------------------------------------------------------------


def test_the_screen_shows_the_room_only_to_its_facilitators(
    client: TestClient, live_world: World
) -> None:
    url = f"/screen/{live_world.event.id}"
    # Anyone else, signed in or not, gets the page that pairs a projector: nothing of the room.
    for who in (None, live_world.outsider):
        if who is not None:
            login(client, who)
        response = client.get(url, headers=PAGE)
        assert text_of(html(response), "h1") == "Pair this screen"
        assert live_world.event.join_code not in response.text
    login(client, live_world.facilitator)
    tree = html(client.get(url, headers=PAGE))
    assert text_of(tree, "h1") == live_world.event.title
    code = live_world.event.join_code
    qr = tree.css_first("[data-mode-view=join] img.qr")
    assert qr is not None and qr.attributes["src"] == f"/j/{code}/qr.svg"
    assert text_of(tree, ".join-code-huge").replace("\u2009", "") == code
    assert tree.css_first("[data-mode-view=join]:not([hidden])") is not None


def test_no_page_of_the_room_has_inline_script_or_style(
    client: TestClient, live_world: World
) -> None:
    board_id = open_board(client, live_world)
    pages = [f"/screen/{live_world.event.id}", f"/console/boards/{board_id}"]
    pages += [f"/console/events/{live_world.event.id}/boards"]
    trees = [html(client.get(url, headers=PAGE)) for url in pages]
    login(client, None)
    join(client, live_world)
    trees += [html(client.get(f"/a/{live_world.event.id}", headers=PAGE))]
    trees += [html(client.get("/join", headers=PAGE))]
    for tree in trees:
        assert not tree.css("[style]"), "style attributes break the strict CSP"
        assert all(s.attributes.get("src") for s in tree.css("script"))


# -- the console's board pages ---------------------------------------------------------------------


def csrf_of(tree: HTMLParser) -> str:
    node = tree.css_first("input[name=csrf_token]")
    assert node is not None
    return node.attributes["value"] or ""


def test_a_facilitator_opens_a_board_from_the_console(
    client: TestClient, live_world: World
) -> None:
    login(client, live_world.facilitator)
    url = f"/console/events/{live_world.event.id}/boards"
    tree = html(client.get(url, headers=PAGE))
    form = {
        "csrf_token": csrf_of(tree),
        "title": "What next?",
        "columns": "Going well, Concerning, ",
        "moderation": "pre",
        "votes_per_attendee": "3",
    }
    response = client.post(url, data=form, follow_redirects=False)
    assert response.status_code == 303
    page = html(client.get(response.headers["location"], headers=PAGE))
    assert text_of(page, "h1") == "What next?"
    console = page.css_first("[data-board-console]")
    meta = page.css_first('meta[name="csrf-token"]')
    assert (
        console is not None
        and meta is not None
        and meta.attributes["content"] == form["csrf_token"]
    )
    board = client.get(f"/api/v1/boards/{console.attributes['data-board-id']}").json()
    assert (board["columns"], board["moderation"], board["anonymous_allowed"]) == (
        ["Going well", "Concerning"],
        "pre",
        False,
    )
    listed = [n.text(strip=True) for n in html(client.get(url, headers=PAGE)).css(".rows a")]
    assert listed == ["What next?"]


def test_the_new_board_form_needs_its_csrf_token_and_a_title(
    client: TestClient, live_world: World
) -> None:
    login(client, live_world.facilitator)
    url = f"/console/events/{live_world.event.id}/boards"
    assert client.post(url, data={"csrf_token": "wrong", "title": "X"}).status_code == 403
    token = csrf_of(html(client.get(url, headers=PAGE)))
    response = client.post(url, data={"csrf_token": token, "title": " "}, headers=PAGE)
    assert response.status_code in (400, 422)
    assert html(response).css_first("[role=alert]") is not None


def test_board_pages_are_for_the_programmes_facilitators(
    client: TestClient, live_world: World
) -> None:
    board_id = open_board(client, live_world)
    login(client, live_world.outsider)
    assert client.get(f"/console/boards/{board_id}", headers=PAGE).status_code == 403
    assert (
        client.get(f"/console/events/{live_world.event.id}/boards", headers=PAGE).status_code == 403
    )


def test_the_event_page_links_to_its_boards_and_screen(
    client: TestClient, live_world: World
) -> None:
    login(client, live_world.facilitator)
    tree = html(client.get(f"/console/events/{live_world.event.id}", headers=PAGE))
    links = {n.attributes["href"] for n in tree.css(".event-nav a")}
    assert {
        f"/console/events/{live_world.event.id}/boards",
        f"/screen/{live_world.event.id}",
    } <= links


# -- names are text too ----------------------------------------------------------------------------


def attendee_names(db: Database) -> list[str]:
    with db.session(write=False) as s:
        return list(s.exec(select(Attendee.display_name)).all())


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("Jane 07700 900123", "a phone number"),
        ("Mr 943 476 5919", "an NHS number"),
        ("jane@example.org", "an email address"),
        ("M50 3AB resident", "a postcode"),
        ("Jane 07700\u2013900123", "a phone number"),
    ],
)
def test_a_name_that_looks_like_personal_data_is_refused_and_nothing_is_stored(
    client: TestClient, db: Database, live_world: World, name: str, found: str
) -> None:
    response = client.post(
        "/api/v1/join", json={"code": live_world.event.join_code, "display_name": name}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "looks_personal"
    assert error["message"].startswith(f"Your name looks like it has {found} in it.")
    assert "first name" in error["message"]
    assert "glimpse_attendee" not in response.cookies
    assert attendee_names(db) == []


@pytest.mark.parametrize("name", ["Mrs Green", "Dr Patel", "mr patel"])
def test_a_name_with_a_title_is_refused_saying_why_and_nothing_is_stored(
    client: TestClient, db: Database, live_world: World, name: str
) -> None:
    response = client.post(
        "/api/v1/join", json={"code": live_world.event.join_code, "display_name": name}
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "Your name has a title in it (like Mrs or Dr), which could name a resident. "
        "Use just your first name, or leave it empty: it is shown next to what you post."
    )
    assert attendee_names(db) == []


@pytest.mark.parametrize("name", ["Jo", "Sam Patel", "Miss-Ann", "Drew"])
def test_a_plain_name_joins(client: TestClient, db: Database, live_world: World, name: str) -> None:
    join(client, live_world, name=name)
    assert attendee_names(db) == [name]


def test_an_organisation_that_looks_like_personal_data_is_refused(
    client: TestClient, db: Database, live_world: World
) -> None:
    response = client.post(
        "/api/v1/join",
        json={"code": live_world.event.join_code, "organisation": "Elm House, M50 3AB"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(
        "Your organisation looks like it has a postcode in it."
    )
    assert attendee_names(db) == []


def test_renaming_yourself_to_personal_data_is_refused_and_keeps_your_name(
    client: TestClient, db: Database, live_world: World
) -> None:
    join(client, live_world, name="Amy")
    response = client.post(
        "/api/v1/join",
        json={"code": live_world.event.join_code, "display_name": "Amy 07700 900123"},
    )
    assert response.status_code == 422
    assert attendee_names(db) == ["Amy"]


def test_a_name_loses_its_control_and_bidi_characters(
    client: TestClient, db: Database, live_world: World
) -> None:
    join(client, live_world, name="\u202eAmy\u202c\x07 B\u2066\x1b")
    assert attendee_names(db) == ["Amy B"]


def test_a_page_with_a_sign_ins_token_is_never_for_a_shared_cache(
    client: TestClient, live_world: World
) -> None:
    programme = f"/p/{live_world.programme.slug}"
    public = client.get(programme, headers=PAGE)
    assert "csrf-token" not in public.text
    assert "private" not in public.headers.get("cache-control", "")
    login(client, live_world.facilitator)
    for url in (programme, f"/console/events/{live_world.event.id}"):
        response = client.get(url, headers=PAGE)
        assert html(response).css_first('meta[name="csrf-token"]') is not None
        assert response.headers["cache-control"] == "private, no-store"
