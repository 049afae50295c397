"""Fixtures for the route tests."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server.db import Database
from tests.api.helpers import ApiRoom, make_people, open_board


@pytest.fixture
def room(client: TestClient, db: Database) -> ApiRoom:
    """A live event's board opened over the API, and its people (this folder's `room`)."""
    world, amy, ben, dev = make_people(db)
    return ApiRoom(
        world, open_board(client, world, columns=["Going well", "Concerning"]), amy, ben, dev
    )
