"""A matching run over the stored relief data, as the core computes it (planners only).

The run takes one event's requests and offers that the planner may see (labels decide; an
offer held for a request they may not see is left out, as its place in the plan would tell
what that request is), builds the core's :class:`forcegen.relief.ReliefData` and matches it
with :func:`forcegen.relief.plan_relief`. The result carries the high-water label of what
went into it and each delivery's route line for the map. Every run is kept (``relief_runs``:
who, when, the hash of its input, the what-ifs, the result) under that label: a reader sees a
run only when cleared for everything it used, and a hidden run is "not found".
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.exceptions import InputError, OptionError
from forcegen.relief import build, plan_relief
from forcegen.relief.models import Event, Facility, Item, Offer, ReliefData, Request, Settings
from forcegen.workspace.access import PLANNERS, LabelScope, clearance_of, require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.audit.reads import ReadTrail
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Invalid, NotFound
from forcegen.workspace.label_store import join, label_columns, label_json, row_label
from forcegen.workspace.labels import LEVELS
from forcegen.workspace.readers import Reader
from forcegen.workspace.relief.common import event_or_404
from forcegen.workspace.relief.models import ReliefOffer, ReliefRequest, ReliefRun

__all__ = ["MAX_TIME", "get_run", "list_runs", "relief_data", "run_match"]

#: Longest a matching run may take in the workspace (seconds).
MAX_TIME = 60.0


def _visible(
    db: Session, user: User, model: Any, event: str, owner: str | None = None
) -> list[Any]:
    scope = LabelScope(user, clearance_of(user))
    table = model.__table__
    reader = Reader(user)
    rows = db.scalars(
        select(model)
        .where(model.event == event, scope.clause(table, table.c[owner] if owner else None))
        .order_by(model.id)
    )
    return [r for r in rows if scope.admits(reader, r, getattr(r, owner) if owner else None)]


def relief_data(db: Session, user: User, event_id: str) -> tuple[ReliefData, list[Any]]:
    """The core's relief section for one event, from what ``user`` may see, and its rows."""
    ev = event_or_404(db, user, event_id)
    reqs = _visible(db, user, ReliefRequest, ev.id)
    seen = {r.id for r in reqs}
    offers = [
        o
        for o in _visible(db, user, ReliefOffer, ev.id, "nation")
        if o.request is None or o.request in seen
    ]
    rd = ReliefData(
        events=[
            Event(id=ev.id, name=ev.name, at=tuple(ev.at) if ev.at else None, started=ev.started)
        ],
        items=[Item.model_validate(i) for i in ev.items or []],
        requests=[
            Request(
                id=r.id,
                event=r.event,
                capability=r.capability,
                quantity=r.quantity,
                at=tuple(r.at),
                place=r.place,
                by_hours=r.by_hours,
                priority=r.priority,
                name=r.name,
            )
            for r in reqs
        ],
        offers=[
            Offer(
                id=o.id,
                nation=o.nation,
                capability=o.capability,
                quantity=o.quantity,
                home=tuple(o.home),
                notice_hours=o.notice_hours,
                mode=o.mode,
                speed=o.speed,
                cost=o.cost,
                status=o.status,
                request=o.request if o.status not in ("offered", "released") else None,
                name=o.name,
            )
            for o in offers
        ],
        airfields=None
        if ev.airfields is None
        else [Facility.model_validate(f) for f in ev.airfields],
        ports=None if ev.ports is None else [Facility.model_validate(f) for f in ev.ports],
        settings=Settings.model_validate(ev.settings or {}),
    )
    return rd, [ev, *reqs, *offers]


def _label_cols(rows: list[Any]) -> dict[str, Any]:
    """The stored label columns of the high-water label of ``rows``."""
    found = {
        row_label(r, getattr(r, "nation", None) if isinstance(r, ReliefOffer) else None)
        for r in rows
    }
    return label_columns(join(sorted(found, key=label_json)))


def _label(cols: dict[str, Any]) -> dict[str, Any]:
    return {
        "classification": LEVELS[cols["classification"]],
        "label": json.loads(cols["label"]) if cols["label"] else None,
    }


