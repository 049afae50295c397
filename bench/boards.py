"""Boards: a join storm, then a room of phones posting cards and spending dots.

1,000 phones scan in over 9 s, each as a phone does: POST /api/v1/join, GET the event's state,
open the socket with since=<seq> and wait for hello, each stage timed. While they scan, the
facilitator posts cards (POST /api/v1/boards/ID/cards, 5 a second) and the session screen (an
admin socket) shows them. Then 300 phones post cards (card.create) and set votes (vote.set)
over their sockets for a minute. Prints joins per second, join-to-connected percentiles and
each stage's, post-to-screen latency during the storm and after it (card sent to card.created
read on the screen), the goals of issue 13, and every error.

Loopback only, bounded: storm + load + a short drain, about two minutes by default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench._boards_phones import STAGES, STEP_TIMEOUT, Plan, run_worker
from bench._glimpse import GlimpseTarget, GlimpseWorld
from bench._http import HttpConnection
from bench._procs import cpu_seconds, raise_nofile
from bench._report import machine, percentile, progress, table

SETTLE = 2.0  # seconds between the storm and the load, and before the storm for workers to start
DRAIN = 5.0  # after the last post, how long acks and screen deliveries may still arrive
# Issue 13's goals for the storm.
GOAL_STORM_S = 10.0  # every phone joined and connected within this long of the first scan
GOAL_JOIN_P99_MS = 1_000.0
GOAL_STORM_CARD_P99_MS = 250.0


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench --only boards", description=__doc__)
    p.add_argument("--quick", action="store_true", help="100 phones, 60 active, 15 s")
    p.add_argument("--phones", type=int, help="phones in the join storm (default 1000)")
    p.add_argument("--active", type=int, help="phones posting and voting (default 300)")
    p.add_argument("--storm", type=float, default=9.0, help="seconds the joins spread over")
    p.add_argument(
        "--storm-cards", type=float, default=5.0, help="facilitator's cards/s during the storm"
    )
    p.add_argument("--seconds", type=float, help="seconds of posting and voting (default 60)")
    p.add_argument("--post-every", type=float, default=60.0, help="mean s between a phone's cards")
    p.add_argument("--vote-every", type=float, default=60.0, help="mean s between a phone's votes")
    p.add_argument("--workers", type=int, default=1, help="client processes for the phones")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder and logs")
    args, _ = p.parse_known_args(argv)
    args.phones = args.phones or (100 if args.quick else 1000)
    default_active = 60 if args.quick else 300
    args.active = min(args.phones, default_active if args.active is None else args.active)
    args.seconds = args.seconds or (15.0 if args.quick else 60.0)
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    raise_nofile()
    folder = Path(tempfile.mkdtemp(prefix="glimpse-bench-boards-"))
    print(machine())
    print(
        f"boards: {args.phones} phones join over {args.storm:g} s, then {args.active} post "
        f"(every ~{args.post_every:g} s) and vote (every ~{args.vote_every:g} s) for "
        f"{args.seconds:g} s; screen = admin socket; {args.workers} client process(es); "
        f"data in {folder}",
        flush=True,
    )
    world = GlimpseWorld.create(folder)
    board_id = open_board(world)
    target = GlimpseTarget(world).start()
    try:
        result = asyncio.run(run(args, world, target, board_id))
    finally:
        target.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print(report(args, result))
    print(machine())
    return 0 if result.ok else 1


def open_board(world: GlimpseWorld) -> int:
    """A two-column board with dots to spend, opened through the service as the admin."""
    from server.db import Database
    from server.models.boards import BoardCreate
    from server.services import accounts, boards, events

    db = Database(world.db_url)
    with db.session() as session:
        admin = accounts.user_by_email(session, email="bench@example.test")
        event = events.event_or_404(session, event_id=world.event_id)
        data = BoardCreate(
            title="Glimpses of brilliance",
            columns=["Going well", "Concerning"],
            votes_per_attendee=50,
        )
        board_id = boards.create_event_board(session, actor=admin, event=event, data=data).id
    db.dispose()
    return board_id


@dataclass
class Result:
    phones: int
    joined: list[float] = field(default_factory=list)  # join-to-connected, seconds
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    first_start: float = 0.0
    last_connected: float = 0.0
    sent: dict[str, float] = field(default_factory=dict)  # client_id -> monotonic send time
    seen: dict[str, float] = field(default_factory=dict)  # client_id -> read on the screen
    storm_sent: dict[str, float] = field(default_factory=dict)  # the facilitator's, in the storm
    acks: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    votes_on_screen: int = 0
    server_cpu: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors and len(self.joined) == self.phones and not self.lost

    @property
    def lost(self) -> list[str]:
        return [c for c in [*self.sent, *self.storm_sent] if c not in self.seen]


async def run(
    args: argparse.Namespace, world: GlimpseWorld, target: GlimpseTarget, board_id: int
) -> Result:
    result = Result(args.phones)
    start = time.monotonic() + SETTLE + 1.0
    load_at = start + args.storm + SETTLE
    end = load_at + args.seconds
    screen = await open_screen(target.port, world)
    watching = asyncio.create_task(watch(screen, result, end + DRAIN))
    posting = asyncio.create_task(
        post_in_storm(target.port, world, board_id, result, start, args.storm, args.storm_cards)
    )
    plans = [
        Plan(
            port=target.port,
            event_id=world.event_id,
            board_id=board_id,
            join_code=world.join_code,
            phones=list(range(w, args.phones, args.workers)),
            total=args.phones,
            active=args.active,
            start=start,
            storm=args.storm,
            load_at=load_at,
            end=end,
            drain=DRAIN,
            post_every=args.post_every,
            vote_every=args.vote_every,
        )
        for w in range(args.workers)
    ]
    progress(f"storm of {args.phones} joins starts; load at +{load_at - start:.0f} s")
    cpu_before = 0.0
    loop = asyncio.get_running_loop()
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        pending = [pool.apply_async(run_worker, (plan,)) for plan in plans]
        await asyncio.sleep(max(0.0, load_at - time.monotonic()))
        cpu_before = cpu_seconds([target.pid])
        progress("load starts")
        # Each phone gives up on a stuck step, so a worker ends soon after the plan does.
        deadline = end + DRAIN + 2 * STEP_TIMEOUT
        outcomes = [
            await loop.run_in_executor(None, p.get, max(1.0, deadline - time.monotonic()))
            for p in pending
        ]
    result.server_cpu = cpu_seconds([target.pid]) - cpu_before
    await posting
    await watching
    await screen.close()
    for outcome in outcomes:
        merge(result, outcome)
    return result


async def open_screen(port: int, world: GlimpseWorld) -> ClientConnection:
    url = f"ws://127.0.0.1:{port}/ws/events/{world.event_id}?since={world.last_seq()}"
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    ws = await connect(url, additional_headers=headers, max_size=None, ping_interval=None)
    await ws.recv()  # hello
    return ws


async def post_in_storm(
    port: int,
    world: GlimpseWorld,
    board_id: int,
    result: Result,
    start: float,
    seconds: float,
    rate: float,
) -> None:
    """The facilitator's cards while the phones scan in, each on time whatever the last did."""
    if rate <= 0:
        return
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    conns = [HttpConnection("127.0.0.1", port, headers) for _ in range(4)]
    free: asyncio.Queue[HttpConnection] = asyncio.Queue()
    for conn in conns:
        free.put_nowait(conn)

    async def post(k: int) -> None:
        conn = await free.get()
        client_id = str(uuid.uuid4())
        result.storm_sent[client_id] = time.monotonic()
        body = {"text": f"From the front, {k}", "column": "Going well", "client_id": client_id}
        try:
            status, _ = await conn.request("POST", f"/api/v1/boards/{board_id}/cards", body)
            if status != 201:
                result.errors[f"storm card: answered {status}"] += 1
        except OSError as exc:
            result.errors[f"storm card: {type(exc).__name__}"] += 1
        finally:
            free.put_nowait(conn)

    count = int(seconds * rate)
    posts = []
    for k in range(count):
        await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
        posts.append(asyncio.create_task(post(k)))
    await asyncio.gather(*posts)
    for conn in conns:
        await conn.close()


