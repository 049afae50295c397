"""The log forgets what the state hides: replay from seq 0, from the hub's memory and from the
database, against a real uvicorn with real sockets."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx2 as httpx
import pytest
from sqlmodel import select

from server.db import Database
from server.models.events import EventLog, EventLogRef
from server.realtime import log
from server.services import accounts
from tests.factories import World
from tests.live.wsclient import Client, join
from tests.liveserver import LiveServer

GONE = [
    "Deleted by its author",
    "Hidden by the facilitator",
    "Words before the edit",
    "Entry taken down",
    "ring 01632 960123 for Mrs Green",
    "Notes of a closed circle",
    "Doris Green",
]
KEPT = [
    "Garden club is thriving",
    "Words after the edit",
    "Entry corrected",
    "[redacted] loved the choir",
]


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    return response.json() if response.content else {}


def act_out(live_server: LiveServer, api: httpx.Client, world: World) -> None:
    """Cards deleted, hidden and edited; entries deleted and edited; a group left unshared."""
    event_id = world.event.id
    amy = httpx.Client(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {join(live_server.url, world.event.join_code, 'Amy')}"},
    )
    board = ok(api.post(f"/api/v1/events/{event_id}/boards", json={"title": "Brilliance"}))

    def card(text: str) -> dict[str, Any]:
        body = {"client_id": str(uuid.uuid4()), "text": text, "text_consent": True}
        return ok(amy.post(f"/api/v1/boards/{board['id']}/cards", json=body))

    ok(amy.delete(f"/api/v1/cards/{card(GONE[0])['id']}"))
    ok(api.patch(f"/api/v1/cards/{card(GONE[1])['id']}", json={"status": "hidden"}))
    card(KEPT[0])
    edited = card(GONE[2])
    ok(amy.patch(f"/api/v1/cards/{edited['id']}", json={"text": KEPT[1]}))
    held = card(f"Mrs {GONE[6]} in room 12 loved the choir")
    ok(api.post(f"/api/v1/cards/{held['id']}/redact", json={"text": KEPT[3], "approve": True}))
    entry = ok(api.post(f"/api/v1/events/{event_id}/entries", json={"body": GONE[3]}))
    ok(api.delete(f"/api/v1/entries/{entry['id']}"))
    body = {"body": GONE[4], "confirm_personal": True}
    entry = ok(api.post(f"/api/v1/events/{event_id}/entries", json=body))
    ok(api.patch(f"/api/v1/entries/{entry['id']}", json={"body": KEPT[2]}))
    group = ok(api.post(f"/api/v1/events/{event_id}/breakouts", json={"name": "Table 1"}))
    ok(amy.post(f"/api/v1/breakouts/{group['id']}/join"))
    body = {"client_id": str(uuid.uuid4()), "text": GONE[5], "text_consent": True}
    ok(amy.post(f"/api/v1/breakouts/{group['id']}/notes", json=body))
    ok(api.patch(f"/api/v1/breakouts/{group['id']}", json={"shared": True}))
    ok(api.patch(f"/api/v1/breakouts/{group['id']}", json={"shared": False}))
    amy.close()


def replayed(live_server: LiveServer, event_id: int, seq: int, **kwargs: Any) -> str:
    """Everything a socket is sent when it resumes from seq 0, as one text."""
    socket = Client(live_server.ws_url, event_id, since=0, **kwargs)
    socket.until_seq(seq)
    socket.close()
    assert socket.seqs == sorted(set(socket.seqs)), "replay is in order with no repeats"
    return json.dumps(socket.logged, ensure_ascii=False)


def test_replay_from_zero_carries_nothing_the_state_hides(
    live_server: LiveServer, api: httpx.Client, live_world: World
) -> None:
    event_id = live_world.event.id
    watching = Client(live_server.ws_url, event_id, since=0)  # keeps the room and its ring alive
    act_out(live_server, api, live_world)
    seq = api.get(f"/api/v1/events/{event_id}/state").json()["seq"]
    watching.until_seq(seq)
    from_memory = replayed(live_server, event_id, seq)
    watching.close()
    time.sleep(0.2)  # the room empties and is dropped: the next replay reads the database
    from_database = replayed(live_server, event_id, seq)
    public_state = httpx.get(f"{live_server.url}/api/v1/events/{event_id}/state").text
    for text in GONE:
        assert text not in public_state
        assert text not in from_memory, f"{text!r} replayed from the hub's ring"
        assert text not in from_database, f"{text!r} replayed from the database"
    for text in KEPT:
        assert text in public_state
        assert text in from_memory and text in from_database


def test_facilitators_replay_the_newest_words_and_keep_the_history_apart(
    live_server: LiveServer, api: httpx.Client, live_world: World
) -> None:
    event_id = live_world.event.id
    act_out(live_server, api, live_world)
    seq = api.get(f"/api/v1/events/{event_id}/state").json()["seq"]
    facilitator = replayed(
        live_server,
        event_id,
        seq,
        additional_headers={"Authorization": api.headers["Authorization"]},
    )
    assert GONE[1] in facilitator  # a hidden card is still the facilitators' to see
    assert GONE[5] in facilitator  # as are an unshared group's notes
    for text in (GONE[0], GONE[2], GONE[3], GONE[4], GONE[6]):
        assert text not in facilitator
    entries = api.get(f"/api/v1/events/{event_id}/state").json()["entries"]
    corrected = next(e for e in entries if e["body"] == KEPT[2])
    history = api.get(f"/api/v1/entries/{corrected['id']}/revisions").json()
    assert GONE[4] in json.dumps(history)
    public = httpx.get(f"{live_server.url}/api/v1/entries/{corrected['id']}/revisions")
    assert public.status_code in (401, 403)


def test_a_log_from_before_forgetting_is_rewritten_by_its_migration(
    db: Database, live_world: World
) -> None:
    """Rows written with no index of mentions (as before the migration) are rewritten as if
    appended anew: the deleted card's text goes, the card still shown keeps its words."""
    event_id = live_world.event.id
    card = {"id": 1, "board_id": 9, "text": "Old text from before", "status": "visible"}
    rows = [
        ("card.created", card),
        ("card.created", {**card, "id": 2, "text": "Still on the board"}),
        ("card.deleted", {"id": 1}),
    ]
    with db.session() as s:
        for seq, (type, payload) in enumerate(rows, start=1000):
            s.add(
                EventLog(event_id=event_id, seq=seq, type=type, audience="public", payload=payload)
            )
    with db.engine.begin() as connection:
        log.reindex(connection)
    with db.session(write=False) as s:
        stored = s.exec(select(EventLog.payload).where(EventLog.event_id == event_id)).all()
        refs = s.exec(select(EventLogRef.ref).where(EventLogRef.event_id == event_id)).all()
    assert "Old text from before" not in json.dumps(stored)
    assert "Still on the board" in json.dumps(stored)
    assert "card:1" not in refs and "card:2" in refs


