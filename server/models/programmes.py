"""Programmes and who facilitates them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from server.lib.text import CleanText
from server.models.base import Filled, UtcTime, now_field

Visibility = Literal["public", "unlisted", "private"]
# A programme member's role (server/services/access.py says what each may do): facilitators run
# it; co-facilitators moderate, blog and run the room; a programme lead reads everything.
MemberRole = Literal["facilitator", "cofacilitator", "lead"]
MEMBER_ROLES: tuple[MemberRole, ...] = ("facilitator", "cofacilitator", "lead")
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$"


class Programme(SQLModel, table=True):
    __tablename__ = "programme"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    title: str = Field(max_length=200)
    summary: str = Field(default="", max_length=4000)
    visibility: str = Field(default="public", max_length=10)
    created_at: datetime = now_field()
    updated_at: datetime = now_field()


class ProgrammeFacilitator(SQLModel, table=True):
    __tablename__ = "programme_facilitator"

    programme_id: int = Field(foreign_key="programme.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    role: MemberRole = Field(default="facilitator", max_length=20, sa_type=String(20))
    added_at: datetime = now_field()


class ProgrammeCreate(BaseModel):
    slug: str = PydanticField(pattern=SLUG_PATTERN)
    title: Filled = PydanticField(max_length=200)
    summary: CleanText = PydanticField(default="", max_length=4000)
    visibility: Visibility = "public"


class ProgrammeUpdate(BaseModel):
    title: Filled | None = PydanticField(default=None, max_length=200)
    summary: CleanText | None = PydanticField(default=None, max_length=4000)
    visibility: Visibility | None = None


class FacilitatorAdd(BaseModel):
    """Add a member, or change a member's role (the same email again)."""

    email: str = PydanticField(min_length=3, max_length=320)
    role: MemberRole = "facilitator"


class FacilitatorPublic(BaseModel):
    id: int
    email: str
    name: str
    role: MemberRole = "facilitator"


class ProgrammePublic(BaseModel):
    id: int
    slug: str
    title: str
    summary: str
    visibility: str
    created_at: UtcTime
    updated_at: UtcTime
