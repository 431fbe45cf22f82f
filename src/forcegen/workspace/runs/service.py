"""Sourcing runs: queue, execute in a background thread, store the plan, read it back scoped.

:func:`create` queues the run row (the caller commits); :func:`execute` does the work in its
own database session and is what the API hands to its thread pool.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from forcegen.workspace import labelled
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.database import session_scope, utcnow
from forcegen.workspace.listing import PageParams
from forcegen.workspace.runs import lifecycle
from forcegen.workspace.runs.models import SourcingRun
from forcegen.workspace.runs.results import RunResult, from_json, scoped, to_json
from forcegen.workspace.runs.whatif import WhatIf

__all__ = ["create", "execute", "get", "list_page", "result_for"]


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
    label = lifecycle.queued_label(user, max_classification)
    statuses = sorted(set(include) | {"approved"})
    run = SourcingRun(
        state="queued",
        include=statuses,
        whatif=whatif.to_json() if whatif else None,
        started_by=user.username,
        **label,
    )
    db.add(run)
    db.flush()
    after: dict[str, Any] = {"include": statuses}
    if run.whatif:
        after["whatif"] = run.whatif
    audit.record(db, user.username, "start", "sourcing_run", str(run.id), None, after)
    return run


def _set(factory: sessionmaker[Session], run_id: int, **values: Any) -> None:
    lifecycle.store_values(factory, SourcingRun, run_id, **values)


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
            # What the starter may see, capped: the run never holds more than they may.
            reader = lifecycle.starter_scope(db, run)
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
        _set(factory, run_id, **lifecycle.failed_run_values(exc, "sourced", "sourcing run", run_id))


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
    return lifecycle.list_runs(db, user, SourcingRun, params, state=state, search=search)


def get(db: Session, user: User, run_id: int) -> SourcingRun:
    """One run ``user`` may see, or 404 (also when its label hides it)."""
    return lifecycle.get_run(db, user, SourcingRun, run_id, "sourcing run")


def result_for(user: User, run: SourcingRun) -> RunResult | None:
    """The run's stored result as ``user`` may see it (``results.scoped``), or ``None``."""
    result = from_json(run.result)
    return scoped(user, result) if result is not None else None
