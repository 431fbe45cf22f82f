"""The verbs every kind of background run has in the API, implemented once.

``POST`` starts a run (202, then poll), ``GET`` lists the runs the caller may see, ``GET
/{id}`` reads one with, when done, its plan as the caller may see it, and ``GET
/{id}/export`` downloads that plan. Sourcing runs (``/runs``) and deployment runs
(``/deployments``) differ only in what a :class:`RunKind` names: their schemas, how a
request body becomes a queued run, the worker, how a plan is scoped and exported, and the
words of their documentation.

No ``from __future__ import annotations`` here: the endpoints are built in a function, and
FastAPI must read their annotations (the kind's own schemas) as objects, not as names.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from forcegen.workspace.accounts import User
from forcegen.workspace.api.deps import CurrentUser, SessionDep, SettingsDep
from forcegen.workspace.api.params import Page, PageParamsDep, SearchQuery
from forcegen.workspace.audit.reads import record_reads
from forcegen.workspace.config import Settings
from forcegen.workspace.runs.models import RunRecord, RunState

__all__ = ["RunKind", "add_run_routes", "attachment", "submit_run"]

#: A run's number in a URL path.
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ExportFormat = Annotated[Literal["xlsx", "csv", "json"], Query()]

R = TypeVar("R", bound=RunRecord)
Body = TypeVar("Body", bound=BaseModel)


@dataclass(frozen=True)
class RunKind(Generic[R, Body]):
    """What one kind of run brings to the shared verbs."""

    #: The path parameter's name (``run_id``): it names the parameter in the OpenAPI
    #: document and in a 422's ``loc``, so each kind keeps its own.
    id_name: str
    #: The audit entity of the kind's runs (``sourcing_run``): reads are recorded under it.
    entity: str
    create: type[Body]
    summary: type[BaseModel]
    read: type[BaseModel]
    #: Checks ``body`` and queues the run (raises 403 for a non-planner before any check).
    start: Callable[[Session, User, Body], R]
    #: The worker handed to the runs' thread pool: ``(factory, run id, time limit)``.
    execute: Callable[[sessionmaker[Session], int, float | None], None]
    list_page: Callable[..., tuple[list[R], int]]
    get: Callable[[Session, User, int], R]
    #: The stored plan as a reader may see it (``None`` until it is done).
    result: Callable[[User, R], dict[str, Any] | None]
    export: Callable[[Session, User, int, str], tuple[bytes, str, str]]
    #: The media types of the export formats (documentation only).
    export_media: tuple[str, ...]
    #: Route names (they make the OpenAPI operation ids) and docstrings, by verb.
    names: dict[str, str]
    docs: dict[str, str]


def submit_run(
    request: Request, db: Session, settings: Settings, execute: Any, run_id: int
) -> None:
    """Commit the queued run, then hand it to the runs' thread pool (API and web pages).

    The commit comes first: the worker reads the row from its own session.
    """
    db.commit()
    request.app.state.run_executor.submit(
        execute, request.app.state.session_factory, run_id, settings.run_time_limit
    )


def attachment(content: bytes, filename: str, media: str) -> Response:
    """A download: ``content`` as ``filename`` (the browser saves it, never shows it)."""
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _id_named(endpoint: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``endpoint`` with its ``run_id`` parameter called ``name``.

    FastAPI reads the signature, so the OpenAPI document and errors say ``name``; the call
    maps the value back.
    """
    sig = inspect.signature(endpoint)
    params = [p.replace(name=name) if p.name == "run_id" else p for p in sig.parameters.values()]

    def call(**values: Any) -> Any:
        values["run_id"] = values.pop(name)
        return endpoint(**values)

    call.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    call.__name__ = call.__qualname__ = endpoint.__name__
    call.__doc__ = endpoint.__doc__
    return call


def add_run_routes(router: APIRouter, kind: "RunKind[Any, Any]") -> None:
    """Add the four verbs of ``kind`` to ``router`` (its prefix is the runs' collection).

    A route of the kind's own whose path could be read as a run's number (``/compare``)
    must be added to ``router`` before these.
    """
    summary, read = kind.summary, kind.read

    def start(
        request: Request, db: SessionDep, settings: SettingsDep, user: CurrentUser,
        body: kind.create,  # type: ignore[name-defined]
    ) -> Any:
        run = kind.start(db, user, body)
        submit_run(request, db, settings, kind.execute, run.id)
        return summary.model_validate(run)

    def list_runs(
        db: SessionDep,
        user: CurrentUser,
        page: PageParamsDep,
        state: RunState | None = None,
        q: SearchQuery = None,
    ) -> Any:
        rows, total = kind.list_page(db, user, page, state=state, search=q)
        record_reads(db, user.username, "api list", kind.entity, rows)
        return Page[summary](  # type: ignore[valid-type]
            items=[summary.model_validate(r) for r in rows],
            total=total,
            limit=page.limit,
            offset=page.offset,
        )

    def get_one(
        db: SessionDep,
        user: CurrentUser,
        run_id: RunId,
        with_result: Annotated[bool, Query(description="include the plan")] = True,
    ) -> Any:
        run = kind.get(db, user, run_id)
        out = read.model_validate(run)
        out.result = kind.result(user, run) if with_result else None  # type: ignore[attr-defined]
        record_reads(db, user.username, "api get" if with_result else "api get summary",
                     kind.entity, [run])
        return out

    def export(db: SessionDep, user: CurrentUser, run_id: RunId,
               format: ExportFormat = "xlsx") -> Response:
        content = kind.export(db, user, run_id, format)
        # The export found the run (404 when hidden): this is the same row, from the session.
        record_reads(db, user.username, f"api export {format}", kind.entity,
                     [kind.get(db, user, run_id)])
        return attachment(*content)

    one = f"/{{{kind.id_name}}}"
    media: dict[int | str, dict[str, Any]] = {
        200: {"content": {m: {} for m in kind.export_media}}
    }
    for path, verb, endpoint, method, extra in (
        ("", "start", start, "POST",
         {"response_model": summary, "status_code": status.HTTP_202_ACCEPTED}),
        ("", "list", list_runs, "GET", {"response_model": Page[summary]}),  # type: ignore[valid-type]
        (one, "get", _id_named(get_one, kind.id_name), "GET", {"response_model": read}),
        (f"{one}/export", "export", _id_named(export, kind.id_name), "GET",
         {"responses": media}),
    ):
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            name=kind.names[verb],
            description=inspect.cleandoc(kind.docs[verb]),
            **extra,
        )