async def watch(screen: ClientConnection, result: Result, until: float) -> None:
    """Read the screen's socket: when each phone's card arrives, and how many votes do."""
    while (left := until - time.monotonic()) > 0:
        try:
            text = await asyncio.wait_for(screen.recv(), left)
        except TimeoutError:
            return
        now = time.monotonic()
        if isinstance(text, bytes) or not text.startswith('{"seq":'):
            continue
        if '"type":"card.created"' in text:
            result.seen.setdefault(json.loads(text)["data"]["client_id"], now)
        elif '"type":"vote.changed"' in text:
            result.votes_on_screen += 1


def merge(result: Result, outcome: dict[str, Any]) -> None:
    result.joined += outcome["joined"]
    for stage, seconds in outcome["stages"].items():
        result.stages[stage] += seconds
    starts = [s for s in (result.first_start, outcome["first_start"]) if s]
    result.first_start = min(starts) if starts else 0.0
    result.last_connected = max(result.last_connected, outcome["last_connected"])
    result.sent.update(outcome["sent"])
    result.acks.update(outcome["acks"])
    result.errors.update(outcome["errors"])


def report(args: argparse.Namespace, r: Result) -> str:
    joined = sorted(r.joined)
    storm = r.last_connected - r.first_start if joined else float("nan")
    ms = _ms_to_screen(r, r.sent)
    storm_ms = _ms_to_screen(r, r.storm_sent)
    join_ms = [x * 1000 for x in joined]
    errors = dict(r.errors)
    if r.lost:
        errors["card never reached the screen"] = len(r.lost)
    rows: list[list[object]] = [
        ["phones joined and connected", len(joined), f"of {r.phones}"],
        [
            "joins per second",
            len(joined) / storm if storm else None,
            f"first join to last hello, {storm:.1f} s",
        ],
        ["join-to-connected p50 (ms)", percentile(join_ms, 50), "join, load state, socket, hello"],
        ["join-to-connected p99 (ms)", percentile(join_ms, 99), ""],
        ["join-to-connected max (ms)", join_ms[-1] if join_ms else None, ""],
    ]
    for stage in STAGES:
        stage_ms = sorted(x * 1000 for x in r.stages[stage])
        note = STAGE_NOTES[stage]
        rows.append([f"  {stage} p50 / p99 (ms)", percentile(stage_ms, 50), note])
        rows.append(["", percentile(stage_ms, 99), ""])
    rows += [
        [
            "cards posted in the storm",
            len(r.storm_sent),
            f"by the facilitator, POST, {args.storm_cards:g}/s",
        ],
        [
            "storm post-to-screen p50 (ms)",
            percentile(storm_ms, 50),
            "POST sent -> card.created read",
        ],
        ["storm post-to-screen p99 (ms)", percentile(storm_ms, 99), ""],
        ["storm post-to-screen max (ms)", storm_ms[-1] if storm_ms else None, ""],
        ["cards posted", len(r.sent), f"by {args.active} phones in {args.seconds:g} s"],
        ["cards on the screen", len(ms), ""],
        ["post-to-screen p50 (ms)", percentile(ms, 50), "card.create sent -> card.created read"],
        ["post-to-screen p99 (ms)", percentile(ms, 99), ""],
        ["post-to-screen max (ms)", ms[-1] if ms else None, ""],
        ["votes acked", r.acks["vote.set"], f"{r.votes_on_screen} vote.changed on the screen"],
        [
            "server CPU s during the load",
            r.server_cpu,
            f"{r.server_cpu / args.seconds:.0%} of a core",
        ],
        [
            "errors",
            sum(errors.values()),
            "; ".join(f"{k}: {v}" for k, v in errors.items()) or "none",
        ],
    ]
    title = (
        f"Boards: {r.phones} phones in a {args.storm:g} s join storm, then {args.active} posting "
        f"and voting for {args.seconds:g} s with the screen connected"
    )
    return "\n".join(
        [table(title, ["measure", "value", "note"], rows), goals(r, storm, join_ms, storm_ms)]
    )


