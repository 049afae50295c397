"""Client → server messages, answered through the same service functions as REST.

Each handler runs in a worker thread inside one unit of work and returns the REST
representation of what it made; the logged rows it appended reach everyone through the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from server.services.access import Caller

Handler = Callable[[Session, Caller, Any], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handler(type: str) -> Callable[[Handler], Handler]:
    """Register the service call behind one inbound message type."""

    def register(fn: Handler) -> Handler:
        HANDLERS[type] = fn
        return fn

    return register


@handler("ping")
def ping(session: Session, caller: Caller, data: BaseModel) -> dict[str, Any]:
    return {}
