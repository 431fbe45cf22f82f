"""The exceptions workspace services raise; each maps to one HTTP status.

No web framework here: the services raise these and the API layer
(``forcegen.workspace.api.errors``) turns them into the one JSON error shape, while the web pages
(``forcegen.web``) turn them into a page with the message.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "Forbidden",
    "Invalid",
    "NotFound",
    "RateLimited",
    "Unauthenticated",
    "WorkspaceError",
]


class WorkspaceError(Exception):
    """Base of the errors services raise; each maps to one HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class Unauthenticated(WorkspaceError):
    """No valid credentials (401)."""

    status = 401
    code = "unauthenticated"

    def __init__(self, message: str = "sign in required") -> None:
        super().__init__(message)


class Forbidden(WorkspaceError):
    """Signed in, but the role may not do this (403)."""

    status = 403
    code = "forbidden"

    def __init__(self, message: str = "your role does not allow this") -> None:
        super().__init__(message)


class NotFound(WorkspaceError):
    """No such record, or one the user may not see (404, indistinguishable on purpose)."""

    status = 404
    code = "not_found"

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"{what} not found")


class Conflict(WorkspaceError):
    """The record changed since it was read, or the change clashes with others (409)."""

    status = 409
    code = "conflict"


class Invalid(WorkspaceError):
    """A value is syntactically fine but not acceptable here (422), naming the field."""

    status = 422
    code = "invalid"


class RateLimited(WorkspaceError):
    """Too many attempts (429); ``retry_after`` in seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
