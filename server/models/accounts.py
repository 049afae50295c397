"""Organiser accounts, their sign-in sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from server.models.base import UtcDateTime, UtcTime, now_field, optional_time

AccountRole = Literal["admin", "facilitator"]


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="facilitator", max_length=20)
    created_at: datetime = now_field()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginSession(SQLModel, table=True):
    __tablename__ = "login_session"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: datetime = now_field()
    expires_at: datetime = Field(sa_type=UtcDateTime, nullable=False)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    # Typed int: None only until the first flush, never once a service returns the row.
    id: int = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    label: str = Field(default="", max_length=200)
    created_at: datetime = now_field()
    last_used_at: datetime | None = optional_time()


class UserPublic(BaseModel):
    id: int
    email: str
    name: str
    role: str
    created_at: UtcTime


class LoginRequest(BaseModel):
    email: str
    password: str


class LoginResponse(BaseModel):
    user: UserPublic
    csrf_token: str
