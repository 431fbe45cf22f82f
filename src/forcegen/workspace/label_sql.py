"""The labels engine's decision compiled into one SQL condition (a pre-filter for speed).

For a reader's clearances (``readers.clearances_of``) the rules of
:func:`forcegen.labels.decide.decide` become, per clearance (policy Q, rank r, held values H
with the declared equivalents):

1. classification: ``label_policy = P AND label_rank IN (ranks of P whose equivalent under Q
   is at or below r)`` for each loaded policy P;
2. restrictive: removing every held token ``",tag=value,"`` from ``label_restrictive`` with
   nested ``REPLACE`` leaves ``","`` (or the column is ``NULL``): every caveat is held;
3. permissive: for each permissive tag of any policy, the label has no ``",tag="`` token or
   has one of the held ``",tag=value,"`` tokens.

The clearances are OR-ed. The token form (``label_store.tokens``) makes each ``LIKE`` match
whole tokens only: tags hold no ``=`` or ``,``, values no ``,``, and ``%``/``_`` are escaped.
Rows with no ``label_policy`` (legacy) are read as their legacy label, built in SQL the way
:func:`forcegen.labels.legacy.legacy_to_label` builds it, in a branch of their own. The
engine stays the authority: rows served are checked again with ``readers.Reader``; a property
test checks that this condition selects exactly the rows the engine releases, on SQLite and
PostgreSQL. A table's condition is built once per distinct set of clearances (cached).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, and_, false, func, literal, null, or_
from sqlalchemy.sql.elements import Null

from forcegen.labels.decide import Clearance
from forcegen.workspace.label_store import DEFAULT_POLICY, REL, policies

__all__ = [
    "LabelExprs",
    "LabelSource",
    "clearance_key",
    "columns_of",
    "snapshot_exprs",
    "table_visible_sql",
    "visible_sql",
]


@dataclass(frozen=True)
class LabelExprs:
    """SQL expressions for a label's policy, rank, restrictive and permissive tokens."""

    policy: Any
    rank: Any
    restrictive: Any
    permissive: Any
    #: ``label_open`` (1: no category, the rank alone decides), where the source has it.
    open: Any = None


@dataclass(frozen=True)
class LabelSource:
    """Where a label is read from: the stored form, or (``stored_policy`` NULL) the legacy one."""

    stored_policy: Any
    stored: LabelExprs
    legacy: LabelExprs


def _legacy_tokens(releasable: Any, owner: Any) -> Any:
    """The permissive tokens of a legacy label, built from its releasability and owner.

    ``",FRA,GBR,"`` -> ``",Releasable To=FRA,Releasable To=GBR,Releasable To="`` and the
    owner's token; the dangling last token has no closing comma, so it never matches.
    """
    legacy: Any = func.replace(releasable, ",", f",{REL}=", type_=String())
    if owner is not None:
        legacy = legacy + literal(f",{REL}=") + func.coalesce(owner, "") + literal(",")
    return legacy


def columns_of(table: Any, owner: Any = None) -> LabelSource:
    """The label of a labelled table's rows (``owner``: the owning nation's column)."""
    c = table.c if hasattr(table, "c") else table
    return LabelSource(
        c.label_policy,
        LabelExprs(c.label_policy, c.label_rank, c.label_restrictive, c.label_permissive,
                   c.label_open),
        LabelExprs(literal(DEFAULT_POLICY), c.classification, null(),
                   _legacy_tokens(c.releasable_to, owner)),
    )


def snapshot_exprs(snapshot: Any, owner_key: str | None) -> LabelSource:
    """The label of an audit snapshot (a JSON column).

    A snapshot without any label field is an unclassified, coalition-wide legacy label.
    """
    policy = snapshot["label_policy"].as_string()
    owner = snapshot[owner_key].as_string() if owner_key else None
    return LabelSource(
        policy,
        LabelExprs(policy, snapshot["label_rank"].as_integer(),
                   snapshot["label_restrictive"].as_string(),
                   snapshot["label_permissive"].as_string()),
        LabelExprs(literal(DEFAULT_POLICY),
                   func.coalesce(snapshot["classification"].as_integer(), 0), null(),
                   _legacy_tokens(snapshot["releasable_to"].as_string(), owner)),
    )


