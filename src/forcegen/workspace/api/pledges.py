"""``/api/v1/pledges``: list, create, read, edit, delete, status workflow, totals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from forcegen.scenario.models import PledgeStatus
from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.api.params import IdPath, Page, PageParamsDep, SearchQuery
from forcegen.workspace.audit.reads import ReadTrail, record_reads
from forcegen.workspace.pledges import service
from forcegen.workspace.pledges.schemas import (
    PledgeCreate,
    PledgeRead,
    PledgeStatusChange,
    PledgeTotal,
    PledgeUpdate,
)

__all__ = ["router"]

router = APIRouter(prefix="/pledges", tags=["pledges"])

Filter = Annotated[str | None, Query(max_length=200)]
GroupKey = Annotated[str, Query(max_length=20)]


@router.get("", response_model=Page[PledgeRead])
def list_pledges(
    db: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    nation: Filter = None,
    capability: Filter = None,
    status: PledgeStatus | None = None,
    q: SearchQuery = None,
) -> Page[PledgeRead]:
    """Pledges the caller may see (liaison, observer: their own nation's), paged.

    ``q``: text in the id, name, nation (code or name) or capability (code or name).
    """
    trail = ReadTrail("api list")
    body = service.list_page_json(
        db, user, page, nation=nation, capability=capability, status=status, search=q,
        trail=trail,
    )
    trail.write(db, user.username)  # the pledges served, one audit entry per label
    # End the transaction (the read entries) in this worker thread, so that get_db has nothing
    # left to do in another thread hop. The document is already JSON: FastAPI does not
    # re-validate it.
    db.commit()
    return Response(body, media_type="application/json")  # type: ignore[return-value]


@router.get("/totals", response_model=list[PledgeTotal])
def pledge_totals(
    db: SessionDep,
    user: CurrentUser,
    group_by: Annotated[list[GroupKey] | None, Query(max_length=3)] = None,
    status: PledgeStatus | None = None,
) -> list[PledgeTotal]:
    """Offers of every nation as totals (default grouping: nation and status). Every role.

    Only pledges the caller's clearance and nation allow are counted.
    """
    return service.totals(db, user, group_by or ["nation", "status"], status=status)


@router.post("", response_model=PledgeRead, status_code=status.HTTP_201_CREATED)
def create_pledge(db: SessionDep, user: CurrentUser, body: PledgeCreate) -> PledgeRead:
    """Add a pledge (planners; liaison for their own nation). It starts ``offered``.

    Leave ``id`` out and the workspace assigns the nation's code, ``-`` and 10 random
    characters. A chosen id must start with the nation's code and is accepted only while no
    pledge is hidden from the caller; otherwise every chosen id gets the same 409
    (``docs/security.md``, the create-conflict rule).
    """
    return PledgeRead.model_validate(service.create(db, user, body))


@router.get("/{pledge_id}", response_model=PledgeRead)
def get_pledge(db: SessionDep, user: CurrentUser, pledge_id: IdPath) -> PledgeRead:
    """One pledge (404 if hidden from the caller)."""
    row = service.get(db, user, pledge_id)
    record_reads(db, user.username, "api get", "pledge", [row], owner_key="nation")
    return PledgeRead.model_validate(row)


@router.patch("/{pledge_id}", response_model=PledgeRead)
def update_pledge(
    db: SessionDep, user: CurrentUser, pledge_id: IdPath, body: PledgeUpdate
) -> PledgeRead:
    """Edit a pledge; 409 with the current record in ``error.current`` if ``version`` is stale."""
    return PledgeRead.model_validate(service.update(db, user, pledge_id, body))


@router.post("/{pledge_id}/status", response_model=PledgeRead)
def change_pledge_status(
    db: SessionDep, user: CurrentUser, pledge_id: IdPath, body: PledgeStatusChange
) -> PledgeRead:
    """Move a pledge: offered → provisional → approved, or withdrawn (who and when recorded)."""
    return PledgeRead.model_validate(service.transition(db, user, pledge_id, body))


@router.delete("/{pledge_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_pledge(
    db: SessionDep,
    user: CurrentUser,
    pledge_id: IdPath,
    version: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Response:
    """Remove a pledge; ``version`` must be current."""
    service.delete(db, user, pledge_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
