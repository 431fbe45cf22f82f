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
:func:`forcegen.labels.legacy.legacy_to_label` builds it. The engine stays the authority:
rows served are checked again with ``readers.Reader``; a property test checks that this
condition selects exactly the rows the engine releases, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, false, func, literal, or_

from forcegen.labels.decide import Clearance
from forcegen.workspace.label_store import DEFAULT_POLICY, REL, policies

__all__ = ["LabelExprs", "columns_of", "snapshot_exprs", "visible_sql"]


@dataclass(frozen=True)
class LabelExprs:
    """SQL expressions for a label's policy, rank, restrictive and permissive tokens."""

    policy: Any
    rank: Any
    restrictive: Any
    permissive: Any


def _legacy_permissive(stored_policy: Any, permissive: Any, releasable: Any,
                       owner: Any) -> Any:
    """The permissive tokens of a row: its own, or for a legacy row those of its legacy label.

    ``",FRA,GBR,"`` -> ``",Releasable To=FRA,Releasable To=GBR,Releasable To="`` and the
    owner's token; the dangling last token has no closing comma, so it never matches.
    """
    legacy: Any = func.replace(releasable, ",", f",{REL}=", type_=String())
    if owner is not None:
        legacy = legacy + literal(f",{REL}=") + func.coalesce(owner, "") + literal(",")
    return case((stored_policy.is_(None), legacy), else_=permissive)


def columns_of(table: Any, owner: Any = None) -> LabelExprs:
    """The label expressions of a labelled table (``owner``: the owning nation's column)."""
    c = table.c if hasattr(table, "c") else table
    return LabelExprs(
        func.coalesce(c.label_policy, DEFAULT_POLICY),
        func.coalesce(c.label_rank, c.classification),
        c.label_restrictive,
        _legacy_permissive(c.label_policy, c.label_permissive, c.releasable_to, owner),
    )


def snapshot_exprs(snapshot: Any, owner_key: str | None) -> LabelExprs:
    """The label expressions of an audit snapshot (a JSON column).

    A snapshot without any label field is an unclassified, coalition-wide legacy label.
    """
    policy = snapshot["label_policy"].as_string()
    owner = snapshot[owner_key].as_string() if owner_key else None
    return LabelExprs(
        func.coalesce(policy, DEFAULT_POLICY),
        func.coalesce(snapshot["label_rank"].as_integer(),
                      snapshot["classification"].as_integer(), 0),
        snapshot["label_restrictive"].as_string(),
        _legacy_permissive(policy, snapshot["label_permissive"].as_string(),
                           snapshot["releasable_to"].as_string(), owner),
    )


def _one(reader: Clearance, e: LabelExprs) -> ColumnElement[bool]:
    ps = policies()
    q = ps.get(reader.policy)
    held_rank = q.rank(reader.classification)
    ranked = []
    for pid, pol in sorted(ps.policies.items()):
        ok = [k for k in range(len(pol.classifications))
              if 0 <= ps.map_rank(pid, k, q.id) <= held_rank]
        if ok:
            ranked.append(and_(e.policy == pid, e.rank.in_(ok)))
    if not ranked:
        return false()
    held = ps.expand(reader.categories)
    toks = sorted(f"{tag}={v}" for tag, vals in held.items() for v in vals)
    stripped: Any = e.restrictive
    for tok in toks:
        stripped = func.replace(stripped, f",{tok},", ",", type_=String())
    restrictive = or_(e.restrictive.is_(None), stripped == ",")
    tags = sorted({t for p in ps.policies.values() for t, c in p.categories.items()
                   if c.type == "permissive"})
    permissive = []
    for tag in tags:
        hits = [e.permissive.contains(f",{tag}={v},", autoescape=True)
                for v in sorted(held.get(tag, ()))]
        absent = or_(e.permissive.is_(None),
                     ~e.permissive.contains(f",{tag}=", autoescape=True))
        permissive.append(or_(absent, *hits))
    return and_(or_(*ranked), restrictive, *permissive)


def visible_sql(clearances: Sequence[Clearance], e: LabelExprs) -> ColumnElement[bool]:
    """SQL: the rows whose label (``e``) some clearance in ``clearances`` releases."""
    if not clearances:
        return false()
    parts = [_one(c, e) for c in clearances]
    return parts[0] if len(parts) == 1 else or_(*parts)
