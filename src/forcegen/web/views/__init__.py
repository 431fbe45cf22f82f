"""The web UI's routers, one module per area; ``router`` holds them all."""

from fastapi import APIRouter

from forcegen.web.views import account, dashboard, force, imports, pledges, requirements, runs

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _module in (account, dashboard, pledges, requirements, runs, imports, force):
    router.include_router(_module.router)


def _add_downloads_and_accounts() -> None:
    """Download buttons' routes and account administration (admins)."""
    from forcegen.web.views import admin, downloads

    for module in (downloads, admin):
        router.include_router(module.router)


_add_downloads_and_accounts()