@pytest.mark.parametrize("cards", ["anonymise", "delete"])
def test_an_erased_attendee_is_in_no_state_replay_or_audit_text(
    live_server: LiveServer, api: httpx.Client, live_world: World, db: Database, cards: str
) -> None:
    event_id, code = live_world.event.id, live_world.event.join_code
    token = join(live_server.url, code, "Ada Quill")
    ada = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {token}"})
    ben = httpx.Client(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {join(live_server.url, code, 'Ben')}"},
    )
    new_board = {"title": "Brilliance", "votes_per_attendee": 3}
    board = ok(api.post(f"/api/v1/events/{event_id}/boards", json=new_board))
    cards_url = f"/api/v1/boards/{board['id']}/cards"
    mine = ok(
        ada.post(
            cards_url,
            json={"client_id": str(uuid.uuid4()), "text": "Ada's garden", "text_consent": True},
        )
    )
    theirs = ok(
        ben.post(
            cards_url,
            json={"client_id": str(uuid.uuid4()), "text": "Ben's idea", "text_consent": True},
        )
    )
    ok(ada.put(f"/api/v1/cards/{theirs['id']}/vote", json={"count": 2}))
    group = ok(api.post(f"/api/v1/events/{event_id}/breakouts", json={"name": "Table 1"}))
    ok(api.patch(f"/api/v1/breakouts/{group['id']}", json={"shared": True}))
    ok(ada.post(f"/api/v1/breakouts/{group['id']}/join"))
    note = {"client_id": str(uuid.uuid4()), "text": "Ada's note on falls"}
    ok(ada.post(f"/api/v1/breakouts/{group['id']}/notes", json=note))
    people = ok(api.get(f"/api/v1/events/{event_id}/attendees"))
    ada_id = next(p["id"] for p in people if p["display_name"] == "Ada Quill")

    erased = ok(
        api.post(f"/api/v1/events/{event_id}/attendees/{ada_id}/erase", json={"cards": cards})
    )
    assert (erased["cards_deleted"], erased["cards_anonymised"]) == (
        (1, 0) if cards == "delete" else (0, 1)
    )
    assert (erased["notes_deleted"], erased["votes_removed"], erased["seats_left"]) == (1, 1, 1)
    state = api.get(f"/api/v1/events/{event_id}/state").json()
    seq = state["seq"]
    everything = [
        json.dumps(state),
        httpx.get(f"{live_server.url}/api/v1/events/{event_id}/state").text,
        replayed(live_server, event_id, seq),
        replayed(
            live_server,
            event_id,
            seq,
            additional_headers={"Authorization": api.headers["Authorization"]},
        ),
    ]
    for seen in everything:
        assert "Ada Quill" not in seen
        assert "Ada's note on falls" not in seen
        assert ("Ada's garden" in seen) == (cards == "anonymise")
        assert "Ben's idea" in seen
    board_now = next(b for b in state["boards"] if b["id"] == board["id"])
    card_now = {c["id"]: c for c in board_now["cards"]}
    assert card_now[theirs["id"]]["votes"] == 0
    if cards == "anonymise":
        assert card_now[mine["id"]]["author"] is None
    # Her token is gone: her phone now reads the day as any follower would.
    assert ada.get(f"/api/v1/events/{event_id}/state").json()["role"] == "public"
    with db.session() as s:
        admin = accounts.create_token(s, email=live_world.admin.email, secret_key="test-secret-key")
    audit = httpx.get(
        f"{live_server.url}/api/v1/audit", headers={"Authorization": f"Bearer {admin}"}
    ).json()
    entry = next(e for e in audit if e["action"] == "attendee.erased")
    assert entry["details"]["attendee_id"] == ada_id
    assert "Ada" not in json.dumps(audit)
    ada.close()
    ben.close()
