"""Checks on a pledge's own values before it is stored: its id's namespace, its places."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.workspace.errors import Invalid
from forcegen.workspace.reference import WorkspaceMeta, node_ids, one_of
from forcegen.workspace.requirements.service import check_sectors

__all__ = ["check_id_scope", "check_place", "id_nation"]


#: A pledge id's nation namespace: ``FRA-...`` or ``P-FRA-...``.
_ID_SCOPE = re.compile(r"^(?:P-)?([A-Z]{3})-")


def id_nation(pledge_id: str) -> str | None:
    """The nation whose namespace ``pledge_id`` is in, if it names one."""
    m = _ID_SCOPE.match(pledge_id)
    return m.group(1) if m else None


def check_id_scope(pledge_id: str, nation: str) -> None:
    """422 unless a new pledge's id is in its nation's namespace (``FRA-...``, ``P-FRA-...``).

    Pledge ids are scoped by nation so that creating one never collides with another nation's
    pledge: a liaison probing another nation's ids gets this answer whether or not the id
    exists (issue 8, existence oracles), checked before anything is looked up.
    """
    if id_nation(pledge_id) != nation:
        raise Invalid(
            f"a pledge id starts with its nation's code: {nation}-... or P-{nation}-... "
            f"(got {pledge_id[:50]!r})",
            field="id",
        )


def check_place(db: Session, home: Any, caveat_sectors: list[str] | None) -> None:
    """422 unless a home given as a node id names a network node and caveat sectors exist.

    Checked when entered (issue 9 §4): a misspelt sector (``kiev`` for ``kyiv``) or a free-text
    home (``Tallinn``) used to be accepted and then broke every run and export for everyone.
    """
    check_sectors(db, caveat_sectors or [], "caveats.sectors")
    if not isinstance(home, str):
        return
    meta = {m.key: m.value for m in db.scalars(
        select(WorkspaceMeta).where(WorkspaceMeta.key.in_(("network", "nodes", "files"))))}
    nodes = node_ids(meta, meta.get("files") or {})
    if nodes is None:
        raise Invalid(
            f"home {home[:50]!r} is not a place: give [lon, lat] (the workspace has no network "
            "whose node ids a home could name)",
            field="home",
        )
    if home not in nodes:
        raise Invalid(
            f"home {home[:50]!r} is not a network node; give [lon, lat] or {one_of(nodes, 10)}",
            field="home",
        )
