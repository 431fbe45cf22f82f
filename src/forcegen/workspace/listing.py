"""Paging and sorting for list endpoints.

``?limit=100&offset=200&sort=-priority,id``: a leading ``-`` sorts descending; several fields
are separated by commas. An unknown field is a 422 naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from forcegen.workspace.errors import Invalid

__all__ = [
    "SEARCH_MAX", "Page", "PageParams", "every_row", "fetch_page", "order_by", "text_search",
]

T = TypeVar("T")

#: Longest text search a list accepts (characters).
SEARCH_MAX = 100


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` plus the ``total`` number matching the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


class PageParams(BaseModel):
    """Validated paging and sorting parameters (the API reads them from the query string)."""

    limit: int = 100
    offset: int = 0
    sort: str | None = None


def order_by(
    sort: str | None, allowed: dict[str, Any], default: list[str]
) -> list[ColumnElement[Any]]:
    """Translate ``sort`` into ORDER BY clauses over the ``allowed`` columns.

    The primary key should end ``default`` (and is appended by callers) so pages are stable.
    """
    wanted = [s.strip() for s in sort.split(",")] if sort else default
    clauses: list[ColumnElement[Any]] = []
    for item in wanted:
        if not item:
            continue
        name = item[1:] if item[0] in "-+" else item
        if name not in allowed:
            raise Invalid(
                f"cannot sort by {name!r}; sortable fields: {', '.join(sorted(allowed))}",
                field="sort",
            )
        col = allowed[name]
        clauses.append(col.desc() if item.startswith("-") else col.asc())
    return clauses


def fetch_page(
    db: Session, stmt: Select[Any], params: PageParams, clauses: list[Any]
) -> tuple[list[Any], int]:
    """Run ``stmt`` for one page and count all matches."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.scalars(stmt.order_by(*clauses).limit(params.limit).offset(params.offset)))
    return rows, total


def text_search(text: str | None, *columns: Any) -> ColumnElement[bool] | None:
    """A condition: ``text`` appears in any of ``columns`` (case-insensitive), else ``None``.

    ``%`` and ``_`` in ``text`` are matched literally (escaped), so a search is never a
    pattern; the text is trimmed and cut to :data:`SEARCH_MAX` characters.
    """
    term = (text or "").strip()[:SEARCH_MAX]
    if not term:
        return None
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped.lower()}%"
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))


def every_row(fetch: Callable[[PageParams], tuple[list[Any], int]]) -> list[Any]:
    """Every row of a paged service query, in pages of 1,000 (downloads, maps, name lists).

    Each page goes through the service, so each row is one the reader may see.
    """
    out: list[Any] = []
    while True:
        rows, total = fetch(PageParams(limit=1000, offset=len(out)))
        out.extend(rows)
        if not rows or len(out) >= total:
            return out
