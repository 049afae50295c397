"""Throwaway PostgreSQL and Redis servers on loopback, for the tests and the benchmarks.

Each server gets a temporary data folder and a free port, and is stopped and removed when its
`with` block ends. PostgreSQL runs without durability (nothing here outlives the run) and, when
started by root, as the `postgres` user, since initdb and postgres refuse to run as root.
A missing binary or user raises `Unavailable`, so the caller can skip what needs it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

START_TIMEOUT = 30.0
INITDB_OPTIONS = ["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]
# Durability is worth nothing to a throwaway cluster; speed is.
POSTGRES_OPTIONS = ["-F"] + [
    arg
    for setting in (
        "listen_addresses=127.0.0.1",
        "fsync=off",
        "synchronous_commit=off",
        "full_page_writes=off",
        "max_connections=200",
    )
    for arg in ("-c", setting)
]


class Unavailable(RuntimeError):
    """What a server needs is not installed here."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or the one on PATH."""
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if debian:
        return Path(debian[-1]).parent
    on_path = shutil.which("postgres")
    return Path(on_path).parent if on_path and shutil.which("initdb") else None


def _as_postgres_user(base: Path) -> list[str]:
    """initdb and postgres refuse to run as root: hand root's runs to the postgres user."""
    if os.geteuid() != 0:
        return []
    account = next((u for u in pwd.getpwall() if u.pw_name == "postgres"), None)
    if account is None:
        raise Unavailable("a 'postgres' user (root may not run PostgreSQL itself)")
    if not shutil.which("runuser"):
        raise Unavailable("runuser (to run PostgreSQL as the postgres user)")
    base.chmod(0o755)
    for path in [base, *base.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def _wait_until(
    ready: Callable[[], None], proc: subprocess.Popen[bytes], log: Path, what: str
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            ready()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def dsn(port: int, dbname: str) -> str:
    return f"host=127.0.0.1 port={port} user=postgres dbname={dbname}"


def port_of(server_url: str) -> int:
    return int(server_url.rsplit(":", 1)[1])


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields `postgresql+psycopg://postgres@127.0.0.1:PORT`."""
    import psycopg

    bin_dir = postgres_bin()
    if bin_dir is None:
        raise Unavailable("PostgreSQL (initdb and postgres under /usr/lib/postgresql/*/bin)")
    base = Path(tempfile.mkdtemp(prefix="glimpse-pg-"))
    try:
        data, sockets, log = base / "data", base / "sockets", base / "postgres.log"
        sockets.mkdir()
        log.touch()
        run_as = _as_postgres_user(base)
        initdb = subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", str(data), *INITDB_OPTIONS],
            cwd=base,
            capture_output=True,
            text=True,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb exited with {initdb.returncode}:\n{initdb.stderr}")
        port = free_port()
        command = [str(bin_dir / "postgres"), "-D", str(data), "-k", str(sockets), "-p", str(port)]
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [*run_as, *command, *POSTGRES_OPTIONS],
                cwd=base,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:

            def ready() -> None:
                psycopg.connect(dsn(port, "postgres"), connect_timeout=2).close()

            _wait_until(ready, proc, log, "PostgreSQL")
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
        finally:
            _stop_postgres(proc, data)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _stop_postgres(proc: subprocess.Popen[bytes], data: Path) -> None:
    # SIGINT is PostgreSQL's "fast" shutdown. Signal the postmaster itself (its pid file says
    # which process that is), since under runuser `proc` is runuser, not postgres.
    with contextlib.suppress(OSError, ValueError):
        os.kill(int((data / "postmaster.pid").read_text().split()[0]), signal.SIGINT)
    _stop(proc, signal.SIGINT)


def create_database(server_url: str, name: str, *, template: str | None = None) -> str:
    """A new database on the server, empty or a copy of `template`; its URL."""
    import psycopg

    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(dsn(port_of(server_url), "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return f"{server_url}/{name}"


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(dsn(port_of(server_url), "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextlib.contextmanager
def redis() -> Iterator[str]:
    """A throwaway Redis with no persistence; yields `redis://127.0.0.1:PORT/0`."""
    import redis as redis_client

    binary = shutil.which("redis-server")
    if binary is None:
        raise Unavailable("redis-server")
    base = Path(tempfile.mkdtemp(prefix="glimpse-redis-"))
    try:
        port, log = free_port(), base / "redis.log"
        url = f"redis://127.0.0.1:{port}/0"
        options = ["--bind", "127.0.0.1", "--dir", str(base), "--save", "", "--appendonly", "no"]
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [binary, "--port", str(port), *options],
                cwd=base,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:

            def ready() -> None:
                with redis_client.Redis.from_url(url, socket_connect_timeout=1) as client:
                    client.ping()

            _wait_until(ready, proc, log, "redis-server")
            yield url
        finally:
            _stop(proc, signal.SIGTERM)
    finally:
        shutil.rmtree(base, ignore_errors=True)
