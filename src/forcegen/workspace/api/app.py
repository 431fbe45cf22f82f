"""The workspace API application: ``create_app(settings)``.

Everything lives under ``/api/v1``; the OpenAPI document is ``/api/v1/openapi.json``. No
interactive docs page is served because those load scripts from a CDN (the workspace must work
offline). The web UI adds its own routers to the returned app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine

from forcegen.workspace.api.audit import router as audit_router
from forcegen.workspace.api.auth import router as auth_router
from forcegen.workspace.api.bodylimit import BodyLimitMiddleware
from forcegen.workspace.api.deployments import router as deployments_router
from forcegen.workspace.api.errors import ERROR_RESPONSES, install_error_handlers
from forcegen.workspace.api.headers import SecurityHeadersMiddleware
from forcegen.workspace.api.nations import router as nations_router
from forcegen.workspace.api.pledge_import import router as pledge_import_router
from forcegen.workspace.api.pledges import router as pledges_router
from forcegen.workspace.api.relief import router as relief_router
from forcegen.workspace.api.relief_offers import router as relief_offers_router
from forcegen.workspace.api.requirements import router as requirements_router
from forcegen.workspace.api.runs import router as runs_router
from forcegen.workspace.api.scenarios import router as scenarios_router
from forcegen.workspace.api.taxii import install_taxii
from forcegen.workspace.api.users import router as users_router
from forcegen.workspace.audit.signer import load_signer
from forcegen.workspace.config import Settings
from forcegen.workspace.database import make_engine, make_session_factory, upgrade
from forcegen.workspace.runs.executor import RunExecutor
from forcegen.workspace.scenarios.files import sweep_temp

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


def _api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness check (no sign-in needed, no data)."""
        return {"status": "ok"}

    for router in (
        auth_router,
        users_router,
        nations_router,
        requirements_router,
        pledge_import_router,
        pledges_router,
        runs_router,
        relief_offers_router,
        relief_router,
        deployments_router,
        scenarios_router,
        audit_router,
    ):
        api.include_router(router)
    return api


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the API app over the database in ``settings.database_url`` (or ``engine``).

    The schema is migrated to the latest version first unless ``settings.migrate_on_start`` is
    false. ``app.state`` holds ``settings``, ``engine``, ``session_factory`` and
    ``run_executor`` (the thread pool for sourcing runs).
    """
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    if settings.migrate_on_start:
        upgrade(engine)
    executor = RunExecutor(settings.run_workers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Temporary folders a killed server left behind (issue 8, "Temp folders").
        sweep_temp()
        yield
        executor.shutdown(wait=False)

    app = FastAPI(
        title="forcegen workspace API",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.run_executor = executor
    # A missing or unusable key is kept as a reason, not raised: the server runs without it.
    app.state.audit_signer = load_signer(settings.audit_signing_key)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    # Added last, so outermost: even a 413 from the body limit carries the headers.
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(_api_router())
    install_taxii(app, settings)
    return app
