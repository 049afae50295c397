"""Zulip's strongest realtime test, run on the browsers' own reducer: load state, act, apply the
resulting messages to the old state with web/static/js/lib/state.js in Chromium, and compare with
a freshly loaded state, for every logged type and each kind of viewer (facilitator, the acting
attendee, another attendee, a public follower, a paired screen)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import Page

from server.db import Database
from server.realtime.protocol import LOGGED_TYPES
from server.services import accounts
from tests.factories import World, make_world
from tests.live.wsclient import Client
from tests.liveserver import LiveServer
from tests.pictures import jpeg


class Reducer:
    """lib/state.js, as the pages load it, in a page of the live server."""

    def __init__(self, page: Page) -> None:
        self.page = page
        page.goto("/login")
        self.known: list[str] = page.evaluate(
            "async () => (await import('/static/js/lib/state.js')).KNOWN_TYPES"
        )

    def apply(self, state: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The state after these messages; a type the reducer does not know fails the test."""
        result: dict[str, Any] = self.page.evaluate(
            """async ([state, messages]) => {
                const { applyMessage } = await import("/static/js/lib/state.js");
                for (const message of messages) {
                    if (!applyMessage(state, message)) throw new Error(`unknown ${message.type}`);
                }
                return state;
            }""",
            [state, messages],
        )
        return result


@pytest.fixture
def reducer(page: Page) -> Reducer:
    return Reducer(page)


@dataclass
class Room:
    event_id: int
    slug: str
    facilitator: httpx.Client
    author: httpx.Client  # an attendee
    other: httpx.Client  # another attendee
    follower: httpx.Client  # nobody signed in
    screen: httpx.Client  # a session screen paired with the event

    def state(self, who: httpx.Client) -> dict[str, Any]:
        return who.get(f"/api/v1/events/{self.event_id}/state").json()  # type: ignore[no-any-return]

    def board(self, title: str = "Wall") -> dict[str, Any]:
        boards = self.state(self.facilitator)["boards"]
        return next(b for b in boards if b["title"] == title)

    def card(self, text: str) -> dict[str, Any]:
        return next(
            c
            for b in self.state(self.facilitator)["boards"]
            for c in b["cards"]
            if c["text"] == text
        )


def ok(response: httpx.Response) -> None:
    assert response.status_code < 300, response.text


def post_card(room: Room, text: str, **extra: Any) -> None:
    body = {"client_id": str(uuid.uuid4()), "text": text, **extra}
    ok(room.author.post(f"/api/v1/boards/{room.board()['id']}/cards", json=body))


def group(room: Room, name: str) -> dict[str, Any]:
    return next(b for b in room.state(room.facilitator)["breakouts"] if b["name"] == name)


def note(room: Room, text: str) -> dict[str, Any]:
    groups = room.state(room.facilitator)["breakouts"]
    return next(n for b in groups for n in b["notes"] if n["text"] == text)


def post_note(room: Room, who: httpx.Client, table: str, text: str) -> None:
    body = {"client_id": str(uuid.uuid4()), "text": text}
    ok(who.post(f"/api/v1/breakouts/{group(room, table)['id']}/notes", json=body))


def edit_note(room: Room, text: str, new: str) -> None:
    found = note(room, text)
    body = {"text": new, "version": found["version"]}
    ok(room.author.patch(f"/api/v1/notes/{found['id']}", json=body))


