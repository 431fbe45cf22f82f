"""``/api/v1/relief``: events, requests, the dashboard figures, matching runs and imports.

Offers and their delivery cycle are in ``relief_offers``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from forcegen.workspace.api.deps import CurrentUser, SessionDep
from forcegen.workspace.api.params import IdPath, Page, PageParamsDep
from forcegen.workspace.audit.reads import ReadTrail, record_reads
from forcegen.workspace.relief import board, events, exchange, matching, requests
from forcegen.workspace.relief.schemas import (
    EventCreate,
    EventRead,
    EventUpdate,
    RequestCreate,
    RequestRead,
    RequestUpdate,
)
from forcegen.workspace.types import Identifier

__all__ = ["router"]

router = APIRouter(prefix="/relief", tags=["relief"])

Filter = Annotated[str | None, Query(max_length=200)]


class MatchOptions(BaseModel):
    """What-ifs and the time limit of a matching run."""

    model_config = ConfigDict(extra="forbid")

    close: Annotated[list[Identifier], Field(max_length=1000)] = Field(default_factory=list)
    withdraw: Annotated[list[Identifier], Field(max_length=10_000)] = Field(default_factory=list)
    time_limit: Annotated[float, Field(gt=0, le=matching.MAX_TIME)] = 30.0


@router.get("/events", response_model=Page[EventRead])
def list_events(db: SessionDep, user: CurrentUser, page: PageParamsDep) -> Page[EventRead]:
    """Relief events the caller's labels allow."""
    rows, total = events.list_page(db, user, page)
    record_reads(db, user.username, "api list", "relief_event", rows)
    return Page[EventRead](
        items=[EventRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/events", response_model=EventRead, status_code=status.HTTP_201_CREATED)
def create_event(db: SessionDep, user: CurrentUser, body: EventCreate) -> EventRead:
    """Add a relief event with its relief items (planners)."""
    return EventRead.model_validate(events.create(db, user, body))


@router.get("/events/{event_id}", response_model=EventRead)
def get_event(db: SessionDep, user: CurrentUser, event_id: IdPath) -> EventRead:
    """One event (404 if hidden from the caller)."""
    row = events.get(db, user, event_id)
    record_reads(db, user.username, "api get", "relief_event", [row])
    return EventRead.model_validate(row)


@router.patch("/events/{event_id}", response_model=EventRead)
def update_event(
    db: SessionDep, user: CurrentUser, event_id: IdPath, body: EventUpdate
) -> EventRead:
    """Edit an event (planners); 409 with the current record if ``version`` is stale."""
    return EventRead.model_validate(events.update(db, user, event_id, body))


@router.get("/events/{event_id}/board")
def event_board(db: SessionDep, user: CurrentUser, event_id: IdPath) -> dict[str, Any]:
    """Each request's state and units by status, totals per place and per nation.

    Counted over what the caller may see (a liaison or observer: their own nation's offers).
    """
    trail = ReadTrail("api board")
    out = board.board(db, user, event_id, trail).to_dict()
    trail.write(db, user.username)
    return out


@router.post("/events/{event_id}/match")
def match_event(
    db: SessionDep, user: CurrentUser, event_id: IdPath, body: MatchOptions | None = None
) -> dict[str, Any]:
    """Match the event's requests and offers the caller may see (planners); the run is kept.

    The plan as ``forcegen relief --json`` prints it, with each delivery's route line, the
    label of what went into it, the kept run's id (``run``) and its ``input_hash``.
    """
    opts = body or MatchOptions()
    return matching.run_match(
        db, user, event_id, close=opts.close, withdraw=opts.withdraw, time_limit=opts.time_limit
    )


@router.get("/events/{event_id}/runs")
def list_runs(db: SessionDep, user: CurrentUser, event_id: IdPath) -> list[dict[str, Any]]:
    """The event's kept matching runs the caller's labels allow, newest first (no plans)."""
    trail = ReadTrail("api list")
    out = matching.list_runs(db, user, event_id, trail)
    trail.write(db, user.username)
    return out


@router.get("/runs/{run_id}")
def get_run(
    db: SessionDep, user: CurrentUser, run_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    """One kept matching run with its plan (404 when hidden or missing)."""
    trail = ReadTrail("api get")
    out = matching.get_run(db, user, run_id, trail)
    trail.write(db, user.username)
    return out


@router.post("/import")
async def import_relief(
    db: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="EDXL-RM message or HXL CSV table")],
    event: Annotated[
        str | None, Query(max_length=200, description="event of HXL rows without #crisis+id")
    ] = None,
    dry_run: Annotated[bool, Query(description="check only; save nothing")] = False,
) -> dict[str, Any]:
    """Import requests (RequestResource, HXL) or commitments (CommitResource), all or nothing.

    Every problem is named (422) and nothing is saved.
    """
    content = await file.read()
    name = file.filename or "relief"

    def work() -> dict[str, Any]:
        out = exchange.import_file(db, user, name, content, event=event, dry_run=dry_run)
        db.flush()
        return out

    return await run_in_threadpool(work)


@router.get("/requests", response_model=Page[RequestRead])
def list_requests(
    db: SessionDep,
    user: CurrentUser,
    page: PageParamsDep,
    event: Filter = None,
    capability: Filter = None,
    priority: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> Page[RequestRead]:
    """Requests the caller's labels allow, filtered, sorted, paged."""
    rows, total = requests.list_page(
        db, user, page, event=event, capability=capability, priority=priority
    )
    record_reads(db, user.username, "api list", "relief_request", rows)
    return Page[RequestRead](
        items=[RequestRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/requests", response_model=RequestRead, status_code=status.HTTP_201_CREATED)
def create_request(db: SessionDep, user: CurrentUser, body: RequestCreate) -> RequestRead:
    """Add a request to an event (planners)."""
    return RequestRead.model_validate(requests.create(db, user, body))


@router.get("/requests/{request_id}", response_model=RequestRead)
def get_request(db: SessionDep, user: CurrentUser, request_id: IdPath) -> RequestRead:
    """One request (404 if hidden from the caller)."""
    row = requests.get(db, user, request_id)
    record_reads(db, user.username, "api get", "relief_request", [row])
    return RequestRead.model_validate(row)


@router.patch("/requests/{request_id}", response_model=RequestRead)
def update_request(
    db: SessionDep, user: CurrentUser, request_id: IdPath, body: RequestUpdate
) -> RequestRead:
    """Edit a request (planners); 409 with the current record if ``version`` is stale."""
    return RequestRead.model_validate(requests.update(db, user, request_id, body))


@router.delete("/requests/{request_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_request(
    db: SessionDep,
    user: CurrentUser,
    request_id: IdPath,
    version: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Response:
    """Remove a request no offer names (planners)."""
    requests.delete(db, user, request_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
