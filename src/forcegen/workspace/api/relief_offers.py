"""``/api/v1/relief/offers``: offers, their delivery cycle and its recorded steps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from forcegen.relief.models import OfferStatus
from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.api.params import IdPath, Page, PageParamsDep
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.relief import offers
from forcegen.workspace.relief.schemas import (
    OfferCreate,
    OfferRead,
    OfferStatusChange,
    OfferUpdate,
    StepRead,
)

__all__ = ["router"]

router = APIRouter(prefix="/relief/offers", tags=["relief"])

Filter = Annotated[str | None, Query(max_length=200)]


@router.get("", response_model=Page[OfferRead])
def list_offers(
    db: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    event: Filter = None,
    nation: Filter = None,
    status: OfferStatus | None = None,
    request: Filter = None,
) -> Page[OfferRead]:
    """Offers the caller may see (liaison, observer: their own nation's), paged."""
    rows, total = offers.list_page(
        db, user, page, event=event, nation=nation, status=status, request=request
    )
    record_reads(db, user.username, "api list", "relief_offer", rows, owner_key="nation")
    return Page[OfferRead](
        items=[OfferRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=OfferRead, status_code=status.HTTP_201_CREATED)
def create_offer(db: SessionDep, user: CurrentUser, body: OfferCreate) -> OfferRead:
    """Add an offer (planners; a liaison for their own nation). It starts ``offered``."""
    return OfferRead.model_validate(offers.create(db, user, body))


@router.get("/{offer_id}", response_model=OfferRead)
def get_offer(db: SessionDep, user: CurrentUser, offer_id: IdPath) -> OfferRead:
    """One offer (404 if hidden from the caller)."""
    row = offers.get(db, user, offer_id)
    record_reads(db, user.username, "api get", "relief_offer", [row], owner_key="nation")
    return OfferRead.model_validate(row)


@router.patch("/{offer_id}", response_model=OfferRead)
def update_offer(
    db: SessionDep, user: CurrentUser, offer_id: IdPath, body: OfferUpdate
) -> OfferRead:
    """Edit an offer still offered; 409 with the current record if ``version`` is stale."""
    return OfferRead.model_validate(offers.update(db, user, offer_id, body))


@router.post("/{offer_id}/status", response_model=OfferRead)
def change_offer_status(
    db: SessionDep, user: CurrentUser, offer_id: IdPath, body: OfferStatusChange
) -> OfferRead:
    """Move an offer: offered → committed (to a request) → in-transit → delivered, or released.

    A change the cycle does not allow is a 409 naming it; who and when are recorded.
    """
    return OfferRead.model_validate(offers.transition(db, user, offer_id, body))


@router.get("/{offer_id}/history", response_model=list[StepRead])
def offer_history(db: SessionDep, user: CurrentUser, offer_id: IdPath) -> list[StepRead]:
    """Every status change of the offer, oldest first (404 if it is hidden)."""
    steps = offers.history(db, user, offer_id)  # 404 when the offer is hidden
    record_reads(db, user.username, "api history", "relief_offer",
                 [offers.get(db, user, offer_id)], owner_key="nation")
    return [StepRead.model_validate(s) for s in steps]


@router.delete("/{offer_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_offer(
    db: SessionDep,
    user: CurrentUser,
    offer_id: IdPath,
    version: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Response:
    """Remove an offer still offered or released."""
    offers.delete(db, user, offer_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
