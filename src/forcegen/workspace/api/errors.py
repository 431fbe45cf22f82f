"""One error shape for every 4xx: the response models and the FastAPI exception handlers.

Every error response body is::

    {"error": {"code": "not_found", "message": "...", "field": "quantity" | null, ...}}

Extra keys appear only where useful and never on denials: ``problems`` (every problem in an
uploaded scenario), ``details`` (all validation errors) and ``current`` (the record as it is now,
on a version conflict). 401, 403 and 404 bodies carry nothing but code and message, so a denial
reveals no data and a hidden record looks exactly like a missing one. The exception classes the
services raise are in ``forcegen.workspace.errors`` (no web framework there).
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
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from forcegen.exceptions import InputError, ScenarioError
from forcegen.workspace.errors import RateLimited, WorkspaceError

__all__ = [
    "ERROR_RESPONSES",
    "ErrorDetail",
    "ErrorResponse",
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


async def _on_pool_timeout(_r: Request, exc: Exception) -> JSONResponse:
    # Every pooled connection is in use (a burst of clients): the server is busy, not broken.
    # Without this the request would end as a bare 500 after the pool's wait.
    log.warning("database connection pool exhausted: %s", exc)
    return JSONResponse(
        error_body("busy", "the server is busy; try again"), 503, headers={"Retry-After": "1"}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the shape documented above."""
    app.add_exception_handler(WorkspaceError, _on_workspace_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(InputError, _on_input)
    app.add_exception_handler(IntegrityError, _on_integrity)
    app.add_exception_handler(StaleDataError, _on_stale)
    app.add_exception_handler(OperationalError, _on_operational)
    app.add_exception_handler(PoolTimeout, _on_pool_timeout)
