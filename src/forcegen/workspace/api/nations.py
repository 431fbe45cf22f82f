"""``/api/v1/nations``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.nations import service
from forcegen.workspace.nations.schemas import NationCreate, NationRead, NationUpdate

__all__ = ["router"]

router = APIRouter(prefix="/nations", tags=["nations"])

Code = Annotated[str, Path(pattern=r"^[A-Z]{3}$")]


@router.get("", response_model=list[NationRead])
def list_nations(db: SessionDep, user: CurrentUser) -> list[NationRead]:
    """Every nation (every role; other nations' ceilings only for planners)."""
    return [service.read(user, n) for n in service.list_all(db, user)]


@router.post("", response_model=NationRead, status_code=status.HTTP_201_CREATED)
def create_nation(db: SessionDep, user: CurrentUser, body: NationCreate) -> NationRead:
    """Add a nation (planners)."""
    return service.read(user, service.create(db, user, body))


@router.get("/{code}", response_model=NationRead)
def get_nation(db: SessionDep, user: CurrentUser, code: Code) -> NationRead:
    """One nation."""
    return service.read(user, service.get(db, user, code))


@router.patch("/{code}", response_model=NationRead)
def update_nation(db: SessionDep, user: CurrentUser, code: Code, body: NationUpdate) -> NationRead:
    """Change a nation (planners)."""
    return service.read(user, service.update(db, user, code, body))


@router.delete("/{code}", status_code=status.HTTP_204_NO_CONTENT)
def delete_nation(
    db: SessionDep,
    user: CurrentUser,
    code: Code,
    version: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Response:
    """Remove a nation without pledges or users (planners); ``version`` must be current."""
    service.delete(db, user, code, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