# Author and other attendee sit at different tables, then the other is moved to the author's:
# a group's notes must reach its members only, until it is shared (and then not held ones).
BREAKOUT_ACTIONS: dict[str, Callable[[Room], None]] = {
    "breakout.created": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/breakouts",
            json={"name": "Table A", "prompt": "What does good look like for safe?"},
        )
    ),
    "breakout.created (capped)": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/breakouts", json={"name": "Table B", "cap": 2}
        )
    ),
    "breakout.member (author joins A)": lambda r: ok(
        r.author.post(f"/api/v1/breakouts/{group(r, 'Table A')['id']}/join")
    ),
    "breakout.member (other joins B)": lambda r: ok(
        r.other.post(f"/api/v1/breakouts/{group(r, 'Table B')['id']}/join")
    ),
    "note.created (group A)": lambda r: post_note(r, r.author, "Table A", "Staff know routines"),
    "note.updated (group A)": lambda r: edit_note(
        r, "Staff know routines", "Staff know every resident's routine"
    ),
    "note.created (held)": lambda r: post_note(r, r.author, "Table A", "Email jo@example.org"),
    "note.created (group B)": lambda r: post_note(r, r.other, "Table B", "Map the GP practice"),
    "breakout.member (other moved to A)": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/breakouts/{group(r, 'Table A')['id']}/members",
            json={"attendee_id": group(r, "Table B")["members"][0]["id"]},
        )
    ),
    "breakout.updated (A shared)": lambda r: ok(
        r.facilitator.patch(f"/api/v1/breakouts/{group(r, 'Table A')['id']}", json={"shared": True})
    ),
    "note.updated (shared, now held)": lambda r: edit_note(
        r, "Staff know every resident's routine", "Ask sam@example.org about routines"
    ),
    "note.deleted": lambda r: ok(
        r.author.delete(f"/api/v1/notes/{note(r, 'Email jo@example.org')['id']}")
    ),
    "breakout.member (balanced)": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/breakouts/assign", json={"strategy": "balanced"}
        )
    ),
    "breakout.member (self, capped)": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/breakouts/assign", json={"strategy": "self", "cap": 3}
        )
    ),
    "breakout.updated (closed)": lambda r: ok(
        r.facilitator.post(f"/api/v1/events/{r.event_id}/breakouts/close")
    ),
}


ENTRY_ACTIONS: dict[str, Callable[[Room], None]] = {
    "entry.created": lambda r: ok(
        r.facilitator.post(f"/api/v1/events/{r.event_id}/entries", json={"body": "One"})
    ),
    "entry.created (quote, pinned)": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/entries",
            json={"body": "> Two", "kind": "quote", "pinned": True},
        )
    ),
    "entry.updated (correction)": lambda r: change_entry(
        r, "One", {"body": "One!", "correction": {"is_correction": True, "note": "Louder"}}
    ),
    "entry.updated (pinned)": lambda r: change_entry(r, "One!", {"pinned": True}),
    "entry.updated (picture)": lambda r: add_picture(r),
    "entry.created (key moment)": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/entries", json={"body": "Three", "kind": "key_moment"}
        )
    ),
    "entry.deleted": lambda r: ok(
        r.facilitator.delete(f"/api/v1/entries/{entry(r, 'One!')['id']}")
    ),
}


