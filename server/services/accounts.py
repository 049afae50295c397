"""Organiser accounts: creating them, signing in and out, API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import get_args

from sqlmodel import Session, col, delete, select

from server.errors import BadCredentials, BadInput, Conflict
from server.lib.security import hash_password, new_token, token_hash, verify_password
from server.lib.timeutil import as_utc, utcnow
from server.models.accounts import AccountRole, ApiToken, LoginSession, User

ROLES: tuple[AccountRole, ...] = get_args(AccountRole)
MIN_PASSWORD = 8


@dataclass(frozen=True)
class SignedIn:
    """A fresh sign-in: the cookie value and the CSRF token that goes with it."""

    user: User
    token: str
    csrf_token: str


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise BadInput("That does not look like an email address.")
    return email


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    name: str = "",
    role: AccountRole = "facilitator",
) -> User:
    """Create an organiser account with an argon2 password hash."""
    email = normalise_email(email)
    if role not in ROLES:
        raise BadInput(f"Role must be one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"Passwords need at least {MIN_PASSWORD} characters.")
    if user_by_email(session, email=email) is not None:
        raise Conflict("An account with that email already exists.")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def user_by_email(session: Session, *, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The user for these credentials; the same error whether the email exists or not."""
    user = user_by_email(session, email=email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise BadCredentials()
    return user


def login(session: Session, *, email: str, password: str, secret_key: str, days: int) -> SignedIn:
    """Check the credentials and open a sign-in session."""
    user = authenticate(session, email=email, password=password)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=token_hash(secret_key, token),
            user_id=user.id,
            csrf_token=csrf,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    session.execute(delete(LoginSession).where(col(LoginSession.expires_at) < utcnow()))
    session.flush()
    return SignedIn(user=user, token=token, csrf_token=csrf)


def logout(session: Session, *, token: str, secret_key: str) -> None:
    """End the sign-in session behind this cookie value, if any."""
    session.execute(
        delete(LoginSession).where(col(LoginSession.token_hash) == token_hash(secret_key, token))
    )


def session_for_cookie(
    session: Session, *, token: str, secret_key: str
) -> tuple[User, LoginSession] | None:
    row = session.exec(
        select(LoginSession).where(LoginSession.token_hash == token_hash(secret_key, token))
    ).first()
    if row is None or as_utc(row.expires_at) < utcnow():
        return None
    user = session.get(User, row.user_id)
    return (user, row) if user else None


def create_token(session: Session, *, email: str, secret_key: str, label: str = "") -> str:
    """Make a bearer API token for an account; only its keyed hash is stored."""
    user = user_by_email(session, email=email)
    if user is None:
        raise BadInput("No account has that email.")
    token = new_token("glp")
    session.add(ApiToken(token_hash=token_hash(secret_key, token), user_id=user.id, label=label))
    session.flush()
    return token


def user_for_api_token(session: Session, *, token: str, secret_key: str) -> User | None:
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == token_hash(secret_key, token))
    ).first()
    return session.get(User, row.user_id) if row else None
