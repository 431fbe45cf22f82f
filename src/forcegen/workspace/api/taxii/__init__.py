"""The TAXII 2.1 server of the workspace, mounted at ``/taxii2/``.

:func:`install_taxii` adds the router, the TAXII error shape and the published key list the
label signatures of posted objects are checked against (``settings.intel_key_list``), and the
Server-Sent Events stream of new objects (:mod:`~forcegen.workspace.api.taxii.events`).
"""

from __future__ import annotations

from fastapi import FastAPI

from forcegen.labels.keys import KeyList
from forcegen.workspace.api.taxii.events import router as events_router
from forcegen.workspace.api.taxii.hub import Hub
from forcegen.workspace.api.taxii.media import install_taxii_errors
from forcegen.workspace.api.taxii.routes import router
from forcegen.workspace.config import Settings
from forcegen.workspace.intel.integrity import verifier_for
from forcegen.workspace.intel.peers import read_peers
from forcegen.workspace.intel.publish import read_signing_keys

__all__ = ["install_taxii"]


def install_taxii(app: FastAPI, settings: Settings) -> None:
    """Mount the TAXII 2.1 server on ``app`` (after the workspace's error handlers)."""
    path = settings.intel_key_list
    app.state.intel_keys = KeyList.read(path) if path else KeyList()
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