def run_match(
    db: Session,
    user: User,
    event_id: str,
    *,
    close: list[str] | None = None,
    withdraw: list[str] | None = None,
    time_limit: float = 30.0,
    keep: bool = True,
) -> dict[str, Any]:
    """Match one event's requests and offers (planners); the plan as the CLI's ``--json``.

    ``close`` (airfields or ports) and ``withdraw`` (offers) are the core's what-ifs; an
    unknown name is a 422 naming the parameter. ``keep=False`` (a page's preview, a GET that
    must not write) computes without storing the run.
    """
    require_role(user, *PLANNERS)
    rd, rows = relief_data(db, user, event_id)
    options = {"close": sorted(close or ()), "withdraw": sorted(withdraw or ())}
    digest = hashlib.sha256(
        (rd.model_dump_json() + json.dumps(options, sort_keys=True)).encode()
    ).hexdigest()
    started = utcnow()
    try:
        prob = build(
            rd,
            None,
            f"relief event {event_id}",
            close=tuple(close or ()),
            withdraw=tuple(withdraw or ()),
        )
        plan = plan_relief(prob, time_limit=min(time_limit, MAX_TIME))
    except InputError as exc:
        field = exc.parameters[0] if isinstance(exc, OptionError) and exc.parameters else None
        raise Invalid(str(exc), field=field) from None
    doc = plan.to_dict()
    doc["routes"] = [
        {"offer": o, "request": r, "line": line.round(5).tolist()}
        for (o, r), line in sorted(plan.lines.items())
    ]
    doc["event"] = event_id
    cols = _label_cols(rows)
    doc["label"] = _label(cols)
    doc["input_hash"] = digest
    if not keep:
        return doc
    run = ReliefRun(
        event=event_id,
        started_by=user.username,
        created_at=started,
        finished_at=utcnow(),
        input_hash=digest,
        options={**options, "time_limit": min(time_limit, MAX_TIME)},
        status=plan.status,
        result=doc,
        **cols,
    )
    db.add(run)
    db.flush()
    doc["run"] = run.id
    return doc


def _run_summary(run: ReliefRun) -> dict[str, Any]:
    res = run.result or {}
    return {
        "id": run.id,
        "event": run.event,
        "started_by": run.started_by,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "input_hash": run.input_hash,
        "options": run.options,
        "status": run.status,
        "asked": res.get("asked"),
        "in_time": res.get("in_time"),
        "late": res.get("late"),
        "short": res.get("short"),
        "label": res.get("label"),
    }


def _visible_runs(db: Session, user: User, where: Any) -> list[ReliefRun]:
    scope = LabelScope(user, clearance_of(user))
    table = ReliefRun.__table__
    reader = Reader(user)
    rows = db.scalars(
        select(ReliefRun).where(where, scope.clause(table, None)).order_by(ReliefRun.id.desc())
    )
    return [r for r in rows if scope.admits(reader, r, None)]


def list_runs(db: Session, user: User, event_id: str, trail: ReadTrail | None = None
              ) -> list[dict[str, Any]]:
    """The kept runs of an event that ``user`` may see (newest first), without their plans.

    Planners only, like the runs themselves: a run holds every nation's offers, which a
    liaison or an observer may not see. ``trail``: notes the runs listed (``audit.reads``).
    """
    require_role(user, *PLANNERS)
    ev = event_or_404(db, user, event_id)
    runs = _visible_runs(db, user, ReliefRun.event == ev.id)
    if trail is not None:
        trail.add_rows("relief_run", runs)
    return [_run_summary(r) for r in runs]


def get_run(db: Session, user: User, run_id: int, trail: ReadTrail | None = None
            ) -> dict[str, Any]:
    """One kept run with its plan (planners); 404 when it does not exist or is hidden.

    ``trail``: notes the run served (``audit.reads``).
    """
    require_role(user, *PLANNERS)
    found = _visible_runs(db, user, ReliefRun.id == run_id)
    if not found:
        raise NotFound("relief run")
    if trail is not None:
        trail.add("relief_run", found[0].id, found[0])
    return {**_run_summary(found[0]), "result": found[0].result}
