"""Limits for a crowd, not for a person: joins, writes and sign-ins counted per client address.

The `limits` library counts over a moving window, in this process's memory or, when the broker
is Redis, in Redis, so the processes of a scale-out deployment share one budget rather than
each granting its own.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from server.errors import RateLimited
from server.settings import Settings

log = logging.getLogger("glimpse.limits")
T = TypeVar("T")


def client_address(conn: HTTPConnection) -> str:
    """The address a request or socket is counted by.

    The peer, or the client a trusted proxy names: uvicorn's ProxyHeadersMiddleware has already
    put that in the scope (from GLIMPSE_TRUSTED_PROXIES, or `glimpse serve`'s forwarded-allow-ips).
    """
    return conn.client.host if conn.client else "unknown"


class Rule(NamedTuple):
    name: str
    item: RateLimitItem | None  # None: this limit is off
    message: str


def rule(name: str, amount: int, seconds: int, message: str) -> Rule:
    return Rule(name, RateLimitItemPerSecond(amount, seconds) if amount > 0 else None, message)


SIGN_IN_WAIT = "Too many failed sign-ins; wait a few minutes and try again."


class Limits:
    """Every limit of one app, over one storage; lives in the app's lifespan state."""

    def __init__(self, settings: Settings) -> None:
        self._window = MovingWindowRateLimiter(storage_for(settings))
        self.max_attendees = settings.max_attendees_per_event
        self.join = rule(
            "join",
            settings.join_limit,
            settings.join_window_seconds,
            "Too many people joined from this network just now; try again in a moment.",
        )
        self.write = rule(
            "write",
            settings.write_limit,
            settings.write_window_seconds,
            "Too many posts from this network just now; try again in a moment.",
        )
        # A projector asks for a pairing code when it opens and when its code expires; a wrong
        # code typed in the console costs one guess from a budget too small to find another's.
        self.screen_code = rule(
            "screen-code", 30, 600, "This network asked for many screen codes; wait a moment."
        )
        self.screen_pair = rule(
            "screen-pair", 20, 600, "Too many screen codes tried just now; wait a few minutes."
        )
        window = settings.login_window_seconds
        self.sign_in_pair = rule("login-pair", settings.login_attempts, window, SIGN_IN_WAIT)
        self.sign_in_address = rule(
            "login-address", settings.login_address_attempts, window, SIGN_IN_WAIT
        )
        self.sign_in_email = rule(
            "login-email", settings.login_email_attempts, window, SIGN_IN_WAIT
        )

    def hit(self, rule: Rule, *keys: str) -> None:
        """Spend one from the budget of `keys`; 429 with Retry-After once it is spent."""
        if not self._spend(rule, *keys):
            assert rule.item is not None
            raise RateLimited(self._retry_after(rule.item, rule.name, *keys), rule.message)

    # -- sign-in: only failures are counted ----------------------------------------------------

    def check_sign_in(self, address: str, email: str) -> None:
        """Before the password is looked at: 429 when this address, or this address for this
        email, has failed too often; or when this email has, from everywhere, and this address
        has been failing too. A clean address is never refused, so the owner still gets in."""
        email = _email_key(email)
        wait = max(
            self._wait(self.sign_in_pair, address, email),
            self._wait(self.sign_in_address, address),
        )
        if not wait and self._has_failed(address):
            wait = self._wait(self.sign_in_email, email)
        if wait:
            raise RateLimited(wait, SIGN_IN_WAIT)

    def sign_in_failed(self, address: str, email: str) -> None:
        email = _email_key(email)
        self._spend(self.sign_in_pair, address, email)
        self._spend(self.sign_in_address, address)
        self._spend(self.sign_in_email, email)

    def signed_in(self, address: str, email: str) -> None:
        """The right password from this address forgives its earlier typos for this email."""
        if (item := self.sign_in_pair.item) is not None:
            pair = (self.sign_in_pair.name, address, _email_key(email))
            self._ask(lambda: self._window.clear(item, *pair), None)

    def _spend(self, rule: Rule, *keys: str) -> bool:
        """Take one from the budget; False when none was left (never, for a limit that is off)."""
        item = rule.item
        return item is None or self._ask(lambda: self._window.hit(item, rule.name, *keys), True)

    def _wait(self, rule: Rule, *keys: str) -> int:
        """Seconds until `keys` may try again under `rule`; 0 when they may now."""
        if rule.item is None:
            return 0
        item = rule.item
        if self._ask(lambda: self._window.test(item, rule.name, *keys), True):
            return 0
        return self._retry_after(item, rule.name, *keys)

    def _has_failed(self, address: str) -> bool:
        item = self.sign_in_address.item
        if item is None:
            return False
        name = self.sign_in_address.name
        stats = self._ask(lambda: self._window.get_window_stats(item, name, address), None)
        return stats is not None and stats.remaining < item.amount

    def _retry_after(self, item: RateLimitItem, *keys: str) -> int:
        stats = self._ask(lambda: self._window.get_window_stats(item, *keys), None)
        if stats is None:
            return item.get_expiry()
        return max(1, math.ceil(stats.reset_time - time.time()))

    @staticmethod
    def _ask(call: Callable[[], T], fallback: T) -> T:
        # A live day goes on when Redis is away: the limits open up, and say so in the log.
        try:
            return call()
        except StorageError:
            log.warning("rate-limit storage unavailable; not limiting", exc_info=True)
            return fallback


def _email_key(email: str) -> str:
    return email.strip().lower()


def storage_for(settings: Settings) -> Storage:
    """Redis when the broker is Redis, so every process counts together; else this process."""
    url = settings.broker_url
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return SweptMemoryStorage()
    # Keys of two deployments sharing one Redis never mix: the prefix is this deployment's.
    deployment = hmac.new(
        settings.effective_secret_key.encode(),
        settings.effective_database_url.encode(),
        hashlib.sha256,
    ).hexdigest()[:16]
    return RedisStorage(
        url.replace("unix://", "redis+unix://", 1) if url.startswith("unix://") else url,
        key_prefix=f"glimpse-limits-{deployment}",
        wrap_exceptions=True,
        socket_timeout=1,
        socket_connect_timeout=1,
    )


class SweptMemoryStorage(MemoryStorage):
    """limits' in-memory storage, its expired entries swept by whoever counts next.

    The library's own starts a new `threading.Timer` for every 10 ms of traffic to sweep them,
    and each count then waits for that thread to start: in a join storm, while holding the
    write gate. Here the count that finds 10 ms gone since the last sweep sweeps, in its own
    thread, so entries expire just as soon and no thread is started.
    """

    SWEEP_SECONDS = 0.01

    def __init__(self) -> None:
        super().__init__()
        self._swept = 0.0
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # what every count calls first
        now = time.monotonic()
        if now - self._swept < self.SWEEP_SECONDS or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweeping.release()