ACTIONS: dict[str, Callable[[Room], None]] = {
    **ENTRY_ACTIONS,
    "agenda.created": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/agenda",
            json={"title": "New", "starts_at": "2026-12-01T08:00:00Z"},
        )
    ),
    "agenda.updated": lambda r: ok(
        r.facilitator.patch(
            f"/api/v1/agenda/{r.state(r.facilitator)['agenda'][0]['id']}",
            json={"title": "Renamed", "starts_at": "2026-12-01T18:00:00Z"},
        )
    ),
    "agenda.deleted": lambda r: ok(
        r.facilitator.delete(f"/api/v1/agenda/{r.state(r.facilitator)['agenda'][0]['id']}")
    ),
    "event.updated": lambda r: ok(
        r.facilitator.patch(f"/api/v1/events/{r.event_id}", json={"title": "Event, renamed"})
    ),
    "board.created": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/boards",
            json={
                "title": "Wall",
                "columns": ["Going well", "Concerning"],
                "votes_per_attendee": 3,
            },
        )
    ),
    "card.created (visible)": lambda r: post_card(
        r, "Residents ran the garden club", column="Going well"
    ),
    "card.created (anonymous)": lambda r: post_card(r, "Night staff feel unheard", anonymous=True),
    "card.created (held: email)": lambda r: post_card(r, "Write to jo@example.org about it"),
    "card.updated (approve)": lambda r: ok(
        r.facilitator.patch(
            f"/api/v1/cards/{r.card('Write to jo@example.org about it')['id']}",
            json={"status": "visible"},
        )
    ),
    "vote.changed": lambda r: ok(
        r.other.put(
            f"/api/v1/cards/{r.card('Residents ran the garden club')['id']}/vote", json={"count": 2}
        )
    ),
    "theme.created": lambda r: ok(
        r.facilitator.post(f"/api/v1/boards/{r.board()['id']}/themes", json={"title": "Activities"})
    ),
    "card.updated (theme)": lambda r: ok(
        r.facilitator.patch(
            f"/api/v1/cards/{r.card('Residents ran the garden club')['id']}",
            json={"theme_id": r.board()["themes"][0]["id"]},
        )
    ),
    "theme.updated": lambda r: ok(
        r.facilitator.patch(
            f"/api/v1/themes/{r.board()['themes'][0]['id']}", json={"title": "Meaningful activity"}
        )
    ),
    "card.updated (hide)": lambda r: ok(
        r.facilitator.patch(
            f"/api/v1/cards/{r.card('Night staff feel unheard')['id']}", json={"status": "hidden"}
        )
    ),
    "card.deleted": lambda r: ok(
        r.author.delete(f"/api/v1/cards/{r.card('Write to jo@example.org about it')['id']}")
    ),
    "theme.deleted": lambda r: ok(
        r.facilitator.delete(f"/api/v1/themes/{r.board()['themes'][0]['id']}")
    ),
    "board.updated (hidden)": lambda r: ok(
        r.facilitator.patch(f"/api/v1/boards/{r.board()['id']}", json={"state": "hidden"})
    ),
    "next session (board.updated, screen.changed, event.updated)": lambda r: next_session(r),
    "board.updated (open again)": lambda r: ok(
        r.facilitator.patch(f"/api/v1/boards/{r.board()['id']}", json={"state": "open"})
    ),
    "timer.started": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/timer", json={"seconds": 300, "label": "Discuss"}
        )
    ),
    "screen.changed (board)": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/screen",
            json={"mode": "board", "target_id": r.board()["id"]},
        )
    ),
    "screen.changed (spotlight)": lambda r: ok(
        r.facilitator.post(
            f"/api/v1/events/{r.event_id}/screen",
            json={"mode": "spotlight", "target_id": r.card("Residents ran the garden club")["id"]},
        )
    ),
    "timer.stopped": lambda r: ok(r.facilitator.delete(f"/api/v1/events/{r.event_id}/timer")),
    "screen.changed (blank)": lambda r: ok(
        r.facilitator.post(f"/api/v1/events/{r.event_id}/screen", json={"mode": "blank"})
    ),
    **BREAKOUT_ACTIONS,
    "screen.paired": lambda r: pair_screen(r),
    "screen.unpaired": lambda r: unpair_screen(r),
    "action.created": lambda r: create_action(r),
    "action.updated": lambda r: update_action(r),
    "event.updated (status)": lambda r: ok(r.facilitator.post(f"/api/v1/events/{r.event_id}/end")),
}


def entry(r: Room, body: str) -> dict[str, Any]:
    return next(e for e in r.state(r.follower)["entries"] if e["body"].startswith(body))


def change_entry(r: Room, body: str, change: dict[str, Any]) -> None:
    ok(r.facilitator.patch(f"/api/v1/entries/{entry(r, body)['id']}", json=change))


def add_picture(r: Room) -> None:
    ok(
        r.facilitator.post(
            f"/api/v1/entries/{entry(r, 'One!')['id']}/images",
            files={"file": ("a.jpg", jpeg(), "image/jpeg")},
            data={"alt": "A picture"},
        )
    )


def pair_screen(r: Room) -> None:
    with httpx.Client(base_url=str(r.facilitator.base_url)) as another:
        code = another.post("/api/v1/screens/code").json()["code"]
    ok(r.facilitator.post(f"/api/v1/events/{r.event_id}/screens", json={"code": code}))


