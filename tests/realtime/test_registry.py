"""Every type the services log has its rules in the registry, and nothing private leaves it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from server.db import Database
from server.realtime import log, protocol
from server.realtime.audience import ROLES, Scope
from server.realtime.registry import REGISTRY, project
from tests.factories import World

SERVER = Path(__file__).resolve().parents[2] / "server"
TYPE = re.compile(r"^[a-z]+\.[a-z]+$")


def logged_by_the_services() -> set[str]:
    """Type names passed to anything that logs (`log.append`, `append_log`, `_log`, …)."""
    found: set[str] = set()
    for path in SERVER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if "log" not in name and "append" not in name:
                continue
            args = [*node.args, *(k.value for k in node.keywords)]
            found |= {
                a.value
                for a in args
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and TYPE.match(a.value)
            }
    return found


def test_every_type_the_services_log_has_a_projection() -> None:
    logged = logged_by_the_services()
    assert len(logged) >= 20, "the scan found the services' log calls"
    assert sorted(logged - set(REGISTRY)) == []
    assert set(REGISTRY) == protocol.LOGGED_TYPES  # and docs/realtime.md lists each


def test_a_type_without_a_projection_cannot_be_logged(db: Database, world: World) -> None:
    with db.session() as s, pytest.raises(ValueError, match="no projection"):
        log.append(s, event_id=world.event.id, type="card.leaked", audience="public", payload={})


@pytest.mark.parametrize("type", sorted(REGISTRY))
def test_server_only_keys_never_reach_a_viewer(type: str) -> None:
    """Whatever a row carries under `_` keys, at any depth, no viewer is sent it."""
    secret = {"_author": 7, "_shared": True, "_note": "server only"}
    inner = {"id": 1, "state": "open", "status": "visible", "text": "t", "title": "t", **secret}
    payload = {
        **inner,
        "board_id": 1,
        "breakout_id": 1,
        "body": "b",
        "shared": True,
        "cards": [dict(inner)],
        "notes": [{**inner, "breakout_id": 1}],
        "members": [],
        "themes": [],
        "moves": [],
        "breakouts": [
            {**inner, "shared": True, "members": [], "notes": [dict(inner, breakout_id=1)]}
        ],
    }
    for role in ROLES:
        shown = project(Scope(role=role, attendee_id=7, groups={1}), type, "public", payload)
        if shown is not None:
            assert "_" not in "".join(_keys(shown[2])), (role, shown)


def _keys(value: object) -> list[str]:
    if isinstance(value, dict):
        return [k[0] for k in value] + [c for v in value.values() for c in _keys(v)]
    if isinstance(value, list):
        return [c for v in value for c in _keys(v)]
    return []
