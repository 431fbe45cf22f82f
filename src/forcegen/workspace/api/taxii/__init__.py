"""The TAXII 2.1 server of the workspace, mounted at ``/taxii2/``.

:func:`install_taxii` adds the router, the TAXII error shape and the published key list the
label signatures of posted objects are checked against (``settings.intel_key_list``), and the
Server-Sent Events stream of new objects (:mod:`~forcegen.workspace.api.taxii.events`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from forcegen.labels.keys import KeyList
from forcegen.workspace.api.deps import AuthDep
from forcegen.workspace.api.taxii.events import router as events_router
from forcegen.workspace.api.taxii.hub import Hub
from forcegen.workspace.api.taxii.media import install_taxii_errors
from forcegen.workspace.api.taxii.routes import router
from forcegen.workspace.config import Settings
from forcegen.workspace.intel.integrity import verifier_for
from forcegen.workspace.intel.peers import read_peers
from forcegen.workspace.intel.publish import read_signing_keys

__all__ = ["install_taxii", "key_list_status"]

log = logging.getLogger("forcegen.intel")
status_router = APIRouter(prefix="/api/v1/intel", tags=["intel"])


def key_list_status(path: str | None, keys: KeyList) -> dict[str, Any]:
    """Whether signatures can be checked: without a key list every object is withheld.

    Default deny stays (an object whose signature cannot be checked is never served nor
    accepted); this makes it visible instead of an unexplained empty feed.
    """
    nations = sorted({k.nation for k in keys.keys.values()})
    if not nations:
        why = ("no key list is configured (FORCEGEN_INTEL_KEY_LIST)" if path is None
               else f"the key list {path} holds no key")
        return {"key_list": "missing" if path is None else "empty", "nations": [],
                "withholding_all": True,
                "message": f"{why}: no label signature can be checked, so every intel object "
                           "is withheld from TAXII reads and the event streams, and every "
                           "post is refused"}
    return {"key_list": "loaded", "nations": nations, "withholding_all": False,
            "message": f"label signatures are checked against {len(keys.keys)} key(s) of "
                       f"{', '.join(nations)}"}


@status_router.get("/status")
def intel_status(request: Request, _auth: AuthDep) -> dict[str, Any]:
    """Whether this server can verify intel signatures (else it withholds everything)."""
    return key_list_status(request.app.state.intel_key_path, request.app.state.intel_keys)


def install_taxii(app: FastAPI, settings: Settings) -> None:
    """Mount the TAXII 2.1 server on ``app`` (after the workspace's error handlers)."""
    path = settings.intel_key_list
    app.state.intel_keys = KeyList.read(path) if path else KeyList()
    app.state.intel_key_path = path
    status = key_list_status(path, app.state.intel_keys)
    if status["withholding_all"]:
        log.warning("intel: %s", status["message"])
    else:
        log.info("intel: %s", status["message"])
    app.state.intel_peers = read_peers(settings.intel_peers) if settings.intel_peers else []
    # The key list is read when used: tests and key rotation may replace it on app.state.
    app.state.intel_hub = Hub(app.state.session_factory,
                              lambda: verifier_for(app.state.intel_keys),
                              settings.intel_push_fallback_seconds)
    signing = settings.intel_signing_keys
    app.state.intel_signing_keys = read_signing_keys(signing) if signing else ()
    install_taxii_errors(app)
    app.include_router(events_router)
    app.include_router(router)
    app.include_router(status_router)
