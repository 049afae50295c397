"""The hub: receives committed log rows from the broker and fans them out to this process's sockets.

Per event there is a room. A room remembers the last seq it has delivered and a ring of recent
rows. Rows are handled in seq order under the room's lock: an old seq is dropped (duplicate), a
jump forward is first filled from the database, so every connection sees every row it may see
exactly once, in order. Fan-out projects and encodes a row once per kind of viewer and hands it
to each connection's outlet (server/live/transport.py), which never awaits a socket, so one
phone that stops reading cannot slow the room.

Presence is counted apart (server/live/presence.py): the hub tells it who joins and leaves and
the announcements the broker brings, beats its heartbeat every 10 s, publishes what it has to
say, and shows the totals it is handed to the event's sockets.

The public pages' cache (server/live/pagecache.py) hears every committed row here too, in every
process and whether or not a room is open for the event, and the news of changes that bump no
seq (`changed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from server.db import Database
from server.lib.timeutil import iso
from server.live.broker import RECONNECTED, Broker
from server.live.collector import Steward
from server.live.pagecache import PageCache
from server.live.presence import Presence, RecordPeak
from server.live.transport import Outgoing, Outlet
from server.models.events import Event, EventLog
from server.realtime import protocol
from server.realtime.audience import Scope, follow, may_see
from server.realtime.log import rows_after
from server.realtime.registry import project, spec, viewer_of

log = logging.getLogger("glimpse.hub")

RING_SIZE = 2_000  # rows a room keeps in memory for replay without a query
REPLAY_LIMIT = 5_000  # further behind than this, a client is told to resync
PRESENCE_INTERVAL = 1.0  # sockets are shown the counts at most this often
PRESENCE_HEARTBEAT = 10.0  # each process re-announces its counts this often
PRESENCE_EXPIRES = 30.0  # a process not heard from for this long counts no one
DELIVERY_CHUNK = 250  # connections handed a row between two looks at the event loop
COLLECTOR_INTERVAL = 2.0  # how often the steward looks; no socket opened for this long is quiet

Row = dict[str, Any]
FetchRows = Callable[[int, int, int], Awaitable[list[Row]]]  # event_id, after, limit
FetchLast = Callable[[int], Awaitable[int]]


def row_of(entry: EventLog) -> Row:
    return {
        "event_id": entry.event_id,
        "seq": entry.seq,
        "type": entry.type,
        "audience": entry.audience,
        "payload": entry.payload,
        "at": iso(entry.created_at),
    }


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


class Connection:
    """One socket: what it may see, how far it has got, and where its messages go."""

    __slots__ = ("cursor", "event_id", "outlet", "scope", "since")

    def __init__(self, event_id: int, scope: Scope, since: int | None, outlet: Outlet) -> None:
        self.event_id = event_id
        self.scope = scope
        self.since = since
        self.cursor = 0
        self.outlet = outlet

    def offer(self, message: dict[str, Any] | Outgoing) -> None:
        if not isinstance(message, Outgoing):
            message = Outgoing(encode(message))
        self.outlet.send(message)


class Fanout:
    """One row on its way to connections: projected and encoded once per kind of viewer."""

    __slots__ = (
        "at",
        "audience",
        "freezes",
        "payload",
        "seq",
        "type",
        "unpairs",
        "viewer",
        "views",
    )

    def __init__(self, row: Row) -> None:
        self.seq: int = row["seq"]
        self.type: str = row["type"]
        self.audience: str = row["audience"]
        self.payload: dict[str, Any] = row["payload"]
        self.at: str = row["at"]
        self.viewer = viewer_of(self.type)
        self.views: dict[Hashable, Outgoing | None] = {}
        self.freezes = self.type == "event.updated" and self.payload.get("status") == "frozen"
        # A screen unpaired in the console loses its socket at once, in every process.
        self.unpairs = self.payload.get("id") if self.type == "screen.unpaired" else None

    def send(self, conn: Connection) -> None:
        conn.cursor = self.seq
        scope = conn.scope
        if self.type == "breakout.member":
            follow(scope, self.type, self.payload)
        if may_see(scope, self.audience):
            key = None if self.viewer is None else self.viewer(scope, self.payload)
            try:
                message = self.views[key]
            except KeyError:
                message = self.views[key] = self._encode(scope)
            if message is not None:
                conn.outlet.send(message)
        if self.freezes:
            conn.outlet.close(protocol.CLOSE_FROZEN)
        elif self.unpairs is not None and scope.screen_id == self.unpairs:
            conn.outlet.close(protocol.CLOSE_NOT_ALLOWED)

    def _encode(self, scope: Scope) -> Outgoing | None:
        shown = project(scope, self.type, self.audience, self.payload)
        if shown is None:
            return None
        _variant, type_, data = shown
        return Outgoing(encode({"seq": self.seq, "type": type_, "at": self.at, "data": data}))


class Room:
    """One event's sockets in this process, the last seq they were handed, and recent rows."""

    def __init__(self, event_id: int, last: int) -> None:
        self.event_id = event_id
        self.last = last
        self.ring: deque[Row] = deque(maxlen=RING_SIZE)
        self.connections: set[Connection] = set()
        self.lock = asyncio.Lock()
        self.mentions: dict[str, list[int]] = {}  # ref → seqs of ring rows that mention it

    def keep(self, row: Row) -> None:
        """Hold a delivered row for replay, first rewriting the held rows it makes stale, just
        as its transaction rewrote them in the database (server/realtime/log.py)."""
        rules = spec(row["type"])
        for ref, now in rules.subjects(row["payload"]):
            seqs = self.mentions.get(ref, [])
            while seqs and self._held(seqs[0]) is None:
                seqs.pop(0)  # fell out of the ring, or was never in it
            for seq in list(seqs):
                held = self._held(seq)
                if held is None:
                    continue
                revised = spec(held["type"]).revise(held["payload"], ref, now)
                if revised != held["payload"]:
                    held["payload"] = revised
                    self._mention(held)
            if now is None:
                self.mentions.pop(ref, None)  # gone: its id may be given to something new
        if len(self.ring) == self.ring.maxlen:
            self._forget_oldest()
        self.ring.append(row)
        self._mention(row)

    def _held(self, seq: int) -> Row | None:
        first = self.ring[0]["seq"] if self.ring else seq + 1
        return self.ring[seq - first] if first <= seq < first + len(self.ring) else None

    def _mention(self, row: Row) -> None:
        for ref in spec(row["type"]).mentions(row["payload"]):
            seqs = self.mentions.setdefault(ref, [])
            if not seqs or seqs[-1] < row["seq"]:
                seqs.append(row["seq"])
            elif row["seq"] not in seqs:
                seqs.append(row["seq"])
                seqs.sort()

    def _forget_oldest(self) -> None:
        oldest = self.ring.popleft()
        for ref in spec(oldest["type"]).mentions(oldest["payload"]):
            seqs = self.mentions.get(ref)
            if seqs and seqs[0] == oldest["seq"]:
                seqs.pop(0)
                if not seqs:
                    del self.mentions[ref]

    @property
    def ring_start(self) -> int:
        """Rows after this seq are all in the ring."""
        return self.ring[0]["seq"] - 1 if self.ring else self.last


