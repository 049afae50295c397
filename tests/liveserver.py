"""A real uvicorn serving the app on a free loopback port, for browsers and realtime clients.

The server runs in its own process, exactly as `glimpse serve` would, with its settings passed
as GLIMPSE_* environment variables. Tests can kill it and start it again on the same port and
database, which is how the realtime tests check what clients see across a crash.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType

import pytest

from server.live.transport import WS_PROTOCOL
from server.realtime.protocol import MAX_FRAME_BYTES
from server.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# Settings that LiveServer takes as arguments, or that the uvicorn command line decides.
_PASSED_AS_ARGS = frozenset(
    {"data_dir", "database_url", "secret_key", "public_base_url", "broker_url", "host", "port"}
)


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


class LiveServer:
    """One uvicorn process; `start()` returns once GET /healthz answers."""

    def __init__(
        self,
        *,
        database_url: str,
        data_dir: Path,
        secret_key: str,
        public_base_url: str = "",
        broker_url: str = "",
        port: int | None = None,
        log_path: Path | None = None,
        startup_timeout: float = 60.0,
        extra: Mapping[str, object] | None = None,
        ws: str = WS_PROTOCOL,
    ) -> None:
        """`extra` holds any other settings by name, e.g. {"ws_send_queue": 5}; `ws` is
        uvicorn's WebSocket implementation (Glimpse's own, as `glimpse serve` runs)."""
        self.port = port or free_port()
        self.ws = ws
        self.data_dir = Path(data_dir).resolve()
        self.log_path = log_path or self.data_dir / f"uvicorn-{self.port}.log"
        self.startup_timeout = startup_timeout
        self.env = {
            "GLIMPSE_DATABASE_URL": database_url,
            "GLIMPSE_DATA_DIR": str(self.data_dir),
            "GLIMPSE_SECRET_KEY": secret_key,
            "GLIMPSE_PUBLIC_BASE_URL": public_base_url or self.url,
            "GLIMPSE_BROKER_URL": broker_url,
        }
        for name, value in (extra or {}).items():
            self.env[f"GLIMPSE_{name.upper()}"] = _env_value(value)
        self._process: subprocess.Popen[bytes] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        port: int | None = None,
        log_path: Path | None = None,
        startup_timeout: float = 60.0,
    ) -> LiveServer:
        """A server for the same database, data folder and key as `settings`.

        Every other setting given explicitly is passed on too. The public base URL is the
        server's own unless `settings` set one.
        """
        explicit = settings.model_dump(include=settings.model_fields_set)
        extra = {name: value for name, value in explicit.items() if name not in _PASSED_AS_ARGS}
        return cls(
            database_url=settings.effective_database_url,
            data_dir=settings.data_dir,
            secret_key=settings.effective_secret_key,
            public_base_url=explicit.get("public_base_url", ""),
            broker_url=settings.broker_url,
            port=port,
            log_path=log_path,
            startup_timeout=startup_timeout,
            extra=extra,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "server.asgi:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ws",
            self.ws,
            "--ws-per-message-deflate",
            "false",
            "--ws-max-size",
            str(MAX_FRAME_BYTES),
            # A lifespan that fails must end the process, not serve half an app.
            "--lifespan",
            "on",
            "--timeout-graceful-shutdown",
            "5",
        ]

    def start(self) -> LiveServer:
        """Start the process and wait until it answers; raise with its log if it does not."""
        if self.running:
            raise RuntimeError(f"The server on {self.url} is already running.")
        # Only the GLIMPSE_* variables given here: none leak in from the developer's shell,
        # and the working folder is the data folder so no stray .env is read either.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GLIMPSE_")}
        env.update(self.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Output goes to a file: a pipe nobody reads fills up and blocks the server.
        with self.log_path.open("ab") as log:
            log.write(f"--- starting {' '.join(self.command())}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.data_dir,
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
            assert self._process is not None
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RuntimeError(f"uvicorn exited with {code} before answering:\n{self.log()}")
            if self._healthy():
                return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(
            f"uvicorn did not answer {self.url}/healthz within {self.startup_timeout}s:\n"
            f"{self.log()}"
        )

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and wait for a graceful exit (SIGKILL after `timeout`); the exit code."""
        return self._end(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        """SIGKILL: the process ends at once, as in a crash or an OOM kill."""
        return self._end(signal.SIGKILL, 10.0)

    def _end(self, sig: signal.Signals, timeout: float) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def log(self, tail: int = 60) -> str:
        """The last lines the server printed (uvicorn's log and any traceback)."""
        if not self.log_path.exists():
            return "(no output)"
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@pytest.fixture
def live_server(settings: Settings, tmp_path: Path) -> Iterator[LiveServer]:
    """A started uvicorn on this test's database; `settings.public_base_url` is its address."""
    server = LiveServer.from_settings(settings, log_path=tmp_path / "uvicorn.log")
    settings.public_base_url = server.url
    with server:
        yield server
