"""Server processes for a benchmark: start, wait until healthy, measure CPU and memory, stop.

Like tests/liveserver.py's LiveServer (whose health wait this copies), but for any command, so the
Glimpse server and the bare baseline are started, measured and stopped the same way.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def raise_nofile(wanted: int = 65_536) -> int:
    """Raise this process's open-file limit as far as allowed; children inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tree(pid: int) -> list[psutil.Process]:
    """The process and its descendants (a server's workers), those still running."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes and their children so far (0 for any that
    has gone): a server started with workers counts them all."""
    total = 0.0
    for process in (p for pid in pids for p in _tree(pid)):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def busy_seconds() -> float:
    """CPU time the whole machine has spent not idle, over all cores."""
    t = psutil.cpu_times()
    return float(
        t.user + t.system + getattr(t, "nice", 0.0) + getattr(t, "irq", 0.0)
        + getattr(t, "softirq", 0.0) + getattr(t, "steal", 0.0)
    )  # fmt: skip


def rss(pid: int) -> int:
    """Resident memory of the process and its children."""
    total = 0
    for process in _tree(pid):
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


class ServerProcess:
    """One server subprocess; `start()` returns once GET health_path answers 200."""

    def __init__(
        self,
        command: list[str],
        *,
        port: int,
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        health_path: str = "/healthz",
        startup_timeout: float = 30.0,
    ) -> None:
        self.command = command
        self.port = port
        self.log_path = log_path
        self.env = env or {}
        self.cwd = cwd
        self.health_path = health_path
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GLIMPSE_")}
        env.update(self.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with self.log_path.open("ab") as log:
            log.write(f"--- starting {' '.join(self.command)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd or ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[:4]} exited early:\n{self.log()}")
            if self._healthy():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"no answer on port {self.port}:\n{self.log()}")

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
        try:
            conn.request("GET", self.health_path)
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log(self, tail: int = 40) -> str:
        if not self.log_path.exists():
            return "(no output)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-tail:])


def python() -> str:
    return sys.executable
