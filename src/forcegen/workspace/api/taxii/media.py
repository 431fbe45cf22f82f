"""TAXII 2.1 media types, content negotiation and error message resources.

Every answer under ``/taxii2/`` has the media type ``application/taxii+json;version=2.1``;
errors are TAXII error message resources::

    {"title": "not found", "description": "collection not found", "http_status": "404",
     "error_code": "not_found"}

The workspace's error handlers answer with the project's own JSON error shape;
:func:`install_taxii_errors` wraps each of them so that, under the TAXII prefix, the same
status and message are given as a TAXII error resource instead (401 keeps its
``WWW-Authenticate``). Routes Starlette does not know (404, 405) are covered too.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from forcegen.workspace.errors import WorkspaceError

__all__ = [
    "STIX_MEDIA_TYPE",
    "TAXII_MEDIA_TYPE",
    "TAXII_PREFIX",
    "NotAcceptable",
    "UnsupportedMediaType",
    "check_accept",
    "check_content_type",
    "install_taxii_errors",
    "taxii_response",
]

TAXII_PREFIX = "/taxii2"
TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
_TAXII = "application/taxii+json"


class NotAcceptable(WorkspaceError):
    """The client does not accept the TAXII 2.1 media type (406)."""

    status = 406
    code = "not_acceptable"


class UnsupportedMediaType(WorkspaceError):
    """A request body that is not ``application/taxii+json;version=2.1`` (415)."""

    status = 415
    code = "unsupported_media_type"


def _is_taxii21(value: str) -> bool:
    """Whether one media range is TAXII 2.1 (``version`` absent means the latest, 2.1)."""
    kind, *params = (p.strip() for p in value.split(";"))
    if kind.lower() != _TAXII:
        return False
    version = [p.split("=", 1)[1].strip() for p in params if p.lower().startswith("version=")]
    return version in ([], ["2.1"])


def check_accept(request: Request) -> None:
    """Refuse (406) a request whose ``Accept`` offers no TAXII 2.1 media type."""
    accept = request.headers.get("accept", "")
    if not any(_is_taxii21(v) for v in accept.split(",") if v.strip()):
        raise NotAcceptable(f"Accept must include {TAXII_MEDIA_TYPE}; got {accept[:100]!r}")


def check_content_type(request: Request) -> None:
    """Refuse (415) a body that is not TAXII 2.1 JSON."""
    ctype = request.headers.get("content-type", "")
    if not _is_taxii21(ctype):
        raise UnsupportedMediaType(f"Content-Type must be {TAXII_MEDIA_TYPE}; got "
                                   f"{ctype[:100]!r}")


def taxii_response(body: Any, status: int = 200, headers: dict[str, str] | None = None
                   ) -> Response:
    """A TAXII answer: ``body`` as JSON (or pre-encoded bytes) with the TAXII media type."""
    data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":"),
                                                           ensure_ascii=False).encode()
    return Response(data, status, headers=headers, media_type=TAXII_MEDIA_TYPE)


def error_resource(status: int, code: str, message: str) -> dict[str, Any]:
    """A TAXII 2.1 error message resource."""
    return {"title": code.replace("_", " "), "description": message,
            "http_status": str(status), "error_code": code}


Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def _wrap(original: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        result = original(request, exc)
        response = await result if isinstance(result, Awaitable) else result
        if not request.url.path.startswith(TAXII_PREFIX + "/") and \
                request.url.path != TAXII_PREFIX:
            return response
        try:
            err = json.loads(bytes(response.body))["error"]
            code, message = str(err["code"]), str(err["message"])
        except (ValueError, KeyError, TypeError):
            code, message = "error", "the request failed"
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() in ("www-authenticate", "retry-after", "allow")}
        return taxii_response(error_resource(response.status_code, code, message),
                              response.status_code, headers)

    return handler


def install_taxii_errors(app: FastAPI) -> None:
    """Give every error under the TAXII prefix the TAXII error resource shape."""
    for key, original in list(app.exception_handlers.items()):
        app.exception_handlers[key] = _wrap(original)
