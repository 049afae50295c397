"""Apply server messages to a loaded state, the way a client does (compare: live.js)."""

from __future__ import annotations

import copy
from typing import Any

State = dict[str, Any]


def _agenda_key(item: dict[str, Any]) -> tuple[bool, str, int]:
    return (item["starts_at"] is None, item["starts_at"] or item["created_at"], item["id"])


def _entry_key(entry: dict[str, Any]) -> tuple[bool, str, int]:
    return (not entry["pinned"], _neg(entry["created_at"]), -entry["id"])


def _neg(text: str) -> str:
    """Sort ISO times newest first inside an ascending sort."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def _upsert(items: list[dict[str, Any]], item: dict[str, Any]) -> None:
    for i, existing in enumerate(items):
        if existing["id"] == item["id"]:
            items[i] = item
            return
    items.append(item)


def _remove(items: list[dict[str, Any]], item_id: int) -> None:
    items[:] = [i for i in items if i["id"] != item_id]


def apply(state: State, message: dict[str, Any]) -> State:
    """The state after one logged message; unknown types fail loudly."""
    state = copy.deepcopy(state)
    kind, data = message["type"], message["data"]
    state["seq"] = message["seq"]
    if kind == "event.updated":
        state["event"] = data
    elif kind in ("agenda.created", "agenda.updated"):
        _upsert(state["agenda"], data)
        state["agenda"].sort(key=_agenda_key)
    elif kind == "agenda.deleted":
        _remove(state["agenda"], data["id"])
    elif kind in ("entry.created", "entry.updated"):
        _upsert(state["entries"], data)
        state["entries"].sort(key=_entry_key)
    elif kind == "entry.deleted":
        _remove(state["entries"], data["id"])
    elif kind in ("board.created", "board.updated"):
        boards = state["boards"]
        old = next((b for b in boards if b["id"] == data["id"]), None)
        merged = {**data, **{k: old[k] for k in ("cards", "themes") if old and k in old}}
        _upsert(boards, merged)
        boards.sort(key=lambda b: b["id"])
    else:
        raise AssertionError(f"the test client does not know how to apply {kind}")
    return state
