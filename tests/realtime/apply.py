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


def _board(state: State, board_id: int) -> dict[str, Any] | None:
    return next((b for b in state["boards"] if b["id"] == board_id), None)


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
        _remove(state["boards"], data["id"])
        if state["role"] == "facilitator" or data["state"] != "hidden":
            state["boards"].append(data)
            state["boards"].sort(key=lambda b: b["id"])
    elif kind in ("card.created", "card.updated"):
        board = _board(state, data["board_id"])
        if board is not None:
            _upsert(board["cards"], data)
            board["cards"].sort(key=lambda c: (c["created_at"], c["id"]))
    elif kind == "card.deleted":
        for board in state["boards"]:
            _remove(board["cards"], data["id"])
    elif kind in ("theme.created", "theme.updated"):
        board = _board(state, data["board_id"])
        if board is not None:
            _upsert(board["themes"], data)
            board["themes"].sort(key=lambda t: t["id"])
    elif kind == "theme.deleted":
        for board in state["boards"]:
            _remove(board["themes"], data["id"])
    elif kind == "vote.changed":
        board = _board(state, data["board_id"])
        key, items = ("card_id", "cards") if data.get("card_id") else ("theme_id", "themes")
        for item in board[items] if board else []:
            if item["id"] == data[key]:
                item["votes"] = data["votes"]
    elif kind == "timer.started":
        state["timer"] = data
    elif kind == "timer.stopped":
        state["timer"] = None
    elif kind == "screen.changed":
        state["screen"] = data
    elif kind.startswith(("breakout.", "note.")):
        _apply_breakout(state, kind, data)
    else:
        raise AssertionError(f"the test client does not know how to apply {kind}")
    return state


def _group(state: State, breakout_id: int) -> dict[str, Any] | None:
    return next((b for b in state["breakouts"] if b["id"] == breakout_id), None)


def _apply_breakout(state: State, kind: str, data: dict[str, Any]) -> None:
    """Groups arrive whole (a move carries every group it touched); notes one at a time."""
    if kind in ("breakout.created", "breakout.updated"):
        _upsert(state["breakouts"], data)
    elif kind == "breakout.member":
        for group in data["breakouts"]:
            _upsert(state["breakouts"], group)
    elif kind in ("note.created", "note.updated"):
        group = _group(state, data["breakout_id"])
        if group is not None:
            _upsert(group["notes"], data)
            group["notes"].sort(key=lambda n: (n["created_at"], n["id"]))
    elif kind == "note.deleted":
        for group in state["breakouts"]:
            _remove(group["notes"], data["id"])
    elif kind == "breakout.opened":
        pass  # a call to the groups: the moves before it changed the state
    else:
        raise AssertionError(f"the test client does not know how to apply {kind}")
    state["breakouts"].sort(key=lambda b: b["id"])
