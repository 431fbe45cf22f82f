"""What every kind of background run does alike: queue, read as its starter, store, list, get.

Sourcing runs (:mod:`.service`) and deployment runs (:mod:`.deploy_service`) share one life
(queued -> running -> done or failed) and one set of access and label rules; each module
keeps only what its optimizer needs (its options, its plan document, its scoping) and calls
these functions with its own table.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from forcegen.exceptions import InputError
from forcegen.labels.legacy import legacy_to_label
from forcegen.workspace.access import (
    PLANNERS,
    LabelScope,
    can_see_label,
    checked_label,
    clearance_of,
    label_visible,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.database import session_scope, utcnow
from forcegen.workspace.errors import NotFound
from forcegen.workspace.label_store import label_columns
from forcegen.workspace.labels import encode_releasable
from forcegen.workspace.listing import PageParams, fetch_page, order_by, text_search
from forcegen.workspace.readers import Reader
from forcegen.workspace.runs.models import RunRecord

__all__ = [
    "failed_run_values",
    "get_run",
    "list_runs",
    "queued_label",
    "starter_scope",
    "store_values",
]

log = logging.getLogger(__name__)

R = TypeVar("R", bound=RunRecord)


def queued_label(user: User, max_classification: str | None) -> dict[str, Any]:
    """The label columns of a run ``user`` queues (planners; 403 for anyone else).

    Until it is done a run is labelled with its cap (default and ceiling: the starter's
    clearance) and released to the starter's nation only: nobody else learns of it early.
    """
    require_role(user, *PLANNERS)
    cap = clearance_of(user)
    if max_classification is not None:
        cap = checked_label(user, max_classification, None, None)[0]
    rel = encode_releasable([user.nation]) if user.nation else None
    return label_columns(legacy_to_label(cap, rel), rel, legacy=True)


def starter_scope(db: Session, run: RunRecord) -> LabelScope:
    """What ``run`` may read: what its starter may see now, capped at the run's level.

    A starter whose account is gone or disabled ends the run (``InputError``): the run never
    holds more than someone still entitled to it may see.
    """
    starter = db.scalar(select(User).where(User.username == run.started_by))
    if starter is None or not starter.active:
        raise InputError(f"the run's starter {run.started_by!r} no longer has an account")
    return LabelScope(starter, min(run.classification, clearance_of(starter)))


def store_values(
    factory: sessionmaker[Session], model: type[RunRecord], run_id: int, **values: Any
) -> None:
    """Write ``values`` on run ``run_id`` in a session of its own (the worker has no other)."""
    with session_scope(factory) as db:
        db.execute(update(model).where(model.id == run_id).values(**values))


def failed_run_values(exc: Exception, verb: str, what: str, run_id: int) -> dict[str, Any]:
    """The columns stored on ``what`` ``run_id`` that ended with ``exc``.

    Bad workspace data (``InputError``) is told to the user in full; anything else is an
    internal error whose details stay in the server log, never on the run. Called from a
    worker's ``except`` block, so the traceback logged is ``exc``'s.
    """
    if isinstance(exc, InputError):
        return {"state": "failed", "error": str(exc)[:10000], "finished_at": utcnow(),
                "message": f"the workspace data cannot be {verb}"}
    log.exception("%s %s failed", what, run_id)
    return {"state": "failed", "error": f"internal error: {type(exc).__name__}",
            "finished_at": utcnow(), "message": "failed"}


def list_runs(
    db: Session,
    user: User,
    model: type[R],
    params: PageParams,
    *,
    state: str | None = None,
    search: str | None = None,
) -> tuple[list[R], int]:
    """Runs of ``model`` ``user`` may see, newest first by default (every role).

    ``search``: text found (case-insensitive) in who started the run or its outcome message,
    or the run's number (``12`` or ``#12``).
    """
    stmt = select(model).where(label_visible(user, model.__table__))  # type: ignore[attr-defined]
    if state:
        stmt = stmt.where(model.state == state)
    found = text_search(search, model.started_by, model.message)
    if found is not None:
        term = (search or "").strip().removeprefix("#")
        if term.isdigit() and len(term) < 10:
            found = or_(found, model.id == int(term))
        stmt = stmt.where(found)
    sortable = {"id": model.id, "created_at": model.created_at, "state": model.state}
    rows, total = fetch_page(db, stmt, params, order_by(params.sort, sortable, ["-id"]))
    reader = Reader(user)  # the SQL is a pre-filter: the engine decides each row served
    return [r for r in rows if reader.sees_row(r)], total


def get_run(db: Session, user: User, model: type[R], run_id: int, what: str) -> R:
    """Run ``run_id`` of ``model`` if ``user`` may see it, else 404 ``what``.

    Also 404 when its label hides it: a hidden run is indistinguishable from a missing one.
    """
    run = db.get(model, run_id)
    if run is None or not can_see_label(user, run):
        raise NotFound(what)
    return run
