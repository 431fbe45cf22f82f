"""Import EDXL-RM messages and HXL tables into the workspace, all or nothing.

``RequestResource`` messages and HXL 3W tables add requests to an event (planners);
``CommitResource`` messages and the ``Accept`` answers of ``ResponseToRequestResource``
messages commit offers to requests, whole or in part (fewer units than offered: the rest stays
on offer); ``ReportResourceDeploymentStatus`` messages move offers on through their cycle
(planners; the same rules as the status route). Every item goes through the same service
verbs as the API (labels, access, audit); any problem, anywhere in the file, refuses the whole
file with every problem named (422) and the transaction is rolled back: nothing is half-stored.
``dry_run`` does all the checks and writes, then rolls them back.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from forcegen.exceptions import Problem, ScenarioError
from forcegen.relief.edxl_status import read_deployment_status, read_responses
from forcegen.relief.reading import (
    Commitment,
    ReadRequest,
    kind_of,
    read_commits,
    read_hxl,
    read_requests,
)
from forcegen.workspace.access import PLANNERS, require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid, WorkspaceError
from forcegen.workspace.relief import offers, requests
from forcegen.workspace.relief.common import visible_event
from forcegen.workspace.relief.schemas import RequestCreate

__all__ = ["import_file"]


def _line(where: str) -> int | None:
    return int(where[4:]) if where.startswith("row ") else None


def _request_body(r: ReadRequest, event: str, started: Any) -> dict[str, Any]:
    by_hours = r.by_hours
    if r.due is not None:
        if started is None:
            raise Invalid(
                f"event {event!r} has no start time: a requested arrival time cannot become hours",
                field="event",
            )
        by_hours = max(0.0, (r.due - started).total_seconds() / 3600)
    return {
        "id": r.id,
        "event": event,
        "capability": r.capability,
        "quantity": r.quantity,
        "at": list(r.at),
        "place": r.place,
        "by_hours": by_hours,
        "priority": r.priority,
        "name": r.name,
    }


def _add_requests(
    db: Session, user: User, name: str, reads: list[ReadRequest], event: str | None
) -> tuple[list[str], list[Problem]]:
    problems: list[Problem] = []
    done: list[str] = []
    for r in reads:
        ev_id = r.event or event
        try:
            if ev_id is None:
                raise Invalid("no event: give ?event= or an incident id", field="event")
            if r.event and event and r.event != event:
                raise Invalid(f"the file's event {r.event!r} is not {event!r}", field="event")
            ev = visible_event(db, user, ev_id)
            body = RequestCreate.model_validate(_request_body(r, ev.id, ev.started))
            done.append(requests.create(db, user, body).id)
        except ValidationError as exc:
            for e in exc.errors():
                fld = ".".join(str(x) for x in e["loc"])
                problems.append(
                    Problem(
                        name, f"{r.where}: request {r.id!r}: {fld}: {e['msg']}", _line(r.where), fld
                    )
                )
        except WorkspaceError as exc:
            problems.append(
                Problem(
                    name, f"{r.where}: request {r.id!r}: {exc.message}", _line(r.where), exc.field
                )
            )
    return done, problems


def _commit(
    db: Session, user: User, name: str, commits: list[Commitment]
) -> tuple[list[str], list[Problem]]:
    problems: list[Problem] = []
    done: list[str] = []
    for c in commits:
        try:
            row = offers.get(db, user, c.offer)
            if c.nation is not None and c.nation != row.nation:
                raise Invalid(f"the owner {c.nation!r} is not the offer's nation", "nation")
            units = _units(c.quantity, row.quantity)
            offers.apply_status(
                db, user, row, "committed", c.request, "EDXL-RM CommitResource", units
            )
            done.append(row.id)
        except WorkspaceError as exc:
            problems.append(
                Problem(name, f"{c.where}: offer {c.offer!r}: {exc.message}", None, exc.field)
            )
    return done, problems


def _units(quantity: Any, offered: int) -> int | None:
    """Units a message commits: None for the whole offer, else a whole number 1..offered."""
    if quantity is None or str(quantity) == str(offered):
        return None
    try:
        units = int(str(quantity))
    except ValueError:
        units = 0
    if not 1 <= units <= offered:
        raise Invalid(
            f"quantity {quantity}: expected a whole number of units from 1 to the "
            f"{offered} offered",
            field="quantity",
        )
    return units


def _answers(db: Session, user: User, name: str, content: bytes) -> tuple[list[str], list[Problem]]:
    """Commit the offers a ``ResponseToRequestResource`` accepts (declines change nothing)."""
    accepted = [
        Commitment(r.offer, r.request, r.nation, r.quantity, r.where)
        for r in read_responses(content, name)
        if r.response == "Accept" and r.offer is not None
    ]
    return _commit(db, user, name, accepted)


def _statuses(
    db: Session, user: User, name: str, content: bytes
) -> tuple[list[str], list[Problem]]:
    """Move each reported offer to its status; one already there is left as it is."""
    problems: list[Problem] = []
    done: list[str] = []
    for rep in read_deployment_status(content, name):
        try:
            row = offers.get(db, user, rep.offer)
            if rep.nation is not None and rep.nation != row.nation:
                raise Invalid(f"the owner {rep.nation!r} is not the offer's nation", "nation")
            if rep.status == row.status and rep.request in (None, row.request):
                continue  # a report repeats what is known: nothing to record
            if (
                rep.quantity is not None
                and rep.status != "committed"
                and (rep.quantity != row.quantity)
            ):
                raise Invalid(
                    f"quantity {rep.quantity} is not the offer's {row.quantity}", "quantity"
                )
            request = rep.request if rep.status == "committed" else None
            units = _units(rep.quantity, row.quantity) if rep.status == "committed" else None
            offers.apply_status(
                db, user, row, rep.status, request, "EDXL-RM ReportResourceDeploymentStatus", units
            )
            done.append(row.id)
        except WorkspaceError as exc:
            problems.append(
                Problem(name, f"{rep.where}: offer {rep.offer!r}: {exc.message}", None, exc.field)
            )
    return done, problems


def import_file(
    db: Session,
    user: User,
    name: str,
    content: bytes,
    *,
    event: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Import an EDXL-RM message (four kinds, see the module) or an HXL table.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem in the file (the API's 422 ``invalid_scenario``).
    """
    require_role(user, *PLANNERS)
    kind = kind_of(content, name)
    if kind == "CommitResource":
        ids, problems = _commit(db, user, name, read_commits(content, name))
        what = "committed"
    elif kind == "ResponseToRequestResource":
        ids, problems = _answers(db, user, name, content)
        what = "committed"
    elif kind == "ReportResourceDeploymentStatus":
        ids, problems = _statuses(db, user, name, content)
        what = "moved"
    elif kind in ("RequestResource", "csv"):
        reads = read_requests(content, name) if kind != "csv" else read_hxl(content, name)
        ids, problems = _add_requests(db, user, name, reads, event)
        what = "requests"
    else:
        raise ScenarioError(
            [
                Problem(
                    name,
                    "expected an EDXL-RM RequestResource, CommitResource, "
                    "ResponseToRequestResource or ReportResourceDeploymentStatus message or "
                    f"an HXL table, not {kind}",
                )
            ]
        )
    if problems:
        raise ScenarioError(problems)  # the caller's transaction rolls back what was written
    if dry_run:
        db.rollback()
    return {"format": "HXL" if kind == "csv" else f"EDXL-RM {kind}", what: ids, "dry_run": dry_run}
