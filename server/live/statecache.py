"""/state snapshots kept per event and seq, and the encoded answers that many viewers share.

When a hall of phones scans the QR code, each loads `/state` within seconds of the others, and
between two changes of the event they all see the same thing. So the whole snapshot is read
once per change (server/services/state.py `read_full`), narrowed per viewer by the
projections, and the encoded answer is kept for every kind of viewer that shares it: every
facilitator, every public follower, every attendee who wrote no card there and sits in the same
groups (`state.view_key`). An author's view is narrowed afresh from the kept snapshot each time.

A kept snapshot answers only a request whose own transaction reads the same `last_seq` for the
event, so any logged change, made by whichever process or by the CLI, is seen at once. Changes
that bump no seq (a programme renamed, an attendee's name changed) move the public pages'
cache generation (server/live/pagecache.py), in this process at commit and in the others through the
broker, and a snapshot is kept only for the generation it was read under.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from sqlmodel import Session

from server.models.events import Event
from server.services import state
from server.services.access import Scope

MAX_EVENTS = 64  # live events at once on one server; the oldest kept is forgotten first


class Kept:
    """One event's snapshot at one seq, and the answers encoded from it so far."""

    __slots__ = ("full", "generation", "views")

    def __init__(self, full: state.FullState, generation: int) -> None:
        self.full = full
        self.generation = generation
        self.views: dict[Hashable, bytes] = {}


class StateCache:
    def __init__(self, generation: Callable[[], int]) -> None:
        self._generation = generation
        self._by_event: dict[int, Kept] = {}
        self._lock = threading.Lock()

    def token(self) -> int:
        """Taken before the asking request's transaction begins (the fill race)."""
        return self._generation()

    def answer(self, session: Session, *, event: Event, scope: Scope, token: int) -> bytes:
        """The JSON of /state for this viewer, from what is kept or read in `session`."""
        assert event.id is not None
        kept = self._find(event.id, event.last_seq)
        if kept is None:
            kept = self._keep(event.id, Kept(state.read_full(session, event=event), token))
        key = state.view_key(kept.full, scope)
        body = kept.views.get(key) if key is not None else None
        if body is None:
            body = state.state_for(kept.full, scope).model_dump_json().encode()
            if key is not None:
                kept.views[key] = body
        return body

    def _find(self, event_id: int, seq: int) -> Kept | None:
        kept = self._by_event.get(event_id)
        if kept is None or kept.full.seq != seq or kept.generation != self._generation():
            return None
        return kept

    def _keep(self, event_id: int, kept: Kept) -> Kept:
        with self._lock:
            if kept.generation != self._generation():
                return kept  # something changed while it was read: answer, but do not keep
            current = self._by_event.get(event_id)
            if current is not None and current.generation == kept.generation:
                if current.full.seq == kept.full.seq:
                    return current  # read twice at once: share the first
                if current.full.seq > kept.full.seq:
                    return kept  # a newer one was kept meanwhile
            self._by_event.pop(event_id, None)
            self._by_event[event_id] = kept
            while len(self._by_event) > MAX_EVENTS:
                del self._by_event[next(iter(self._by_event))]
            return kept
