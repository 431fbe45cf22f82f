"""``/api/v1/requirements``, ``/api/v1/sectors``, ``/api/v1/capabilities``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.api.params import IdPath, Page, PageParamsDep, SearchQuery
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.requirements import service
from forcegen.workspace.requirements.schemas import (
    CapabilityRead,
    RequirementCreate,
    RequirementRead,
    RequirementUpdate,
    SectorRead,
)

__all__ = ["router"]

router = APIRouter(tags=["requirements"])

Filter = Annotated[str | None, Query(max_length=200)]


@router.get("/requirements", response_model=Page[RequirementRead])
def list_requirements(
    db: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    capability: Filter = None,
    sector: Filter = None,
    priority: Annotated[int | None, Query(ge=1, le=1000)] = None,
    q: SearchQuery = None,
) -> Page[RequirementRead]:
    """Requirement lines the caller's clearance and nation allow, filtered, sorted, paged.

    ``q``: text in the id, name, sector (id or name) or capability (code or name).
    """
    rows, total = service.list_page(
        db, user, page, capability=capability, sector=sector, priority=priority, search=q
    )
    record_reads(db, user.username, "api list", "requirement", rows)
    return Page[RequirementRead](
        items=[RequirementRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/requirements", response_model=RequirementRead, status_code=status.HTTP_201_CREATED)
def create_requirement(
    db: SessionDep, user: CurrentUser, body: RequirementCreate
) -> RequirementRead:
    """Add a requirement line (planners).

    Leave ``id`` out and the workspace assigns ``R-`` and 10 random characters. A chosen id is
    accepted only while no requirement is hidden from the caller; otherwise every chosen id
    gets the same 409 (``docs/security.md``, the create-conflict rule).
    """
    return RequirementRead.model_validate(service.create(db, user, body))


@router.get("/requirements/{requirement_id}", response_model=RequirementRead)
def get_requirement(db: SessionDep, user: CurrentUser, requirement_id: IdPath) -> RequirementRead:
    """One requirement line (every role)."""
    row = service.get(db, user, requirement_id)
    record_reads(db, user.username, "api get", "requirement", [row])
    return RequirementRead.model_validate(row)


@router.patch("/requirements/{requirement_id}", response_model=RequirementRead)
def update_requirement(
    db: SessionDep, user: CurrentUser, requirement_id: IdPath, body: RequirementUpdate
) -> RequirementRead:
    """Change a requirement line; 409 with the current record if ``version`` is stale."""
    return RequirementRead.model_validate(service.update(db, user, requirement_id, body))


@router.delete("/requirements/{requirement_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_requirement(
    db: SessionDep,
    user: CurrentUser,
    requirement_id: IdPath,
    version: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Response:
    """Remove a requirement line (planners); ``version`` must be current."""
    service.delete(db, user, requirement_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sectors", response_model=list[SectorRead])
def list_sectors(db: SessionDep, _user: CurrentUser) -> list[SectorRead]:
    """Every sector (every role)."""
    return [SectorRead.model_validate(s) for s in service.list_sectors(db)]


@router.get("/capabilities", response_model=list[CapabilityRead])
def list_capabilities(db: SessionDep, _user: CurrentUser) -> list[CapabilityRead]:
    """Every capability type known to the workspace (every role)."""
    return sorted(service.capabilities(db).values(), key=lambda c: c.code)