class Hub:
    def __init__(
        self,
        broker: Broker,
        fetch_rows: FetchRows,
        fetch_last: FetchLast,
        *,
        record_peak: RecordPeak,
        poll_seconds: float = 5.0,
        cache: PageCache | None = None,
    ) -> None:
        self.broker = broker
        self.cache = cache
        self.process = secrets.token_hex(8)  # this hub, in presence news
        self.presence = Presence(
            self.process,
            say=self._say_presence,
            show=self._show_presence,
            record_peak=record_peak,
            interval=PRESENCE_INTERVAL,
            expires=PRESENCE_EXPIRES,
        )
        self.poll_seconds = poll_seconds
        self._poller: asyncio.Task[None] | None = None
        self._steward: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self.collector = Steward()
        self._last_attach = 0.0
        self.fetch_rows = fetch_rows
        self.fetch_last = fetch_last
        self.rooms: dict[int, Room] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._creating: dict[int, asyncio.Future[Room]] = {}
        self._background: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.broker.start()
        self._consumer = asyncio.create_task(self._consume(), name="hub-consumer")
        self._poller = asyncio.create_task(self._poll(), name="hub-poller")
        self._steward = asyncio.create_task(self._steer_collector(), name="hub-collector")
        self._heartbeat = asyncio.create_task(self._beat(), name="hub-presence")

    async def stop(self) -> None:
        for task in (self._consumer, self._poller, self._steward, self._heartbeat):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.presence.stop()
        await self.broker.stop()

    async def broker_check(self) -> str:
        return await self.broker.check()

    # -- publishing (any thread, after commit) -----------------------------------------
    def publish(self, rows: list[EventLog]) -> None:
        """Hand one transaction's committed rows to the broker; safe from worker threads."""
        if self.loop is None or not rows:
            return
        if self.cache is not None:
            # Before the response goes out: whoever wrote reads their write on the next request.
            self.cache.heard_rows((r.event_id, r.seq, r.type) for r in rows)
        message = encode({"rows": [row_of(r) for r in rows]})
        self._send_soon(message)

    def changed(self, programmes: list[int], events: list[int]) -> None:
        """News of changes that bump no seq, after commit: this process's cache, then all."""
        if self.cache is not None:
            self.cache.stale(programmes, events)
        if self.loop is not None:
            self._send_soon(encode({"stale": {"programmes": programmes, "events": events}}))

    def _send_soon(self, message: str) -> None:
        assert self.loop is not None
        if _on_loop(self.loop):
            self._in_background(self.broker.publish(message))
        else:
            asyncio.run_coroutine_threadsafe(self.broker.publish(message), self.loop)

    # -- receiving -----------------------------------------------------------------------
    async def _consume(self) -> None:
        while True:
            message = await self.broker.next_published()
            try:
                if message == RECONNECTED:
                    if self.cache is not None:
                        self.cache.clear()  # what was published meanwhile is lost
                    for room in list(self.rooms.values()):
                        await self._catch_up(room)
                    continue
                news = json.loads(message)
                if "presence" in news:
                    self.presence.heard(news["presence"])
                elif "stale" in news:
                    if self.cache is not None:
                        self.cache.stale(news["stale"]["programmes"], news["stale"]["events"])
                else:
                    await self._receive(news["rows"])
            except Exception:
                log.exception("could not deliver a published message")

    async def _poll(self) -> None:
        """Look in the log now and then: rows written by a process with no hub (the CLI), or
        published while a broker was down, still reach every socket within a few seconds."""
        while True:
            await asyncio.sleep(self.poll_seconds)
            if self.cache is not None:
                try:
                    await self.cache.recheck()
                except Exception:
                    log.exception("the public pages' cache could not be checked")
            for room in list(self.rooms.values()):
                try:
                    await self._catch_up(room)
                except Exception:
                    log.exception("catch-up of event %s failed", room.event_id)

    async def _steer_collector(self) -> None:
        while True:
            await asyncio.sleep(COLLECTOR_INTERVAL)
            sockets = sum(len(room.connections) for room in self.rooms.values())
            quiet = time.monotonic() - self._last_attach > COLLECTOR_INTERVAL
            done = self.collector.tick(sockets, quiet=quiet)
            if done:
                log.info("garbage collector: %s with %d sockets open", done, sockets)

    async def _receive(self, rows: list[Row]) -> None:
        if self.cache is not None:
            self.cache.heard_rows((r["event_id"], r["seq"], r["type"]) for r in rows)
        for row in rows:
            room = self.rooms.get(row["event_id"])
            if room is None:
                continue
            async with room.lock:
                if row["seq"] > room.last + 1:
                    await self._fill(room, row["seq"] - 1)
                if row["seq"] == room.last + 1:
                    await self._deliver(room, row)

    async def _fill(self, room: Room, until: int) -> None:
        """Fetch committed rows after room.last (up to `until`, or all) and deliver them."""
        while until < 0 or room.last < until:
            limit = 500 if until < 0 else min(500, until - room.last)
            rows = await self.fetch_rows(room.event_id, room.last, limit)
            for row in rows:
                if row["seq"] == room.last + 1:
                    await self._deliver(room, row)
            if len(rows) < limit:
                break

    async def _catch_up(self, room: Room) -> None:
        async with room.lock:
            await self._fill(room, -1)

    async def _deliver(self, room: Room, row: Row) -> None:
        """Hand the row to every connection of the room, looking at the event loop between
        chunks of them: a write's next step (a thread coming back, a request arriving) never
        waits for a whole room's fan-out. The room's lock is held throughout, so rows still
        reach each connection in order; one that leaves meanwhile is handed it and drops it."""
        room.last = row["seq"]
        room.keep(row)
        fanout = Fanout(row)
        seq = fanout.seq
        connections = list(room.connections)
        for start in range(0, len(connections), DELIVERY_CHUNK):
            if start:
                await asyncio.sleep(0)
            for conn in connections[start : start + DELIVERY_CHUNK]:
                if conn.cursor < seq:
                    fanout.send(conn)

    # -- connections ---------------------------------------------------------------------
    async def attach(self, conn: Connection) -> None:
        """Join the room, replay what was missed since `conn.since`, then stream live rows."""
        while True:
            room = await self._room(conn.event_id)
            async with room.lock:
                if self.rooms.get(conn.event_id) is not room:
                    continue  # emptied and dropped while we waited: take the new one
                since = room.last if conn.since is None else conn.since
                hello = {
                    "seq": None,
                    "type": "hello",
                    "data": {"seq": room.last, "role": conn.scope.role},
                }
                conn.offer(hello)
                if since > room.last or room.last - since > REPLAY_LIMIT:
                    conn.offer({"type": "resync", "reason": "too_far_behind"})
                    since = room.last
                conn.cursor = since
                await self._replay(room, conn)
                room.connections.add(conn)
                break
        self._last_attach = time.monotonic()
        self.collector.opened += 1
        self.presence.joined(conn.event_id, conn.scope)

    async def _replay(self, room: Room, conn: Connection) -> None:
        if conn.cursor < room.ring_start:
            rows = await self.fetch_rows(room.event_id, conn.cursor, room.ring_start - conn.cursor)
            for row in rows:
                Fanout(row).send(conn)
        for row in room.ring:
            if row["seq"] > conn.cursor:
                Fanout(row).send(conn)
        conn.cursor = room.last

    def detach(self, conn: Connection) -> None:
        room = self.rooms.get(conn.event_id)
        if room is None or conn not in room.connections:
            return
        room.connections.remove(conn)
        self.presence.left(conn.event_id, conn.scope)
        if not room.connections and not room.lock.locked():
            del self.rooms[conn.event_id]

    async def _room(self, event_id: int) -> Room:
        room = self.rooms.get(event_id)
        if room is not None:
            return room
        pending = self._creating.get(event_id)
        if pending is not None:
            return await pending
        future: asyncio.Future[Room] = asyncio.get_running_loop().create_future()
        self._creating[event_id] = future
        try:
            room = Room(event_id, await self.fetch_last(event_id))
            self.rooms[event_id] = room
            future.set_result(room)
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            del self._creating[event_id]
        # Rows committed while the room was being made may have been published before it
        # existed: look once more, so none is missed even if no later row comes to reveal it.
        await self._catch_up(room)
        return room

    # -- presence --------------------------------------------------------------------------
    def _say_presence(self, news: dict[str, Any]) -> None:
        self._in_background(self.broker.publish(encode({"presence": news})))

    def _show_presence(self, event_id: int, counts: dict[str, int]) -> None:
        room = self.rooms.get(event_id)
        if room is None:
            return
        message = Outgoing(encode({"seq": None, "type": "presence", "data": counts}))
        for conn in room.connections:
            conn.offer(message)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_HEARTBEAT)
            self.presence.beat()

    def _in_background(self, work: Awaitable[None]) -> None:
        """Run `work` without waiting for it, holding it until it is done."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def log_readers(db: Database) -> tuple[FetchRows, FetchLast]:
    """The two database reads the hub needs, run off the event loop."""

    def rows(event_id: int, after: int, limit: int) -> list[Row]:
        with db.session(write=False) as session:
            return [
                row_of(r) for r in rows_after(session, event_id=event_id, since=after, limit=limit)
            ]

    def last(event_id: int) -> int:
        with db.session(write=False) as session:
            event = session.get(Event, event_id)
            return event.last_seq if event else 0

    async def fetch_rows(event_id: int, after: int, limit: int) -> list[Row]:
        return await asyncio.to_thread(rows, event_id, after, limit)

    async def fetch_last(event_id: int) -> int:
        return await asyncio.to_thread(last, event_id)

    return fetch_rows, fetch_last


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


__all__ = ["Connection", "Hub"]