STAGE_NOTES = {
    "join POST": "POST /api/v1/join",
    "GET /state": "the event's state, as the phone",
    "socket open": "TCP connect and the WebSocket handshake",
    "hello": "identified, joined the room, hello read",
}


def _ms_to_screen(r: Result, sent: dict[str, float]) -> list[float]:
    return sorted((r.seen[c] - t) * 1000 for c, t in sent.items() if c in r.seen)


def goals(r: Result, storm: float, join_ms: list[float], storm_ms: list[float]) -> str:
    def mark(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    everyone = len(join_ms) == r.phones
    join_p99, card_p99 = percentile(join_ms, 99), percentile(storm_ms, 99)
    return "\n".join(
        [
            f"goal {r.phones} phones joined and connected within {GOAL_STORM_S:g} s of the first "
            f"scan: {len(join_ms)} in {storm:.1f} s {mark(everyone and storm <= GOAL_STORM_S)}",
            f"goal join-to-connected p99 < {GOAL_JOIN_P99_MS:,.0f} ms: {join_p99:,.0f} ms "
            f"{mark(join_p99 < GOAL_JOIN_P99_MS)}",
            f"goal card posted in the storm, to the screen, p99 < {GOAL_STORM_CARD_P99_MS:g} ms: "
            f"{card_p99:,.0f} ms {mark(card_p99 < GOAL_STORM_CARD_P99_MS)}",
        ]
    )
