"""Table pages: the query string a table is read with, and the links it draws from it.

Every table is searched, filtered, sorted and paged on the server through query parameters
(``?q=...&status=approved&sort=-quantity&offset=50``), so it works without scripts and a view
can be bookmarked. The page shows each filter in force with a link that clears it; sorting and
paging links keep the filters, and a new filter starts again at the first page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from forcegen.workspace.listing import SEARCH_MAX, PageParams, every_row
from forcegen.workspace.runs.models import RUN_STATES

__all__ = [
    "RUN_SORTS", "ActiveFilter", "TableQuery", "clean", "every_row", "run_table",
]


@dataclass(frozen=True, slots=True)
class ActiveFilter:
    """A filter in force, as the page shows it: what, its value, the link that clears it."""

    label: str
    value: str
    clear_url: str


@dataclass(frozen=True)
class TableQuery:
    """A table's search, filters, sort and page, and the links built from them.

    Parameters
    ----------
    path
        The table page (``/pledges``).
    filters
        Filter name to value, in the order the page shows them; ``q`` is the text search.
        Empty values are not in force.
    labels
        Filter name to what the page calls it (``{"q": "Text"}``).
    sort, offset
        The sort expression (``-quantity``) and the first row shown.
    shown
        Filter name to a function naming a value for the reader (a sector's name ...).
    """

    path: str
    filters: Mapping[str, str]
    labels: Mapping[str, str]
    sort: str = ""
    offset: int = 0
    page_size: int = 50
    shown: Mapping[str, Callable[[str], str]] = field(default_factory=dict)

    @property
    def q(self) -> str:
        """The text searched for ("" if none)."""
        return self.filters.get("q", "")

    def params(self) -> PageParams:
        """The page of the service query."""
        return PageParams(limit=self.page_size, offset=self.offset, sort=self.sort or None)

    def _query(self, values: Mapping[str, Any]) -> str:
        kept = [(k, str(v)) for k, v in values.items() if v not in (None, "", 0)]
        return self.path + ("?" + urlencode(kept) if kept else "")

    def url(self, path: str | None = None, **changes: Any) -> str:
        """The table's address with ``changes`` (``sort=``, ``offset=``, a filter).

        ``path``: the same query on another address (a download), from the first row.
        """
        values: dict[str, Any] = {**self.filters, "sort": self.sort, "offset": self.offset}
        values.update(changes)
        if path is not None:
            return TableQuery(path, {}, {})._query({**values, "offset": 0})
        return self._query(values)

    def sort_url(self, key: str) -> str:
        """Sort by ``key``; again to reverse. Back to the first page."""
        return self.url(sort=f"-{key}" if self.sort == key else key, offset=0)

    def page_url(self, offset: int) -> str:
        """Another page with the same filters and sort."""
        return self.url(offset=max(0, offset))

    @property
    def active(self) -> list[ActiveFilter]:
        """The filters in force, each with the link clearing it."""
        out = []
        for name, value in self.filters.items():
            if value:
                text = self.shown[name](value) if name in self.shown else value
                cleared = {**self.filters, name: ""}
                out.append(ActiveFilter(self.labels.get(name, name), text,
                                        self._query({**cleared, "sort": self.sort})))
        return out

    @property
    def clear_url(self) -> str:
        """Every filter cleared (the sort kept)."""
        return self._query({"sort": self.sort})


def clean(text: str | None, allowed: Iterable[str] | None = None) -> str:
    """A query parameter as a filter value: trimmed and cut to the search limit.

    With ``allowed``, "" unless it is one of them: an unknown value filters nothing instead of
    failing the page.
    """
    value = (text or "").strip()[:SEARCH_MAX]
    if allowed is not None and value not in set(allowed):
        return ""
    return value


#: How a list of runs may be sorted (sourcing and deployment runs alike).
RUN_SORTS = ("id", "-id", "created_at", "-created_at", "state", "-state")


def run_table(
    path: str,
    fetch: Callable[..., tuple[list[Any], int]],
    q: str | None,
    state: str | None,
    sort: str | None,
    offset: int,
) -> tuple[TableQuery, list[Any], int]:
    """A page of runs, newest first: the table's query, its rows and how many match.

    ``fetch`` is the kind's ``list_page`` with the database and user bound; an unknown state or
    sort is ignored (the page shows everything) rather than refused.
    """
    filters = {"q": clean(q), "state": clean(state, RUN_STATES)}
    table = TableQuery(path, filters, {"q": "Text", "state": "State"}, clean(sort, RUN_SORTS),
                       offset, 50)
    rows, total = fetch(
        PageParams(limit=50, offset=offset, sort=table.sort or "-id"),
        state=filters["state"] or None,
        search=filters["q"] or None,
    )
    return table, rows, total
