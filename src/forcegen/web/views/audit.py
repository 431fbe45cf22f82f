"""The audit trail in the browser (admins and lead planners, as ``/api/v1/audit``).

Find entries by who, what and when; open one to see what changed, field by field, and its
place in the hash chain; verify the chain and the Merkle log and read the log's signed tree
head (size, root, time, key id, whether its signature verifies), the anchor ``forcegen audit
anchor`` publishes outside the database. The entries listed, counted and opened are those
``audit.service`` lets the reader see: an entry about an item hidden from them (or about
another account, for a lead planner) is as missing as one never written.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from forcegen.exceptions import SignatureError
from forcegen.labels.auditlog import TreeHead
from forcegen.web.core import HTMLRoute, PageDep, render
from forcegen.web.tables import TableQuery, clean
from forcegen.workspace.access import PLANNERS, require_role
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.audit import proofs, tree
from forcegen.workspace.audit import service as audit
from forcegen.workspace.audit.models import AuditEntry
from forcegen.workspace.audit.signer import Signer
from forcegen.workspace.database import read_snapshot
from forcegen.workspace.errors import WorkspaceError

__all__ = ["router"]

router = APIRouter(route_class=HTMLRoute)

PAGE_SIZE = 50
Filter = Annotated[str | None, Query(max_length=200)]
Seq = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: What an entry may be about, as the filter offers it.
ENTITIES = {
    "pledge": "Pledge",
    "requirement": "Requirement",
    "nation": "Nation",
    "sourcing_run": "Sourcing run",
    "deployment_run": "Deployment run",
    "relief_event": "Relief event",
    "relief_request": "Relief request",
    "relief_offer": "Relief offer",
    "relief_run": "Relief matching run",
    "scenario": "Scenario import",
    "intel": "Intelligence objects",
    "user": "Account",
    "api_token": "API token",
}
_SORTS = ("seq", "-seq", "at", "-at", "actor", "-actor")


@router.get("/audit", response_class=HTMLResponse)
def audit_table(
    request: Request,
    db: SessionDep,
    page: PageDep,
    actor: Filter = None,
    entity: Filter = None,
    entity_id: Filter = None,
    action: Filter = None,
    since: Filter = None,
    until: Filter = None,
    sort: Filter = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> HTMLResponse:
    """The entries the reader may see, newest first: by who, what (kind, id, action), when."""
    require_role(page.user, *PLANNERS)
    filters = {"actor": clean(actor), "entity": clean(entity, ENTITIES),
               "entity_id": clean(entity_id), "action": clean(action),
               "since": clean(since), "until": clean(until)}
    labels = {"actor": "Who", "entity": "What", "entity_id": "Id", "action": "Action",
              "since": "From", "until": "To"}
    table = TableQuery("/audit", filters, labels, clean(sort, _SORTS), offset, PAGE_SIZE,
                       shown={"entity": lambda e: ENTITIES.get(e, e)})
    rows, total = audit.list_page(
        db, page.user, table.params(),
        **{k: v or None for k, v in filters.items()},
    )
    ctx = {"rows": rows, "total": total, "table": table, "entities": ENTITIES}
    # Entries hold snapshots of labelled items: the banner shows the reader's ceiling.
    return render(request, "audit.html", ctx)


@router.get("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, db: SessionDep, page: PageDep) -> HTMLResponse:
    """Recompute the chain and the Merkle log; show the result and the signed tree head."""
    require_role(page.user, *PLANNERS)
    with read_snapshot(db.get_bind()) as snap:  # type: ignore[arg-type]
        result = audit.verify(snap)
    ctx = {"result": result, **_tree_head(db, request.app.state.audit_signer, result.ok)}
    return render(request, "audit_verify.html", ctx)


def _tree_head(db: Session, signer: Signer, intact: bool) -> dict[str, Any]:
    """The head to show, and whether its signature verifies.

    Signed now if the log verified and there is a key, else the last one handed out (a broken
    log is never signed); with neither, the log's size and root, unsigned.
    """
    problem = signer.problem
    head: TreeHead | None = None
    if intact and signer.key is not None:
        try:
            head = proofs.current_head(db, signer)
        except WorkspaceError as exc:  # a node missing: verify says what was changed
            problem = exc.message
    head = head or tree.latest_head(db)
    if head is None:
        unsigned = None
        if intact:
            n = tree.tree_size(db)
            unsigned = {"tree_size": n, "root_hash": tree.root(db, n).hex()}
        return {"head": None, "head_problem": problem, "unsigned": unsigned}
    try:
        head.verify(signer.keys)
        valid, why = True, None
    except SignatureError as exc:
        valid, why = False, str(exc)
    when = dt.datetime.fromtimestamp(head.timestamp / 1000, dt.UTC)
    return {"head": head, "head_time": when.strftime("%Y-%m-%d %H:%M:%S"),
            "head_valid": valid, "head_why": why, "head_problem": problem,
            "head_line": json.dumps(head.to_json(), separators=(",", ":"))}


def _changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """``(field, before, after)`` for every field whose value differs (all of a creation)."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = [*before, *(k for k in after if k not in before)]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


@router.get("/audit/{seq}", response_class=HTMLResponse)
def audit_entry(request: Request, db: SessionDep, page: PageDep, seq: Seq) -> HTMLResponse:
    """One entry: who did what and when, the fields it changed, its hashes."""
    require_role(page.user, *PLANNERS)
    entry = audit.get(db, page.user, seq)
    ctx = {"entry": entry, "changes": _changes(entry), "entities": ENTITIES,
           "shown": lambda v: "" if v is None else v if isinstance(v, str)
           else json.dumps(v, ensure_ascii=False)}
    return render(request, "audit_entry.html", ctx)
