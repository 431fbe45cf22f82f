"""Add the web UI to the workspace API app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from forcegen.workspace.app import create_app
from forcegen.workspace.config import Settings

__all__ = ["STATIC_DIR", "create_web_app", "mount_web"]

STATIC_DIR = Path(__file__).parent / "static"


def mount_web(app: FastAPI) -> FastAPI:
    """Add the HTML pages and ``/static`` (the package's own CSS and JS) to ``app``."""
    from forcegen.web.views import router

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)
    app.state.web_uploads = {}
    return app


def create_web_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The workspace API plus the web UI, over ``settings.database_url`` (or ``engine``)."""
    return mount_web(create_app(settings, engine=engine))
