"""Session screens paired with an event: a projector that shows a short code, typed in the
console, holds a cookie that lets it see that event's screen and nothing else."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from server.models.base import UtcTime, now_field, optional_time

PAIRING_CODE_LENGTH = 6


class ScreenPairing(SQLModel, table=True):
    """One projector's credential. Pending (no event) while it shows its code; paired once a
    facilitator types the code; revoked when one unpairs it, and never valid again."""

    __tablename__ = "screen_pairing"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    code: str = Field(max_length=PAIRING_CODE_LENGTH, index=True)
    code_expires_at: datetime = now_field()
    event_id: int | None = Field(
        default=None, foreign_key="event.id", index=True, ondelete="CASCADE"
    )
    paired_by_user_id: int | None = Field(
        default=None, foreign_key="user_account.id", ondelete="SET NULL"
    )
    created_at: datetime = now_field()
    paired_at: datetime | None = optional_time()
    revoked_at: datetime | None = optional_time()


class PairingCode(BaseModel):
    """What an unpaired screen shows; it asks again for a new code once this one expires."""

    code: str
    expires_at: UtcTime
    event_id: int | None = None  # set once a facilitator has paired it


class PairScreen(BaseModel):
    # Spaces and dashes a facilitator types between the letters are taken out.
    code: str = PydanticField(min_length=1, max_length=20)


class PairedScreen(BaseModel):
    """A paired screen, as its event's facilitators see it in the console."""

    id: int
    event_id: int
    paired_at: UtcTime
    paired_by: str
