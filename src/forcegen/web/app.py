"""Add the web UI to the workspace API app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from forcegen.workspace.api.app import create_app
from forcegen.workspace.config import Settings

__all__ = ["STATIC_DIR", "create_web_app", "mount_web"]

STATIC_DIR = Path(__file__).parent / "static"


def mount_web(app: FastAPI) -> FastAPI:
    """Add the HTML pages and ``/static`` (the package's own CSS and JS) to ``app``."""
    from forcegen.web.views import router

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    app.state.web_uploads = {}
    app.state.web_pledge_uploads = {}  # pledge tables awaiting a merge's confirmation
    _html_errors_outside_api(app)
    return app


def _html_errors_outside_api(app: FastAPI) -> None:
    """An unknown page in the browser is a page in the UI's style, not raw JSON.

    Only for paths outside ``/api/`` and ``/taxii2/``: the API keeps its JSON error shape and
    the TAXII server its error message resources.
    """
    api_handler: Any = app.exception_handlers[StarletteHTTPException]

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if path in ("/api", "/taxii2") or path.startswith(("/api/", "/taxii2/")):
            response: Response = await api_handler(request, exc)
            return response
        from forcegen.web.core import _error_page

        message = ("There is no page at this address." if exc.status_code == 404
                   else exc.detail if isinstance(exc.detail, str) else "The request failed.")
        response = _error_page(request, exc.status_code, message)
        response.headers.update(getattr(exc, "headers", None) or {})
        return response

    app.add_exception_handler(StarletteHTTPException, on_http)


def create_web_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The workspace API plus the web UI, over ``settings.database_url`` (or ``engine``)."""
    return mount_web(create_app(settings, engine=engine))
