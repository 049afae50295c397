"""Errors that services raise; one handler renders them in API.md's shape."""

from __future__ import annotations

from typing import Any


class GlimpseError(Exception):
    """Base class: each subclass carries its HTTP status and error code."""

    status = 400
    code = "bad_request"
    message = "The request could not be handled."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.message
        self.details = details
        self.headers = headers
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class BadInput(GlimpseError):
    status, code, message = 400, "bad_input", "The request is not valid."


class NotSignedIn(GlimpseError):
    status, code, message = 401, "not_signed_in", "Sign in to do this."


class BadCredentials(GlimpseError):
    status, code, message = 401, "bad_credentials", "That email and password do not match."


class CsrfFailed(GlimpseError):
    status, code, message = 403, "csrf_failed", "The CSRF token is missing or wrong."


class Forbidden(GlimpseError):
    status, code, message = 403, "forbidden", "You are not allowed to do this."


class NotFound(GlimpseError):
    status, code, message = 404, "not_found", "Not found."


class Conflict(GlimpseError):
    status, code, message = 409, "conflict", "This conflicts with the current state."


class EventFrozen(Conflict):
    code, message = "event_frozen", "This event is frozen; its record can no longer change."


class BadTransition(Conflict):
    code = "bad_transition"


class TooLarge(GlimpseError):
    status, code, message = 413, "too_large", "The request is too large."


class RateLimited(GlimpseError):
    status, code, message = 429, "rate_limited", "Too many attempts; wait and try again."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(message, headers={"Retry-After": str(self.retry_after)})


class SignInFirst(Exception):
    """A page that needs a signed-in person: answered with a redirect to the sign-in page
    (server/pages/render.py), where the API would answer 401."""
