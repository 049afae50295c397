"""One test that asks the whole privacy question, over random sequences of actions.

Random actors post, edit, delete, hide and approve cards, give and withdraw consent for a
card's words and for their name beside it, post and correct entries, join with names (some of
which look personal), write breakout notes in groups shared and not, erase an attendee, freeze
the day and redact its archive. Every text written carries a unique marker.
After each sequence, for every kind of viewer, nothing they can reach (REST, /state, the socket's
replay from seq 0, the public page and feed, and once frozen the archive, its exports and
search) carries a marker that the day as it now stands hides from them; and the public /state
shows exactly the markers a public follower should see, so the model is checked too. A card's
words reach a public surface only with its author's text consent, and every card a public
surface shows names its author only with their name consent.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from server.app import create_app
from server.db import Database
from server.services import accounts
from server.settings import Settings
from tests.factories import make_world

MARKER = re.compile(r"mk\d{4}q")
PHONE = " ring 07700 900{:03d}"  # makes a text look personal: held for a facilitator


@dataclass
class Card:
    marker: str
    author: str
    board: int
    status: str
    text_consent: bool = False
    name_consent: bool = False
    deleted: bool = False


@dataclass
class Note:
    marker: str
    author: str
    group: int
    held: bool
    deleted: bool = False


@dataclass
class Day:
    """What was done, as the service answered it: the model the oracle reads."""

    client: TestClient
    event_id: int
    programme: str
    event_slug: str
    code: str
    headers: dict[str, dict[str, str]]  # viewer -> auth headers
    names: dict[str, str] = field(default_factory=dict)  # attendee -> display name
    boards: dict[int, bool] = field(default_factory=dict)  # id -> hidden
    groups: dict[int, bool] = field(default_factory=dict)  # id -> shared
    members: dict[str, set[int]] = field(default_factory=dict)
    cards: dict[int, Card] = field(default_factory=dict)
    entries: dict[int, str | None] = field(default_factory=dict)  # id -> marker, None: deleted
    notes: dict[int, Note] = field(default_factory=dict)
    dead: set[str] = field(default_factory=set)  # markers nobody may see any more
    frozen: bool = False
    redacted: set[str] = field(default_factory=set)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def marker(self) -> str:
        return f"mk{next(self.counter):04d}q"

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=self.headers.get(who, {}), **kwargs)
        assert response.status_code < 500, response.text
        return response

    # -- who may see what, now ---------------------------------------------------------------

    def public_ok(self) -> set[str]:
        seen = {m for m in self.entries.values() if m is not None}
        seen |= {
            c.marker
            for c in self.cards.values()
            if not c.deleted
            and c.status == "visible"
            and not self.boards[c.board]
            and c.text_consent
        }
        seen |= {
            n.marker
            for n in self.notes.values()
            if not n.deleted and self.groups[n.group] and not n.held
        }
        return seen

    def ok(self, viewer: str) -> set[str]:
        if viewer == "facilitator":
            return self.alive()
        seen = self.public_ok()
        if viewer == "public":
            return seen
        # The room is not public: it sees every visible card, consented or not.
        seen |= {
            c.marker
            for c in self.cards.values()
            if not c.deleted and c.status == "visible" and not self.boards[c.board]
        }
        seen |= {
            c.marker
            for c in self.cards.values()
            if c.author == viewer
            and not c.deleted
            and c.status != "hidden"
            and not self.boards[c.board]
        }
        groups = self.members.get(viewer, set())
        return seen | {n.marker for n in self.notes.values() if not n.deleted and n.group in groups}

    def alive(self) -> set[str]:
        every = {m for m in self.entries.values() if m is not None}
        every |= {c.marker for c in self.cards.values() if not c.deleted}
        every |= {n.marker for n in self.notes.values() if not n.deleted}
        return every - self.dead


# -- actions -------------------------------------------------------------------------------------

ATTENDEES = ("amy", "ben")


def post_card(
    day: Day,
    who: str,
    board_index: int,
    personal: bool,
    anonymous: bool,
    consents: tuple[bool, bool],
) -> None:
    board = sorted(day.boards)[board_index % len(day.boards)]
    marker = day.marker()
    text = f"Glimpse {marker}" + (PHONE.format(len(day.cards)) if personal else "")
    text_consent, name_consent = consents
    body = {
        "client_id": str(uuid.uuid4()),
        "text": text,
        "anonymous": anonymous,
        "text_consent": text_consent,
        "name_consent": name_consent,
    }
    response = day.call(who, "POST", f"/api/v1/boards/{board}/cards", json=body)
    if response.status_code == 201:
        card = response.json()
        day.cards[card["id"]] = Card(marker, who, board, card["status"], text_consent, name_consent)


def _card(day: Day, index: int) -> tuple[int, Card] | None:
    live = [(i, c) for i, c in sorted(day.cards.items()) if not c.deleted]
    return live[index % len(live)] if live else None


def edit_card(day: Day, index: int, personal: bool) -> None:
    found = _card(day, index)
    if found is None:
        return
    card_id, card = found
    marker = day.marker()
    text = f"Edited {marker}" + (PHONE.format(card_id) if personal else "")
    response = day.call(card.author, "PATCH", f"/api/v1/cards/{card_id}", json={"text": text})
    if response.status_code == 200:
        day.dead.add(card.marker)
        card.marker, card.status = marker, response.json()["status"]


def delete_card(day: Day, index: int, by_facilitator: bool) -> None:
    found = _card(day, index)
    if found is None:
        return
    card_id, card = found
    who = "facilitator" if by_facilitator else card.author
    if day.call(who, "DELETE", f"/api/v1/cards/{card_id}").status_code == 204:
        card.deleted = True
        day.dead.add(card.marker)


def consent(day: Day, index: int, text: bool | None, name: bool | None, by_author: bool) -> None:
    """The author gives or withdraws a consent; anyone else is refused and changes nothing."""
    found = _card(day, index)
    if found is None or (text is None and name is None):
        return
    card_id, card = found
    who = card.author if by_author else "facilitator"
    body = {k: v for k, v in (("text", text), ("name", name)) if v is not None}
    response = day.call(who, "PUT", f"/api/v1/cards/{card_id}/consent", json=body)
    if not by_author:
        assert response.status_code in (403, 404), response.text
    elif response.status_code == 200:
        card.text_consent = response.json()["text_consent"]
        card.name_consent = response.json()["name_consent"]
        assert (text is None or card.text_consent == text) and (
            name is None or card.name_consent == name
        )


def moderate(day: Day, index: int, status: str) -> None:
    found = _card(day, index)
    if found is None:
        return
    card_id, card = found
    body = {"status": status}
    if day.call("facilitator", "PATCH", f"/api/v1/cards/{card_id}", json=body).status_code == 200:
        card.status = status


def hide_board(day: Day, index: int, hidden: bool) -> None:
    board = sorted(day.boards)[index % len(day.boards)]
    body = {"state": "hidden" if hidden else "open"}
    if day.call("facilitator", "PATCH", f"/api/v1/boards/{board}", json=body).status_code == 200:
        day.boards[board] = hidden


def post_entry(day: Day, personal: bool) -> None:
    marker = day.marker()
    body = {"body": f"Update {marker}" + (PHONE.format(99) if personal else "")}
    body["confirm_personal"] = personal  # a facilitator publishing it on purpose
    response = day.call("facilitator", "POST", f"/api/v1/events/{day.event_id}/entries", json=body)
    if response.status_code == 201:
        day.entries[response.json()["id"]] = marker


def edit_entry(day: Day, index: int) -> None:
    live = [i for i, m in sorted(day.entries.items()) if m is not None]
    if not live:
        return
    entry_id, marker = live[index % len(live)], day.marker()
    body = {"body": f"Corrected {marker}"}
    if (
        day.call("facilitator", "PATCH", f"/api/v1/entries/{entry_id}", json=body).status_code
        == 200
    ):
        old = day.entries[entry_id]
        assert old is not None
        day.dead.add(old)
        day.entries[entry_id] = marker


def delete_entry(day: Day, index: int) -> None:
    live = [i for i, m in sorted(day.entries.items()) if m is not None]
    if not live:
        return
    entry_id = live[index % len(live)]
    if day.call("facilitator", "DELETE", f"/api/v1/entries/{entry_id}").status_code == 204:
        old = day.entries[entry_id]
        assert old is not None
        day.dead.add(old)
        day.entries[entry_id] = None


def write_note(day: Day, who: str, group_index: int, personal: bool) -> None:
    group = sorted(day.groups)[group_index % len(day.groups)]
    if group not in day.members.get(who, set()):
        if day.call(who, "POST", f"/api/v1/breakouts/{group}/join").status_code != 200:
            return
        day.members[who] = {group}  # joining one group leaves the other
    marker = day.marker()
    text = f"Note {marker}" + (PHONE.format(len(day.notes)) if personal else "")
    body = {"client_id": str(uuid.uuid4()), "text": text}
    response = day.call(who, "POST", f"/api/v1/breakouts/{group}/notes", json=body)
    if response.status_code == 201:
        day.notes[response.json()["id"]] = Note(marker, who, group, held=personal)


def share(day: Day, group_index: int, shared: bool) -> None:
    group = sorted(day.groups)[group_index % len(day.groups)]
    body = {"shared": shared}
    if day.call("facilitator", "PATCH", f"/api/v1/breakouts/{group}", json=body).status_code == 200:
        day.groups[group] = shared


def erase(day: Day, who: str, delete_cards: bool) -> None:
    if who not in day.names:
        return
    people = day.call("facilitator", "GET", f"/api/v1/events/{day.event_id}/attendees").json()
    attendee = next(p for p in people if p["display_name"] == day.names[who])
    body = {"cards": "delete" if delete_cards else "anonymise"}
    path = f"/api/v1/events/{day.event_id}/attendees/{attendee['id']}/erase"
    assert day.call("facilitator", "POST", path, json=body).status_code == 200
    day.dead |= set(MARKER.findall(day.names.pop(who)))
    day.headers.pop(who)
    day.members.pop(who, None)
    for card in day.cards.values():
        if card.author == who:
            card.author = "nobody"
            if delete_cards:
                card.deleted = True
                day.dead.add(card.marker)
    for note in day.notes.values():
        if note.author == who and not note.deleted:
            note.deleted = True
            day.dead.add(note.marker)


def join_with(day: Day, personal: bool) -> None:
    """Someone joins with a name; one that looks personal is refused and stored nowhere."""
    marker = day.marker()
    name = f"Cat {marker}" + (" 07700 900321" if personal else "")
    response = day.client.post("/api/v1/join", json={"code": day.code, "display_name": name})
    day.client.cookies.clear()
    if personal:
        assert response.status_code == 422
        day.dead.add(marker)


POST = st.tuples(
    st.just(post_card),
    st.sampled_from(ATTENDEES),
    st.integers(0, 1),
    st.booleans(),
    st.booleans(),
    st.tuples(st.booleans(), st.booleans()),
)
MAYBE = st.one_of(st.none(), st.booleans())
NOTE = st.tuples(st.just(write_note), st.sampled_from(ATTENDEES), st.integers(0, 1), st.booleans())
ENTRY = st.tuples(st.just(post_entry), st.booleans())
# Writing is weighted up (listed more than once), so most days have something left to hide.
ACTIONS = st.one_of(
    POST,
    POST,
    POST,
    NOTE,
    NOTE,
    ENTRY,
    st.tuples(st.just(edit_card), st.integers(0, 9), st.booleans()),
    st.tuples(st.just(delete_card), st.integers(0, 9), st.booleans()),
    st.tuples(st.just(moderate), st.integers(0, 9), st.sampled_from(["visible", "hidden"])),
    st.tuples(st.just(consent), st.integers(0, 9), MAYBE, MAYBE, st.booleans()),
    st.tuples(st.just(consent), st.integers(0, 9), MAYBE, MAYBE, st.just(True)),
    st.tuples(st.just(hide_board), st.integers(0, 1), st.booleans()),
    st.tuples(st.just(edit_entry), st.integers(0, 9)),
    st.tuples(st.just(delete_entry), st.integers(0, 9)),
    st.tuples(st.just(share), st.integers(0, 1), st.booleans()),
    st.tuples(st.just(erase), st.sampled_from(ATTENDEES), st.booleans()),
    st.tuples(st.just(join_with), st.booleans()),
)


# -- what each viewer can reach ------------------------------------------------------------------


def replay_from_zero(day: Day, viewer: str) -> str:
    """Everything the socket sends from seq 0 until its ping is answered (replay comes first)."""
    headers = day.headers.get(viewer, {})
    sent = []
    with day.client.websocket_connect(f"/ws/events/{day.event_id}?since=0", headers=headers) as ws:
        ws.send_json({"type": "ping", "ref": "end"})
        while True:
            message = ws.receive_json()
            if message.get("type") == "ack" and message.get("ref") == "end":
                break
            sent.append(message)
    return json.dumps(sent, ensure_ascii=False)


def reachable(day: Day, viewer: str) -> dict[str, str]:
    """Every surface this viewer can read, by name."""
    get = lambda path: day.call(viewer, "GET", path)  # noqa: E731
    blog = f"/p/{day.programme}/{day.event_slug}"
    seen: dict[str, str] = {}
    if not day.frozen:
        seen["state"] = get(f"/api/v1/events/{day.event_id}/state").text
        for board in day.boards:
            seen[f"board {board}"] = get(f"/api/v1/boards/{board}").text
        seen["replay"] = replay_from_zero(day, viewer)
    if viewer == "public":
        seen["page"] = get(blog).text
        seen["feed"] = get(f"{blog}/feed.atom").text
        seen["entries"] = get(f"/api/v1/public/events/{day.event_id}/entries").text
    if day.frozen and viewer in ("public", "facilitator"):
        archive = f"/api/v1/events/{day.event_id}/archive"
        for suffix in ("", ".md", ".csv"):
            seen[f"archive{suffix}"] = get(archive + suffix).text
        seen["summary"] = get(f"{blog}/summary").text
        seen["programme"] = get(f"/p/{day.programme}").text
        for marker in sorted(day.alive() | day.dead):
            found = get(f"/api/v1/search?q={marker}&programme={day.programme}").json()
            seen[f"search {marker}"] = json.dumps(found["hits"])  # not the query it echoes
    return seen


def shown_cards(value: Any) -> Iterator[dict[str, Any]]:
    """Every card object in a JSON answer, at any depth (a card has a column and an author)."""
    if isinstance(value, dict):
        if "column" in value and "author" in value and isinstance(value.get("text"), str):
            yield value
        for item in value.values():
            yield from shown_cards(item)
    elif isinstance(value, list):
        for item in value:
            yield from shown_cards(item)


def json_of(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def check_names(day: Day, seen: dict[str, str]) -> None:
    """On public surfaces a card names its author only with their name consent."""
    by_marker = {c.marker: c for c in day.cards.values() if not c.deleted}
    for surface, text in seen.items():
        for shown in shown_cards(json_of(text)):
            for marker in MARKER.findall(shown["text"]):
                card = by_marker.get(marker)
                if card is not None and shown["author"]:
                    assert card.name_consent, f"{surface} names the author of {marker}"
    if "summary" in seen:
        page = HTMLParser(seen["summary"])
        for card_id, card in day.cards.items():
            li = page.css_first(f"li#card-{card_id}")
            name = day.names.get(card.author, "")
            if li is not None and name and not card.name_consent:
                assert name not in li.text(), f"the summary names the author of {card_id}"


def check(day: Day) -> None:
    # Names of people still in the day may show (as authors, as members); texts only as allowed.
    names = set(MARKER.findall(" ".join(day.names.values())))
    for viewer in ("public", "facilitator", *[a for a in ATTENDEES if a in day.names]):
        allowed = (day.ok(viewer) | names) - day.dead - day.redacted
        seen = reachable(day, viewer)
        for surface, text in seen.items():
            leaked = set(MARKER.findall(text)) - allowed
            assert not leaked, f"{viewer} reads {sorted(leaked)} in {surface}"
        if viewer == "public":
            check_names(day, seen)
    if not day.frozen:
        public_state = day.call("public", "GET", f"/api/v1/events/{day.event_id}/state").text
        shown = set(MARKER.findall(public_state)) - names
        assert shown == day.public_ok() - day.dead, "the model and the public /state agree"


# -- the test ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Path:
    return migrated_sqlite


def open_day(template: Path) -> tuple[Day, Settings, Path]:
    folder = Path(tempfile.mkdtemp(prefix="glimpse-property-"))
    shutil.copyfile(template, folder / "glimpse.db")
    config = Settings(
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'glimpse.db'}",
        secret_key="property-secret",
        _env_file=None,  # type: ignore[call-arg]
    )
    db = Database(config.effective_database_url)
    with db.session() as s:
        world = make_world(s, status="live")
        tokens = {
            who: accounts.create_token(s, email=user.email, secret_key="property-secret")
            for who, user in (("facilitator", world.facilitator), ("admin", world.admin))
        }
        ids = (world.event.id, world.programme.slug, world.event.slug, world.event.join_code)
    db.dispose()
    client = TestClient(create_app(config))
    headers = {who: {"Authorization": f"Bearer {t}"} for who, t in tokens.items()}
    day = Day(client, *ids, headers=headers)
    return day, config, folder


def set_the_room(day: Day) -> None:
    for title, moderation in (("Going well", "post"), ("Held first", "pre")):
        body = {"title": title, "moderation": moderation, "votes_per_attendee": 3}
        board = day.call("facilitator", "POST", f"/api/v1/events/{day.event_id}/boards", json=body)
        day.boards[board.json()["id"]] = False
    for name in ("Table 1", "Table 2"):
        path = f"/api/v1/events/{day.event_id}/breakouts"
        group = day.call("facilitator", "POST", path, json={"name": name})
        day.groups[group.json()["id"]] = False
    for who in ATTENDEES:
        name = f"{who.title()} {day.marker()}"
        joined = day.client.post("/api/v1/join", json={"code": day.code, "display_name": name})
        day.client.cookies.clear()
        assert joined.status_code == 200
        day.headers[who] = {"Authorization": f"Bearer {joined.json()['token']}"}
        day.names[who] = name


def freeze_and_redact(day: Day, redact: int | None) -> None:
    for step in ("end", "freeze"):
        path = f"/api/v1/events/{day.event_id}/{step}"
        assert day.call("facilitator", "POST", path).status_code == 200
    day.frozen = True
    archived = [
        i for i, c in sorted(day.cards.items()) if not c.deleted and not day.boards[c.board]
    ]
    if redact is None or not archived:
        return
    card_id = archived[redact % len(archived)]
    body = {"items": [{"kind": "card", "id": card_id}], "reason": "personal_data"}
    path = f"/api/v1/events/{day.event_id}/archive/redactions"
    assert day.call("admin", "POST", path, json=body).status_code == 201
    day.redacted.add(day.cards[card_id].marker)


@settings(
    max_examples=32,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    actions=st.lists(ACTIONS, min_size=6, max_size=18),
    freeze=st.booleans(),
    redact=st.one_of(st.none(), st.integers(0, 9)),
)
def test_nothing_reaches_a_viewer_that_the_day_hides_from_them(
    template: Path, actions: list[tuple[Any, ...]], freeze: bool, redact: int | None
) -> None:
    day, _, folder = open_day(template)
    try:
        with day.client:
            set_the_room(day)
            for action, *args in actions:
                action(day, *args)
            check(day)
            if freeze:
                freeze_and_redact(day, redact)
                check(day)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
