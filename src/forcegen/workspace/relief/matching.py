"""A matching run over the stored relief data, as the core computes it (planners only).

The run takes one event's requests and offers that the planner may see (labels decide; an
offer held for a request they may not see is left out, as its place in the plan would tell
what that request is), builds the core's :class:`forcegen.relief.ReliefData` and matches it
with :func:`forcegen.relief.plan_relief`. The result carries the high-water label of what
went into it and each delivery's route line for the map. Nothing is stored.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from forcegen.exceptions import InputError, OptionError
from forcegen.relief import build, plan_relief
from forcegen.relief.models import Event, Facility, Item, Offer, ReliefData, Request, Settings
from forcegen.workspace.access import PLANNERS, LabelScope, clearance_of, require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid
from forcegen.workspace.label_store import join, label_columns, label_json, row_label
from forcegen.workspace.labels import LEVELS
from forcegen.workspace.readers import Reader
from forcegen.workspace.relief.common import event_or_404
from forcegen.workspace.relief.models import ReliefOffer, ReliefRequest

__all__ = ["MAX_TIME", "relief_data", "run_match"]

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


def _label(rows: list[Any]) -> dict[str, Any]:
    found = {
        row_label(r, getattr(r, "nation", None) if isinstance(r, ReliefOffer) else None)
        for r in rows
    }
    cols = label_columns(join(sorted(found, key=label_json)))
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
) -> dict[str, Any]:
    """Match one event's requests and offers (planners); the plan as the CLI's ``--json``.

    ``close`` (airfields or ports) and ``withdraw`` (offers) are the core's what-ifs; an
    unknown name is a 422 naming the parameter.
    """
    require_role(user, *PLANNERS)
    rd, rows = relief_data(db, user, event_id)
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
    doc["label"] = _label(rows)
    return doc
