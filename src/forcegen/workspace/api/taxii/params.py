"""The query of a TAXII request: ``added_after``, ``match[...]``, ``limit``, ``next``."""

from __future__ import annotations

import datetime as dt

from starlette.datastructures import QueryParams

from forcegen.exceptions import StixError
from forcegen.intel.objects import ALLOWED_TYPES, version_key
from forcegen.workspace.errors import WorkspaceError
from forcegen.workspace.intel.store import Filters

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "BadQuery", "filters_from", "limit_from"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_MAX_VALUES = 100
_KNOWN = {"added_after", "limit", "next", "match[id]", "match[type]", "match[version]",
          "match[spec_version]"}


class BadQuery(WorkspaceError):
    """A malformed or unsupported query parameter (400), naming it."""

    status = 400
    code = "bad_request"


def _values(query: QueryParams, name: str) -> tuple[str, ...]:
    raw = query.getlist(name)
    if len(raw) > 1:
        raise BadQuery(f"{name}: give it once, with comma-separated values", field=name)
    values = tuple(v.strip() for v in raw[0].split(",")) if raw else ()
    if len(values) > _MAX_VALUES or any(not v or len(v) > 200 for v in values):
        raise BadQuery(f"{name}: expected 1-{_MAX_VALUES} non-empty values", field=name)
    return values


def _versions(values: tuple[str, ...], default: str) -> tuple[str, ...]:
    out = []
    for v in values:
        if v in ("first", "last", "all"):
            out.append(v)
            continue
        try:
            out.append(version_key(v, "match[version]"))
        except StixError as exc:
            raise BadQuery(f"{exc}, or first, last, all", field="match[version]") from None
    return tuple(out) or (default,)


def filters_from(query: QueryParams, allowed: set[str], default_version: str = "last"
                 ) -> Filters:
    """The filters of a request; an unknown or malformed parameter is a :class:`BadQuery`."""
    for name in query:
        if name not in _KNOWN or (name.startswith("match[") and name not in allowed):
            raise BadQuery(f"unsupported query parameter {name!r} here", field=name)
    after = None
    raw_after = _values(query, "added_after")
    if len(raw_after) > 1:
        raise BadQuery("added_after: expected one timestamp", field="added_after")
    if raw_after:
        try:
            key = version_key(raw_after[0], "added_after")
        except StixError as exc:
            raise BadQuery(str(exc), field="added_after") from None
        after = dt.datetime.strptime(key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    types = _values(query, "match[type]")
    unknown = [t for t in types if t not in ALLOWED_TYPES]
    if unknown:
        raise BadQuery(f"match[type]: {unknown[0]!r} is not a type this server holds",
                       field="match[type]")
    spec = _values(query, "match[spec_version]")
    if any(s not in ("2.0", "2.1") for s in spec):
        raise BadQuery("match[spec_version]: expected 2.0 or 2.1", field="match[spec_version]")
    return Filters(after, _values(query, "match[id]"), types,
                   _versions(_values(query, "match[version]"), default_version), spec)


def limit_from(query: QueryParams) -> int:
    """``limit``: 1-1000, 100 when absent (:class:`BadQuery` otherwise)."""
    raw = _values(query, "limit")
    if not raw:
        return DEFAULT_LIMIT
    try:
        value = int(raw[0])
    except ValueError:
        raise BadQuery(f"limit: expected a whole number, got {raw[0]!r}", field="limit") from None
    if not 1 <= value <= MAX_LIMIT:
        raise BadQuery(f"limit: expected 1-{MAX_LIMIT}, got {value}", field="limit")
    return value