def _ranks(reader: Clearance, e: LabelExprs) -> ColumnElement[bool]:
    """Per label policy, the ranks whose equivalent the clearance dominates."""
    ps = policies()
    q = ps.get(reader.policy)
    held_rank = q.rank(reader.classification)
    whole: list[str] = []
    ranked = []
    for pid, pol in sorted(ps.policies.items()):
        ok = [k for k in range(len(pol.classifications))
              if 0 <= ps.map_rank(pid, k, q.id) <= held_rank]
        if len(ok) == len(pol.classifications):
            whole.append(pid)  # every classification of the policy: its id decides
        elif ok:
            ranked.append(and_(e.policy == pid, e.rank.in_(ok)))
    if whole:
        ranked.insert(0, e.policy.in_(whole))
    return or_(*ranked) if ranked else false()


def _like(column: Any, token: str) -> ColumnElement[bool]:
    """``column`` contains ``token`` literally (one bound pattern, ``%``/``_`` escaped)."""
    escaped = token.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.like(f"%{escaped}%", escape="/")


def _one(reader: Clearance, e: LabelExprs) -> ColumnElement[bool]:
    ps = policies()
    held = ps.expand(reader.categories)
    kinds: dict[str, set[str]] = {}
    for pol in ps.policies.values():
        for tag, cdef in pol.categories.items():
            kinds.setdefault(cdef.type, set()).add(tag)
    parts: list[ColumnElement[bool]] = []
    if e.restrictive is not None and not isinstance(e.restrictive, Null):
        stripped: Any = e.restrictive
        for tag in sorted(kinds.get("restrictive", ())):
            for v in sorted(held.get(tag, ())):
                stripped = func.replace(stripped, f",{tag}={v},", ",", type_=String())
        parts.append(or_(e.restrictive.is_(None), stripped == ","))
    for tag in sorted(kinds.get("permissive", ())):
        hits = [_like(e.permissive, f",{tag}={v},") for v in sorted(held.get(tag, ()))]
        absent = or_(e.permissive.is_(None), ~_like(e.permissive, f",{tag}="))
        parts.append(or_(absent, *hits))
    categories = and_(*parts)
    if e.open is not None:  # a label without categories: its rank alone decides
        categories = or_(e.open == 1, categories)
    return and_(_ranks(reader, e), categories)


def visible_sql(clearances: Sequence[Clearance], source: LabelSource) -> ColumnElement[bool]:
    """SQL: the rows whose label some clearance in ``clearances`` releases.

    Two branches, so that each row evaluates only its own form's condition: the stored form
    (plain columns), and the legacy form for rows without a stored policy.
    """
    if not clearances:
        return false()

    def any_of(e: LabelExprs) -> ColumnElement[bool]:
        parts = [_one(c, e) for c in clearances]
        return parts[0] if len(parts) == 1 else or_(*parts)

    return or_(
        and_(source.stored_policy.is_not(None), any_of(source.stored)),
        and_(source.stored_policy.is_(None), any_of(source.legacy)),
    )


_CACHE: dict[tuple[Any, ...], ColumnElement[bool]] = {}


def clearance_key(clearances: Sequence[Clearance]) -> tuple[Any, ...]:
    """A hashable key of what a set of clearances holds."""
    return tuple((c.policy, c.classification, tuple(sorted(
        (t, tuple(sorted(v))) for t, v in c.categories.items()))) for c in clearances)


def table_visible_sql(clearances: Sequence[Clearance], table: Any,
                      owner: Any = None) -> ColumnElement[bool]:
    """:func:`visible_sql` over a labelled table's columns, built once per set of clearances."""
    c = table.c if hasattr(table, "c") else table
    name = next(iter(c)).table.name
    key = (clearance_key(clearances), name, getattr(owner, "key", None))
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= 1_000:
            _CACHE.clear()
        found = _CACHE[key] = visible_sql(clearances, columns_of(c, owner))
    return found
