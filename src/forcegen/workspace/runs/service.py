"""Sourcing runs: queue, execute in a background thread, store the plan, read it back scoped.

:func:`create` queues the run row (the caller commits); :func:`execute` does the work in its
own database session and is what the API hands to its thread pool.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from forcegen.exceptions import InputError
from forcegen.labels.legacy import legacy_to_label
from forcegen.workspace import labelled
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
from forcegen.workspace.audit import service as audit
from forcegen.workspace.database import session_scope, utcnow
from forcegen.workspace.errors import NotFound
from forcegen.workspace.label_store import label_columns
from forcegen.workspace.labels import encode_releasable
from forcegen.workspace.listing import PageParams, fetch_page, order_by, text_search
from forcegen.workspace.readers import Reader
from forcegen.workspace.runs.models import SourcingRun
from forcegen.workspace.runs.results import RunResult, from_json, scoped, to_json
from forcegen.workspace.runs.whatif import WhatIf

__all__ = ["create", "execute", "get", "list_page", "result_for"]

log = logging.getLogger(__name__)

def create(
    db: Session,
    user: User,
    include: Iterable[str],
    max_classification: str | None = None,
    whatif: WhatIf | None = None,
) -> SourcingRun:
    """Queue a run (planners). Commit, then pass ``run.id`` to :func:`execute`.

    The run will use only the data its starter may see, labelled at or below
    ``max_classification`` (default and ceiling: the starter's clearance). Until it is done it
    is labelled with that cap and released to the starter's nation only. ``whatif``: nations
    withdrawn, caveats lifted, ceilings changed (``whatif.checked_whatif``), kept on the run.
    """
    require_role(user, *PLANNERS)
    statuses = sorted(set(include) | {"approved"})
    cap = clearance_of(user)
    if max_classification is not None:
        cap = checked_label(user, max_classification, None, None)[0]
    run = SourcingRun(
        state="queued",
        include=statuses,
        whatif=whatif.to_json() if whatif else None,
        started_by=user.username,
        **label_columns(
            legacy_to_label(cap, encode_releasable([user.nation]) if user.nation else None),
            encode_releasable([user.nation]) if user.nation else None,
            legacy=True,
        ),
    )
    db.add(run)
    db.flush()
    after: dict[str, Any] = {"include": statuses}
    if run.whatif:
        after["whatif"] = run.whatif
    audit.record(db, user.username, "start", "sourcing_run", str(run.id), None, after)
    return run


def failed_run_values(exc: Exception, verb: str) -> dict[str, Any]:
    """The columns stored on a run that ended with ``exc`` (sourcing and deployment runs alike).

    Bad workspace data (``InputError``) is told to the user in full; anything else is an
    internal error whose details stay in the server log, never on the run.
    """
    if isinstance(exc, InputError):
        return {"state": "failed", "error": str(exc)[:10000], "finished_at": utcnow(),
                "message": f"the workspace data cannot be {verb}"}
    return {"state": "failed", "error": f"internal error: {type(exc).__name__}",
            "finished_at": utcnow(), "message": "failed"}


def _set(factory: sessionmaker[Session], run_id: int, **values: Any) -> None:
    with session_scope(factory) as db:
        db.execute(update(SourcingRun).where(SourcingRun.id == run_id).values(**values))


def execute(factory: sessionmaker[Session], run_id: int, time_limit: float | None = None) -> None:
    """Run the optimizer for queued run ``run_id``, storing progress and the result.

    Never raises: a failure is stored on the run (``state="failed"``, ``error``).
    """
    from forcegen.sourcing import SourcingOptions, solve
    from forcegen.sourcing.progress import ProgressEvent, ProgressTracker, Stage
    from forcegen.workspace.scenarios.runnable import runnable_scenario

    last_at, last_stage = 0.0, ""

    def store(event: ProgressEvent) -> None:
        # At most five writes a second within a stage; a new stage is always written.
        nonlocal last_at, last_stage
        now = time.monotonic()
        if event.stage.name == last_stage and now - last_at < 0.2:
            return
        last_at, last_stage = now, event.stage.name
        _set(
            factory,
            run_id,
            stage=event.stage.name,
            message=event.text[:500],
            progress=round(event.fraction, 3),
        )

    # One tracker for the whole run: its fraction never goes back, whoever reports.
    tracker = ProgressTracker(store)
    _set(factory, run_id, state="running", started_at=utcnow())
    tracker.emit(Stage.READ, "the workspace")

    def progress(event: ProgressEvent) -> None:
        tracker.emit(event.stage, event.detail, event.fraction)

    try:
        with session_scope(factory) as db:
            run = db.get(SourcingRun, run_id)
            if run is None:
                return
            include = tuple(run.include)
            whatif = WhatIf.from_json(run.whatif)
            starter = db.scalar(select(User).where(User.username == run.started_by))
            if starter is None or not starter.active:
                raise InputError(f"the run's starter {run.started_by!r} no longer has an account")
            # What the starter may see, capped: the run never holds more than they may.
            reader = LabelScope(starter, min(run.classification, clearance_of(starter)))
            label = labelled.high_water(db, reader)
            # Built in memory: sourcing reads no side table, and nothing is written to disk.
            # A record no longer valid is left out and named, not fatal for everyone.
            scenario, excluded = runnable_scenario(db, reader=reader)
            plan = solve(
                scenario,
                SourcingOptions(include=include, time_limit=time_limit, **whatif.options()),
                progress=progress,
            )
        _set(
            factory,
            run_id,
            state="done",
            stage=Stage.DONE.name,
            progress=1.0,
            result=to_json(RunResult(plan, excluded)),
            **label,
            finished_at=utcnow(),
            # A planner's words: "proven best" only when proven (the raw status is in the plan).
            message=f"{'proven best' if plan.status == 'optimal' else 'best found'}: "
            f"{len(plan.shortfalls)} shortfall(s)"
            + (f"; {len(excluded)} invalid record(s) left out" if excluded else ""),
        )
    except Exception as exc:  # store, do not lose: the thread has nobody to report to
        failure = failed_run_values(exc, "sourced")
        if failure["message"] == "failed":
            log.exception("sourcing run %s failed", run_id)
        _set(factory, run_id, **failure)


def list_page(
    db: Session,
    user: User,
    params: PageParams,
    *,
    state: str | None = None,
    search: str | None = None,
) -> tuple[list[SourcingRun], int]:
    """Runs ``user`` may see, newest first by default (every role; results not included).

    ``search``: text found (case-insensitive) in who started the run or its outcome message,
    or the run's number.
    """
    stmt = select(SourcingRun).where(label_visible(user, SourcingRun.__table__))
    if state:
        stmt = stmt.where(SourcingRun.state == state)
    found = text_search(search, SourcingRun.started_by, SourcingRun.message)
    if found is not None:
        term = (search or "").strip().removeprefix("#")
        if term.isdigit() and len(term) < 10:
            found = or_(found, SourcingRun.id == int(term))
        stmt = stmt.where(found)
    sortable = {
        "id": SourcingRun.id,
        "created_at": SourcingRun.created_at,
        "state": SourcingRun.state,
    }
    rows, total = fetch_page(db, stmt, params, order_by(params.sort, sortable, ["-id"]))
    reader = Reader(user)  # the SQL is a pre-filter: the engine decides each row served
    return [r for r in rows if reader.sees_row(r)], total


def get(db: Session, user: User, run_id: int) -> SourcingRun:
    """One run ``user`` may see, or 404 (also when its label hides it)."""
    run = db.get(SourcingRun, run_id)
    if run is None or not can_see_label(user, run):
        raise NotFound("sourcing run")
    return run


def result_for(user: User, run: SourcingRun) -> RunResult | None:
    """The run's stored result as ``user`` may see it (``results.scoped``), or ``None``."""
    result = from_json(run.result)
    return scoped(user, result) if result is not None else None
