"""The web UI's routers, one module per area; ``router`` holds them all."""

from fastapi import APIRouter

from forcegen.web.views import account, dashboard, force, imports, pledges, requirements, runs

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _module in (account, dashboard, pledges, requirements, runs, imports, force):
    router.include_router(_module.router)

# Issue 11 part B: merging pledge tables, comparing runs (registered after the rest).
from forcegen.web.views import compare as _compare  # noqa: E402
from forcegen.web.views import merge as _merge  # noqa: E402

for _module_b in (_merge, _compare):
    router.include_router(_module_b.router)

def _add_downloads_and_accounts() -> None:
    """Download buttons, accounts (admins), deployment runs, relief and the intel feed."""
    from forcegen.web.views import (
        admin,
        deployments,
        downloads,
        intel,
        relief,
        relief_events,
        relief_offers,
        relief_requests,
    )

    # The relief forms (``/relief/events/...``, ``/relief/requests/...``,
    # ``/relief/offers/...``) before the dashboard.
    for module in (downloads, admin, deployments, relief_events, relief_requests, relief_offers,
                   relief, intel):
        router.include_router(module.router)


_add_downloads_and_accounts()


def _add_nations_and_audit() -> None:
    """The nations page (every role) and the audit trail (planners)."""
    from forcegen.web.views import audit, nations

    for module in (nations, audit):
        router.include_router(module.router)


_add_nations_and_audit()
