"""Deployment runs: queue, execute in the runs' thread pool, store the plan, read it back scoped.

The same life, access and label rules as sourcing runs (:mod:`.service`): planners start a
run; it reads only what its starter may see (capped at the level asked), derives the unit
lines from that data's sourced plan (or takes the imported ``movements``), schedules them with
:func:`forcegen.deployment.plan_deployment` and is labelled with the high-water mark of the
data used. Every role reads the runs it may see; a liaison or observer sees its own nation's
unit lines and the totals only (:func:`scoped`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from forcegen.workspace import labelled
from forcegen.workspace.access import PLANNERS, is_planner, nation_scope, require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.database import session_scope, utcnow
from forcegen.workspace.listing import PageParams
from forcegen.workspace.runs.deploy_models import DeploymentRun
from forcegen.workspace.runs.deploy_options import DeployOptions
from forcegen.workspace.runs.lifecycle import (
    failed_run_values,
    get_run,
    list_runs,
    queued_label,
    starter_scope,
    store_values,
)

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "create",
    "execute",
    "get",
    "latest_done",
    "list_page",
    "may_start",
    "scoped",
]

#: Solver seconds when the workspace sets no run time limit.
DEFAULT_TIME_LIMIT = 60.0
#: Totals every reader of a run may see (no line of another nation in them).
_TOTALS = (
    "status",
    "closure",
    "closure_date",
    "bound",
    "gap",
    "lateness",
    "lateness_bound",
    "solver",
    "seconds",
    "baseline",
    "closure_by_sector",
    "closure_by_priority",
    "totals",
    "use",
    "options",
)


def may_start(user: User) -> None:
    """Raise 403 unless ``user`` may start a deployment run (planners).

    Checked before a form's what-ifs are read, so that nobody else learns from their checks.
    """
    require_role(user, *PLANNERS)


def create(
    db: Session,
    user: User,
    max_classification: str | None = None,
    options: DeployOptions | None = None,
) -> DeploymentRun:
    """Queue a deployment run (planners). Commit, then pass ``run.id`` to :func:`execute`.

    Labelled, until done, with its cap (default and ceiling: the starter's clearance) and
    released to the starter's nation only, as a sourcing run.
    """
    label = queued_label(user, max_classification)
    run = DeploymentRun(
        state="queued",
        options=options.to_json() if options else None,
        started_by=user.username,
        **label,
    )
    db.add(run)
    db.flush()
    audit.record(
        db,
        user.username,
        "start",
        "deployment_run",
        str(run.id),
        None,
        {"options": run.options} if run.options else {},
    )
    return run


def _set(factory: sessionmaker[Session], run_id: int, **values: Any) -> None:
    store_values(factory, DeploymentRun, run_id, **values)


def _plan(scenario: Any, options: DeployOptions, time_limit: float) -> dict[str, Any]:
    """Plan the deployment of ``scenario`` with ``options``; the stored document."""
    from forcegen.deployment import deployment_from_scenario, plan_deployment, with_lift
    from forcegen.deployment.whatif import shift_c_day
    from forcegen.deployment.workbook import use_table

    dep = deployment_from_scenario(scenario, withdraw=options.withdraw, without=options.without)
    if options.lift:
        dep = with_lift(dep, options.lift)
    dep = shift_c_day(dep, options.c_day_shift)
    result = plan_deployment(dep, time_limit=time_limit)
    doc = result.to_dict()
    doc["use"] = use_table(result)
    doc["totals"] = {
        "lines": len(doc["movements"]),
        "late_lines": len(doc["late"]),
        "nations": len({m["nation"] for m in doc["movements"] if m["nation"]}),
    }
    doc["options"] = options.describe()
    return doc


def execute(factory: sessionmaker[Session], run_id: int, time_limit: float | None = None) -> None:
    """Plan the deployment for queued run ``run_id``, storing the result.

    Never raises: a failure is stored on the run (``state="failed"``, ``error``).
    """
    from forcegen.workspace.scenarios.records import stored_files
    from forcegen.workspace.scenarios.runnable import runnable_scenario

    _set(
        factory,
        run_id,
        state="running",
        started_at=utcnow(),
        progress=0.1,
        message="reading the workspace",
    )
    try:
        with session_scope(factory) as db:
            run = db.get(DeploymentRun, run_id)
            if run is None:
                return
            options = DeployOptions.from_json(run.options)
            reader = starter_scope(db, run)
            label = labelled.high_water(db, reader)
            scenario, excluded = runnable_scenario(db, reader=reader)
            # The side tables (the road network) in memory: nothing is read from disk.
            scenario = dataclasses.replace(scenario, tables=stored_files(db))
        _set(factory, run_id, progress=0.3, message="sourcing and scheduling")
        doc = _plan(scenario, options, time_limit or DEFAULT_TIME_LIMIT)
        doc["excluded"] = excluded
        words = (
            "proven best"
            if doc["status"] == "optimal"
            else ("best found" if doc["status"] == "feasible" else "deadlines missed")
        )
        _set(
            factory,
            run_id,
            state="done",
            progress=1.0,
            result=doc,
            **label,
            finished_at=utcnow(),
            message=f"{words}: closure day {doc['closure']}, "
            f"{doc['totals']['late_lines']} line(s) late",
        )
    except Exception as exc:  # store, do not lose: the thread has nobody to report to
        _set(factory, run_id, **failed_run_values(exc, "deployed", "deployment run", run_id))


def list_page(
    db: Session,
    user: User,
    params: PageParams,
    *,
    state: str | None = None,
    search: str | None = None,
) -> tuple[list[DeploymentRun], int]:
    """Deployment runs ``user`` may see, newest first by default (every role)."""
    return list_runs(db, user, DeploymentRun, params, state=state, search=search)


def get(db: Session, user: User, run_id: int) -> DeploymentRun:
    """One deployment run ``user`` may see, or 404 (also when its label hides it)."""
    return get_run(db, user, DeploymentRun, run_id, "deployment run")


def scoped(user: User, run: DeploymentRun) -> dict[str, Any] | None:
    """The run's plan document as ``user`` may see it (``None`` before it is done).

    Planners see everything. Liaisons and observers see the totals (closure, bound, lateness,
    closure by sector and priority, counts, lift and port use by day) and their own nation's
    unit lines, with the days each is late and its kind of reason; nothing that names another
    nation's line (``after`` links to it, the critical chain, the lines holding the lift, the
    fixes, the notes) is kept.
    """
    doc = run.result if run.state == "done" else None
    if not isinstance(doc, dict) or "movements" not in doc:
        return None
    if is_planner(user):
        return doc
    own = nation_scope(user)
    lines = [m for m in doc["movements"] if own and m.get("nation") == own]
    ids = {m["id"] for m in lines}
    # A line's `after` may name another nation's line: only the reader's own are kept.
    lines = [{**m, "after": [a for a in m.get("after") or [] if a in ids]} for m in lines]
    units = {m.get("unit") for m in lines if m.get("unit")}
    out = {k: doc[k] for k in _TOTALS if k in doc}
    out.update(
        movements=lines,
        late=[
            {"id": x["id"], "days": x["days"], "reason": x.get("reason")}
            for x in doc.get("late", [])
            if x.get("id") in ids
        ],
        deadline_misses=[x for x in doc.get("deadline_misses", []) if x.get("id") in ids],
        critical_chain=[],
        notes=[],
        transfers_of_authority=[
            t for t in doc.get("transfers_of_authority", []) if t.get("id") in ids
        ],
        command=[
            r
            for r in doc.get("command", [])
            if (own and r.get("nation") == own) or r.get("unit") in units
        ],
        excluded=[
            e
            for e in doc.get("excluded", [])
            if e.get("kind") != "pledge" or (own and e.get("nation") == own)
        ],
    )
    return out


def latest_done(db: Session, user: User) -> tuple[DeploymentRun, dict[str, Any]] | None:
    """The newest finished deployment run ``user`` may see, with its plan as they may see it."""
    rows, _ = list_page(db, user, PageParams(limit=1, offset=0, sort="-id"), state="done")
    for run in rows:
        doc = scoped(user, run)
        if doc is not None:
            return run, doc
    return None