def unpair_screen(r: Room) -> None:
    newest = r.facilitator.get(f"/api/v1/events/{r.event_id}/screens").json()[-1]
    ok(r.facilitator.delete(f"/api/v1/screens/{newest['id']}"))


def create_action(r: Room) -> None:
    body = {"title": "Share the garden club idea", "event_id": r.event_id}
    ok(r.facilitator.post(f"/api/v1/programmes/{r.slug}/actions", json=body))


def update_action(r: Room) -> None:
    first = r.facilitator.get(f"/api/v1/programmes/{r.slug}/actions").json()[0]
    ok(r.facilitator.patch(f"/api/v1/actions/{first['id']}", json={"status": "in progress"}))


def next_session(r: Room) -> None:
    """The session's board was hidden: "Next session" opens it and puts it on the screen."""
    first = r.state(r.facilitator)["agenda"][0]
    ok(r.facilitator.patch(f"/api/v1/agenda/{first['id']}", json={"board_id": r.board()["id"]}))
    ok(r.facilitator.post(f"/api/v1/events/{r.event_id}/agenda/next", json={}))


@pytest.fixture
def room(live_server: LiveServer, db: Database) -> Iterator[Room]:
    with db.session() as s:
        world: World = make_world(s, status="live")
        token = accounts.create_token(
            s, email=world.facilitator.email, secret_key="test-secret-key"
        )
    clients = [httpx.Client(base_url=live_server.url) for _ in range(5)]
    clients[0].headers["Authorization"] = f"Bearer {token}"
    for attendee in clients[1:3]:
        joined = attendee.post(
            "/api/v1/join", json={"code": world.event.join_code, "display_name": "Sam"}
        )
        attendee.headers["Authorization"] = f"Bearer {joined.json()['token']}"
        attendee.cookies.clear()
    code = clients[4].post("/api/v1/screens/code").json()["code"]
    ok(clients[0].post(f"/api/v1/events/{world.event.id}/screens", json={"code": code}))
    yield Room(world.event.id, world.programme.slug, *clients)
    for client in clients:
        client.close()


def test_the_reducer_knows_every_logged_type(reducer: Reducer) -> None:
    assert sorted(reducer.known) == sorted(LOGGED_TYPES)


def test_applying_messages_reproduces_the_fresh_state(
    live_server: LiveServer, room: Room, reducer: Reducer
) -> None:
    viewers = {
        "facilitator": room.facilitator,
        "author": room.author,
        "other": room.other,
        "follower": room.follower,
        "screen": room.screen,
    }
    seen: set[str] = set()
    for name, action in ACTIONS.items():
        before = {who: room.state(c) for who, c in viewers.items()}
        sockets = {
            who: _socket(live_server, room, c, before[who]["seq"]) for who, c in viewers.items()
        }
        action(room)
        for who, client in viewers.items():
            loaded = room.state(client)
            fresh = _without_seq(loaded)
            socket = sockets[who]
            if who == "facilitator" and loaded["seq"] > before[who]["seq"]:
                socket.until_seq(loaded["seq"])  # a facilitator is sent every row
            state = _without_seq(before[who])
            deadline = time.monotonic() + 5
            while state != fresh and time.monotonic() < deadline:
                socket.recv(timeout=0.2)
                state = _without_seq(reducer.apply(before[who], socket.logged))
            assert state == fresh, f"{name}, as seen by the {who}"
            seen.update(m["type"] for m in socket.logged)
            socket.close()
    assert seen == LOGGED_TYPES, "every logged type was applied to some viewer's state"


def _socket(server: LiveServer, room: Room, client: httpx.Client, since: int) -> Client:
    auth = {k: v for k, v in client.headers.items() if k.lower() == "authorization"}
    if "glimpse_screen" in client.cookies:
        auth["Cookie"] = f"glimpse_screen={client.cookies['glimpse_screen']}"
    socket = Client(server.ws_url, room.event_id, since=since, additional_headers=auth)
    socket.until(lambda m: m["type"] == "hello")
    return socket


def _without_seq(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "seq"}
