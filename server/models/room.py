"""Room control: what the session screen shows and the room's countdown timer.

Neither has a table. Each change is an event-log row (`timer.started`, `timer.stopped`,
`screen.changed`) and the current value is the payload of the latest such row, so /state and
the live stream can never disagree (see server/services/room.py).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, StrictBool
from pydantic import Field as PydanticField

from server.models.base import Id, UtcTime, Whole

ScreenMode = Literal["join", "board", "agenda", "spotlight", "results", "breakout", "blank"]
# The longest countdown a facilitator can start: a morning's session.
TIMER_MAX_SECONDS = 4 * 3600


class TimerStart(BaseModel):
    seconds: Whole = PydanticField(ge=1, le=TIMER_MAX_SECONDS)
    label: str = PydanticField(default="", max_length=80)
    chime: StrictBool = True


class TimerPublic(BaseModel):
    """A running countdown; clients count down to `ends_at` (past it, time is up)."""

    seconds: int
    label: str
    chime: bool
    started_at: UtcTime
    ends_at: UtcTime


class ScreenSet(BaseModel):
    """`target_id`: the board (board, results), the card (spotlight), the session (agenda),
    the breakout group (breakout)."""

    mode: ScreenMode
    target_id: Id | None = None


class ScreenPublic(BaseModel):
    """What the session screen shows; before any change, the join code."""

    mode: ScreenMode = "join"
    target_id: int | None = None
    changed_at: UtcTime | None = None
