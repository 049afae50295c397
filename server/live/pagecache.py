"""The public live blog's cache: what its ETags depend on, and its rendered pages, in memory.

A refresh of the public page, its feed or the public entries API is answered from here without
a database session: the event's snapshot (its seqs, its programme's visibility and edit time,
its agenda) says what is current, and the bodies rendered from it are kept beside it, each with
its ETag: a digest of the body itself, so whatever changes what a reader sees (an edit, a
redaction that bumps no seq, a new template) changes the ETag too.

A snapshot is never changed once published; a change replaces or drops it. What invalidates:

- every committed log row, heard synchronously in the committing process and through the
  broker in every other one (server/live/hub.py): a row the page shows drops the event's
  snapshot, any other row (board traffic) only moves the seq the entries API carries;
- changes that bump no seq (a programme's title or visibility, an entry changed without a log
  row): noticed when the session flushes them, and told to every process the same way;
- what no hub saw (the CLI writing, a broker outage): the hub's poll compares each snapshot
  with the database, and a broker reconnect clears everything.

A snapshot read from the database is kept only if nothing it might have missed was heard while
it was read (the fill race).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from sqlalchemy import event as orm_event
from sqlmodel import Session, col, select

from server.db import Changed, after_commit
from server.models.attendees import Attendee
from server.models.events import AgendaItem, Event
from server.models.liveblog import Entry
from server.models.programmes import Programme
from server.services.liveblog_pages import PAGE_TYPES

Key = tuple[Hashable, ...]  # (view, its parameters…, the viewer's role)
Fingerprint = tuple[Any, ...]
Reader = Callable[[list[int]], Awaitable[dict[int, Fingerprint]]]


@dataclass(frozen=True)
class Cached:
    """One rendered answer: a page, a feed or a JSON page of entries, and its ETag."""

    status: int
    media_type: str
    body: bytes
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(b"%d|%s|" % (self.status, self.media_type.encode()))
        digest.update(self.body)
        object.__setattr__(self, "etag", '"' + digest.hexdigest()[:24] + '"')


@dataclass(frozen=True)
class Snapshot:
    """What an event's public views show and depend on, as read in one transaction."""

    event_id: int
    programme_id: int
    slugs: tuple[str, str]  # (programme, event): the page's address
    private: bool
    page_seq: int  # the last change the page and the feed show
    last_seq: int  # the last change of any kind, which the entries API reports
    modified: datetime
    programme_updated: datetime
    agenda: tuple[AgendaItem, ...]
    fingerprint: Fingerprint  # compared with the database by the hub's poll
    live: bool = False
    now_item_id: int | None = None  # the session the facilitator put on ("Next session")
    bodies: dict[Key, Cached] = field(default_factory=dict, compare=False)

    def headers(self, etag: str) -> dict[str, str]:
        return {
            "ETag": etag,
            "Last-Modified": format_datetime(self.modified, usegmt=True),
            # Stored, but always revalidated: a live page must never be served stale.
            "Cache-Control": "private, no-cache" if self.private else "public, no-cache",
        }


def fingerprint(programme: Programme, event: Event) -> Fingerprint:
    return (
        event.last_seq,
        event.slug,
        str(event.updated_at),
        programme.slug,
        programme.visibility,
        str(programme.updated_at),
    )


def not_modified(headers: Any, modified: datetime, etag: str) -> bool:
    """If-None-Match first; If-Modified-Since only when no ETag was sent (RFC 9110)."""
    sent = headers.get("if-none-match")
    if sent is not None:
        tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
        return "*" in tags or etag in tags
    since = headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return when.tzinfo is not None and modified.replace(microsecond=0) <= when


