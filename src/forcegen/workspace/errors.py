"""One error shape for every 4xx, and the domain exceptions services raise.

Every error response body is::

    {"error": {"code": "not_found", "message": "...", "field": "quantity" | null, ...}}

Extra keys appear only where useful and never on denials: ``problems`` (every problem in an
uploaded scenario), ``details`` (all validation errors) and ``current`` (the record as it is now,
on a version conflict). 401, 403 and 404 bodies carry nothing but code and message, so a denial
reveals no data and a hidden record looks exactly like a missing one.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forcegen.exceptions import InputError, ScenarioError

__all__ = [
    "ERROR_RESPONSES",
    "BodyLimitMiddleware",
    "Conflict",
    "ErrorDetail",
    "ErrorResponse",
    "Forbidden",
    "Invalid",
    "NotFound",
    "RateLimited",
    "Unauthenticated",
    "WorkspaceError",
    "error_body",
    "install_error_handlers",
]

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    """What went wrong: a stable ``code``, a readable ``message``, the ``field`` if one."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    """The body of every 4xx response."""

    error: ErrorDetail


#: OpenAPI documentation of the error responses every endpoint may give.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (401, "not signed in"),
        (403, "not allowed for your role (or CSRF token missing)"),
        (404, "no such record, or not visible to you"),
        (409, "conflict: out-of-date version (body has the current record) or duplicate"),
        (413, "request body too large"),
        (422, "invalid input; the error names the field"),
    )
}

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


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


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """The JSON body of an error response."""
    err: dict[str, Any] = {"code": code, "message": message, "field": field}
    err.update(extra)
    return {"error": jsonable_encoder(err)}


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


async def _on_workspace_error(_r: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkspaceError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, RateLimited):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(
        error_body(exc.code, exc.message, exc.field, **exc.extra), exc.status, headers=headers
    )


async def _on_validation(_r: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    details: list[dict[str, str | None]] = [
        {"field": _field_of(e.get("loc", ())), "message": str(e.get("msg", "invalid value"))}
        for e in errors
    ]
    first = details[0] if details else {"field": None, "message": "invalid request"}
    text = first["message"] or "invalid value"
    message = f"{first['field']}: {text}" if first["field"] else text
    return JSONResponse(
        error_body("validation_error", message, first["field"], details=details), 422
    )


async def _on_http(_r: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(
        error_body(code, message), exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _on_input(_r: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    if isinstance(exc, ScenarioError):
        problems = [p.to_dict() for p in exc.problems]
        first = exc.problems[0] if exc.problems else None
        message = str(first) if first else "invalid scenario"
        return JSONResponse(
            error_body(
                "invalid_scenario",
                f"{len(problems)} problem(s) in the scenario; first: {message}",
                first.field if first else None,
                problems=problems,
            ),
            422,
        )
    return JSONResponse(error_body("invalid_input", str(exc)), 422)


async def _on_integrity(_r: Request, exc: Exception) -> JSONResponse:
    # The database refused the change (duplicate id, dangling reference). The service layer
    # checks these first; this is the backstop for races. No SQL text goes to the client.
    log.info("integrity error: %s", exc)
    return JSONResponse(
        error_body("integrity_error", "the change conflicts with existing records"), 409
    )


async def _on_stale(_r: Request, _exc: Exception) -> JSONResponse:
    return JSONResponse(
        error_body("version_conflict", "the record was changed by someone else; reload it"), 409
    )


async def _on_operational(_r: Request, exc: Exception) -> JSONResponse:
    if "locked" in str(exc).lower() or "could not serialize" in str(exc).lower():
        return JSONResponse(
            error_body("busy", "the database is busy; try again"), 503, headers={"Retry-After": "1"}
        )
    raise exc


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the shape documented above."""
    app.add_exception_handler(WorkspaceError, _on_workspace_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(InputError, _on_input)
    app.add_exception_handler(IntegrityError, _on_integrity)
    app.add_exception_handler(StaleDataError, _on_stale)
    app.add_exception_handler(OperationalError, _on_operational)


class BodyLimitMiddleware:
    """Answer 413 to request bodies larger than ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > self.limit:
                    await self._reject(send, declared < 0)
                    return
        seen = 0
        too_big = False

        async def limited() -> Message:
            nonlocal seen, too_big
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_big = True
                    raise _TooLarge
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send, False)
        except Exception:
            if too_big and not started:
                await self._reject(send, False)
            else:
                raise

    async def _reject(self, send: Send, bad_length: bool) -> None:
        import json

        status = 400 if bad_length else 413
        body = json.dumps(
            error_body(
                "bad_request" if bad_length else "payload_too_large",
                "invalid Content-Length"
                if bad_length
                else f"request body larger than {self.limit} bytes",
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
