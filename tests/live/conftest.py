"""Fixtures of the realtime tests: a live event and a facilitator's API client on a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest

from server.db import Database
from server.services import accounts
from tests.factories import World
from tests.liveserver import LiveServer


@pytest.fixture
def api(live_server: LiveServer, db: Database, live_world: World) -> Iterator[httpx.Client]:
    """An HTTP client signed in as the event's facilitator with a bearer token."""
    with db.session() as s:
        token = accounts.create_token(
            s, email=live_world.facilitator.email, secret_key="test-secret-key"
        )
    with httpx.Client(
        base_url=live_server.url, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        yield client
