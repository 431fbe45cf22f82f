"""Parameters the API reads from URLs: paging and sorting, record ids in paths.

The constraints are the ground floor's (``listing.PageParams``, ``types.ID_PATTERN``); only the
FastAPI declarations live here, so no domain package needs FastAPI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from forcegen.workspace.listing import SEARCH_MAX, Page, PageParams
from forcegen.workspace.types import ID_PATTERN

__all__ = ["IdPath", "Page", "PageParamsDep", "SearchQuery"]

#: A record id in a URL path.
IdPath = Annotated[str, Path(min_length=1, max_length=200, pattern=ID_PATTERN)]

#: ``?q=``: text to find in a list (case-insensitive; ``%`` and ``_`` match themselves).
SearchQuery = Annotated[
    str | None, Query(max_length=SEARCH_MAX, description="text to find (case-insensitive)")
]


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=1000, description="page size")] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9, description="items to skip")] = 0,
    sort: Annotated[
        str | None,
        Query(max_length=200, description="fields, comma-separated; prefix - for descending"),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, offset=offset, sort=sort)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]