class PageCache:
    """Snapshots by event and by address, each with the bodies rendered from it.

    Reads (the fast path, on the event loop) take no lock: they see one published snapshot or
    another, never half of one. Writers (fills in worker threads, invalidations from the loop
    and from committing threads) hold the lock.
    """

    def __init__(self, max_bytes: int, reader: Reader | None = None) -> None:
        self.max_bytes = max_bytes
        self.reader = reader
        self.size = 0
        self.by_event: dict[int, Snapshot] = {}
        self.by_slugs: dict[tuple[str, str], Snapshot] = {}
        self.heard: dict[int, int] = {}  # event → the highest seq heard committed
        self.generation = 0  # moved by every change that bumps no seq
        self.lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------------
    def find(self, address: int | tuple[str, str]) -> Snapshot | None:
        if isinstance(address, int):
            return self.by_event.get(address)
        return self.by_slugs.get(address)

    def token(self) -> int:
        """Taken before a fill reads the database; `keep` refuses the fill if it moved."""
        return self.generation

    # -- filling -----------------------------------------------------------------------------
    def keep(self, token: int, snap: Snapshot, key: Key, body: Cached | None) -> None:
        """Publish `snap` (and `body`, rendered from it) unless it may already be out of date."""
        with self.lock:
            if token != self.generation or self.heard.get(snap.event_id, 0) > snap.last_seq:
                return
            current = self.by_event.get(snap.event_id)
            if current is None or current.last_seq < snap.last_seq:
                if current is not None:
                    self._drop(current)
                self._install(snap)
                current = snap
            if body is None or current.last_seq != snap.last_seq or key in current.bodies:
                return
            current.bodies[key] = body
            self.size += len(body.body)
            self._evict()

    def _install(self, snap: Snapshot) -> None:
        self.by_event[snap.event_id] = snap
        self.by_slugs[snap.slugs] = snap
        self.size += sum(len(b.body) for b in snap.bodies.values())

    def _drop(self, snap: Snapshot) -> None:
        if self.by_event.get(snap.event_id) is snap:
            del self.by_event[snap.event_id]
            self.size -= sum(len(b.body) for b in snap.bodies.values())
        if self.by_slugs.get(snap.slugs) is snap:
            del self.by_slugs[snap.slugs]

    def _evict(self) -> None:
        """Over budget: forget the events cached longest ago."""
        while self.size > self.max_bytes and self.by_event:
            self._drop(next(iter(self.by_event.values())))

    # -- invalidating ------------------------------------------------------------------------
    def heard_rows(self, rows: Iterable[tuple[int, int, str]]) -> None:
        """Committed log rows (event id, seq, type), from this process or another, any order."""
        with self.lock:
            for event_id, seq, type_ in rows:
                self.heard[event_id] = max(self.heard.get(event_id, 0), seq)
                snap = self.by_event.get(event_id)
                if snap is None or seq <= snap.last_seq:
                    continue  # the snapshot was read after this row committed
                self._drop(snap)
                if seq == snap.last_seq + 1 and not type_.startswith(PAGE_TYPES):
                    # Board traffic: the page and feed stand, the entries API moves on.
                    kept = {k: b for k, b in snap.bodies.items() if k[0] != "entries"}
                    moved = (seq, *snap.fingerprint[1:])  # the event's last_seq comes first
                    self._install(replace(snap, last_seq=seq, fingerprint=moved, bodies=kept))

    def stale(self, programmes: Iterable[int], events: Iterable[int]) -> None:
        """Changes that bump no seq: drop what shows them, and refuse fills already under way."""
        programme_ids, event_ids = set(programmes), set(events)
        with self.lock:
            self.generation += 1
            for snap in list(self.by_event.values()):
                if snap.programme_id in programme_ids or snap.event_id in event_ids:
                    self._drop(snap)

    def clear(self) -> None:
        with self.lock:
            self.generation += 1
            self.by_event.clear()
            self.by_slugs.clear()
            self.size = 0

    async def recheck(self) -> None:
        """Drop every snapshot the database no longer agrees with (a change no hub heard of)."""
        if self.reader is None or not self.by_event:
            return
        snaps = list(self.by_event.values())
        found = await self.reader([s.event_id for s in snaps])
        gone = [s.event_id for s in snaps if found.get(s.event_id) != s.fingerprint]
        if gone:
            self.stale([], gone)


def fingerprint_reader(session_factory: Callable[[], Any]) -> Reader:
    """Read the fingerprints of cached events in one query, off the event loop."""
    import asyncio

    def read(event_ids: list[int]) -> dict[int, Fingerprint]:
        with session_factory() as session:
            rows = session.exec(
                select(Event, Programme)
                .join(Programme, col(Programme.id) == col(Event.programme_id))
                .where(col(Event.id).in_(event_ids))
            ).all()
            return {e.id: fingerprint(p, e) for e, p in rows if e.id is not None}

    async def reader(event_ids: list[int]) -> dict[int, Fingerprint]:
        return await asyncio.to_thread(read, event_ids)

    return reader


# -- changes that bump no seq, noticed as the session flushes them ---------------------------
EVENT_SCOPED = (Entry, AgendaItem)


@orm_event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    notify: Changed | None = session.info.get("changed")
    if notify is None:
        return
    programmes: set[int] = set()
    events: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Programme) and obj.id is not None:
            programmes.add(obj.id)
        elif isinstance(obj, Event) and obj.id is not None:
            events.add(obj.id)
        elif isinstance(obj, EVENT_SCOPED):
            events.add(obj.event_id)
        elif isinstance(obj, Attendee) and obj in session.dirty:
            events.add(obj.event_id)  # a new name, shown on their cards by /state
    if not programmes and not events:
        return
    pending: tuple[set[int], set[int]] | None = session.info.get("stale")
    if pending is None:
        pending = session.info["stale"] = (set(), set())
        after_commit(session, lambda: notify(sorted(pending[0]), sorted(pending[1])))
    pending[0].update(programmes)
    pending[1].update(events)
