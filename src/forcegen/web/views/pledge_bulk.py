"""Change the status of several pledges at once (the ticked rows of the pledges table).

Each pledge goes through ``pledges.transition`` exactly as its own button would: the version
the table showed is checked, the workflow's rules apply, the change is audited. Each pledge is
its own transaction: one refused (changed meanwhile, a move the workflow does not allow, not
visible) leaves the others done and itself untouched, and the page says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from forcegen.scenario.models import PLEDGE_STATUSES
from forcegen.web.core import HTMLRoute, PageDep, local_path, render, see_other
from forcegen.workspace.access import require_role
from forcegen.workspace.api.deps import SessionDep
from forcegen.workspace.errors import Conflict, Invalid, NotFound, WorkspaceError
from forcegen.workspace.pledges import service as pledges
from forcegen.workspace.pledges.schemas import PledgeStatusChange

__all__ = ["MAX_BULK", "BulkOutcome", "router"]

router = APIRouter(route_class=HTMLRoute)

#: Most pledges one form may change (a page of the table holds 50).
MAX_BULK = 200
_VERB = {"provisional": "Mark provisional", "approved": "Approve", "withdrawn": "Withdraw",
         "offered": "Re-offer"}


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What became of one ticked pledge."""

    pledge: str
    done: bool
    message: str


def _ticked(value: str) -> tuple[str, str]:
    """``"P-FRA-01@3"`` (what a row's checkbox posts) to its id and the version shown."""
    pledge, _, version = value.rpartition("@")
    return (pledge, version) if pledge else (value, "")


def _one(db: SessionDep, page: PageDep, value: str, status: str, note: str) -> BulkOutcome:
    pledge, version = _ticked(value)
    try:
        data = PledgeStatusChange.model_validate(
            {"status": status, "version": version, "note": note or None})
    except ValidationError:
        return BulkOutcome(pledge, False, "the form did not say which version was shown")
    try:
        pledges.transition(db, page.user, pledge, data)
        db.commit()  # this pledge's change and its audit entry, on their own
        return BulkOutcome(pledge, True, f"now {status}")
    except WorkspaceError as exc:
        db.rollback()
        if isinstance(exc, Conflict):
            now = exc.extra.get("current") or {}
            text = (f"changed by someone else since the table was loaded (now version "
                    f"{now.get('version', '?')}, {now.get('status', '?')}); nothing changed")
        elif isinstance(exc, NotFound):
            text = "not found"  # also when hidden: never confirms a pledge the user may not see
        elif isinstance(exc, Invalid):
            text = exc.message
        else:
            raise  # not allowed at all (403) is the page's answer, not a row's
        return BulkOutcome(pledge, False, text)


@router.post("/pledges/status", response_class=HTMLResponse)
def bulk_status(
    request: Request,
    db: SessionDep,
    page: PageDep,
    status: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
    pledge: Annotated[list[str] | None, Form(max_length=MAX_BULK)] = None,
) -> Response:
    """Move every ticked pledge to ``status``; all done: back to the table, else a report."""
    require_role(page.user, *pledges.EDITORS)
    target = local_path(back, "/pledges")
    ticked = list(dict.fromkeys(v[:220] for v in pledge or []))
    problem = None
    if status not in PLEDGE_STATUSES:
        problem = "Choose the status to give the ticked pledges."
    elif not ticked:
        problem = "Tick at least one pledge."
    if problem is not None:
        ctx: dict[str, Any] = {"outcomes": [], "problem": problem, "back": target,
                               "status": status}
        return render(request, "pledges_bulk.html", ctx, 422, labels=[])
    outcomes = [_one(db, page, value, status, note) for value in ticked]
    done = sum(o.done for o in outcomes)
    if done == len(outcomes):
        return see_other(target, f"{done} pledge{'s' if done != 1 else ''} now {status}.")
    ctx = {"outcomes": outcomes, "done": done, "back": target, "status": status,
           "verb": _VERB.get(status, status)}
    # Some were refused: the report names each (ids only: nothing the user may not see).
    return render(request, "pledges_bulk.html", ctx, 409 if done == 0 else 200)
