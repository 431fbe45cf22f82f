"""The workspace's labels as ``forcegen.labels`` labels: the stored form and the legacy view.

Every requirement, pledge and sourcing run carries a STANAG 4774 label (``forcegen.labels``)
under one of the loaded policies (NATO, GBR, NZL, ...). It is stored as

* ``label``: the label's JSON form (canonical text): **the authority** for every decision;
* ``label_policy``, ``label_rank``: its policy and classification rank under that policy;
* ``label_restrictive``, ``label_permissive``: its restrictive and permissive values as
  tokens ``",Special Handling=ATOMAL,Releasable To=GBR,"`` (sorted; ``NULL`` when none), so
  that SQL can pre-filter with ``LIKE`` and ``REPLACE`` (``label_sql``);
* ``classification``, ``releasable_to``: the default policy's view (NATO on the workspace's
  five-level scale, and the "Releasable To" values), which the API's ``classification`` and
  ``releasable_to`` fields keep showing and which runs are capped by.

A row whose ``label_policy`` is ``NULL`` (written before migration 0007, or by hand) has the
legacy label of its ``classification`` and ``releasable_to`` (and owner), mapped by
:mod:`forcegen.labels.legacy`; the migration converts every existing row to the stored form.

Only labels that have an equivalent under the default policy are kept (so every item has a
place on the common scale and a product of several can be labelled); tags may not contain
``=`` or ``,``, and values not ``,`` (the token form's delimiters).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from forcegen.exceptions import LabelError, PolicyError
from forcegen.labels.label import Category, Label, label_from_json, label_to_json, translate
from forcegen.labels.legacy import NATO_LEVELS, legacy_to_label
from forcegen.labels.registry import PolicySet, default_policies

__all__ = [
    "DEFAULT_POLICY",
    "LABEL_COLUMNS",
    "REL",
    "label_columns",
    "label_json",
    "parse_label",
    "policies",
    "row_label",
    "tokens",
    "view_of",
]

#: The policy of the workspace's common scale (the API's ``classification`` field).
DEFAULT_POLICY = "NATO"
REL = "Releasable To"
#: The stored columns of a label besides the default policy's view.
LABEL_COLUMNS = ("label", "label_policy", "label_rank", "label_restrictive", "label_permissive",
                 "label_open")


def policies() -> PolicySet:
    """The policies the workspace decides under (the shipped ones)."""
    return default_policies()


def label_json(label: Label) -> str:
    """The canonical JSON text of a label, as stored in ``label``."""
    return json.dumps(label_to_json(label), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def tokens(label: Label, kind: str) -> str | None:
    """The ``",tag=value,..."`` token text of the label's categories of type ``kind``."""
    toks = sorted(f"{c.tag}={v}" for c in label.categories if c.type == kind for v in c.values)
    return "," + ",".join(toks) + "," if toks else None


def view_of(label: Label) -> tuple[int, str | None]:
    """The default policy's view ``(rank, stored releasability)`` of a label.

    ``releasable_to`` lists the "Releasable To" values of the label under the default policy
    (``None``: no such category, releasable to the whole coalition; ``","``: to nobody).
    """
    nato = label if label.policy == DEFAULT_POLICY else translate(label, DEFAULT_POLICY,
                                                                  policies())
    rank = NATO_LEVELS.index(nato.classification)
    rel = nato.category(REL)
    if rel is None:
        return rank, None
    codes = [v for v in rel.values if v != "NONE"]
    return rank, ("," + ",".join(codes) + ",") if codes else ","


def _check_form(label: Label) -> None:
    for cat in label.categories:
        if "=" in cat.tag or "," in cat.tag:
            raise LabelError(f"category tag {cat.tag!r}: the workspace refuses '=' and ','")
        bad = [v for v in cat.values if "," in v]
        if bad:
            raise LabelError(f"category {cat.tag!r} value {bad[0]!r}: the workspace refuses ','")


def label_columns(label: Label, legacy_rel: str | None = None, *,
                  legacy: bool = False) -> dict[str, Any]:
    """Every stored label column of ``label`` (the authority and the default view).

    ``legacy``: the label was set through the legacy fields, whose ``releasable_to``
    (``legacy_rel``, without the owner the label adds) is kept as given.

    Raises
    ------
    forcegen.exceptions.LabelError
        The label has no equivalent under the default policy, or a delimiter in a tag/value.
    """
    _check_form(label)
    try:
        rank, rel = view_of(label)
    except (LabelError, PolicyError) as exc:
        raise LabelError(f"the workspace keeps labels that have an equivalent under the "
                         f"{DEFAULT_POLICY} policy: {exc}") from None
    restrictive, permissive = tokens(label, "restrictive"), tokens(label, "permissive")
    return {
        "label": label_json(label),
        "label_policy": label.policy,
        "label_rank": policies().get(label.policy).rank(label.classification),
        "label_restrictive": restrictive,
        "label_permissive": permissive,
        "label_open": int(restrictive is None and permissive is None),
        "classification": rank,
        "releasable_to": legacy_rel if legacy else rel,
    }


def parse_label(obj: Any) -> Label:
    """A label from its API JSON form (:class:`LabelError` naming the problem)."""
    label = label_from_json(obj, policies())
    _check_form(label)
    return label


def row_label(values: Mapping[str, Any] | Any, owner: str | None = None) -> Label:
    """The label of a stored row or an audit snapshot (a mapping or an object).

    The ``label`` column when set, else the legacy label of ``classification`` and
    ``releasable_to`` (and the owning nation). A stored label that no longer reads (a policy
    file changed) raises :class:`LabelError`; callers treat that as hidden (deny by default).
    """
    get = values.get if isinstance(values, Mapping) else (lambda k: getattr(values, k, None))
    text = get("label")
    if isinstance(text, str) and text:
        return _parsed(text)
    if text:
        return label_from_json(text, policies())
    rank = get("classification")
    rank = int(rank) if isinstance(rank, int | str) and str(rank).lstrip("-").isdigit() else 0
    return legacy_to_label(rank, get("releasable_to"), owner, policies())


@lru_cache(maxsize=8192)
def _parsed(text: str) -> Label:
    """A stored label text parsed and validated (labels are values: parsed once a process)."""
    return label_from_json(json.loads(text), policies())


def with_owner(label: Label, owner: str | None) -> Label:
    """``label`` with the owning nation added to its "Releasable To".

    The owner always sees its own items, as the workspace always decided; a label without
    that category is unchanged.
    """
    rel = label.category(REL)
    if owner is None or rel is None or owner in rel.values:
        return label
    values = tuple(sorted({*rel.values, owner} - {"NONE"}))
    cats = tuple(Category(c.tag, c.type, values) if c.tag == REL else c
                 for c in label.categories)
    return Label(label.policy, label.classification, cats, label.created, label.originator)


def join(labels: Iterable[Label]) -> Label:
    """The label of a product made of items with ``labels`` (the high-water mark).

    The highest classification, every restrictive value of any input, and for each
    permissive category the values every input that has it allows; a nation is allowed by an
    input releasable to a group any policy lists it in (whoever holds the nation holds the
    group, ``readers``). Under the inputs' one policy, else under the
    default policy (inputs translated). Nothing in common: "Releasable To: NONE" (nobody).
    Permissive categories other than "Releasable To" cannot be joined exactly ("INTEL" and
    "LOGISTICS or PLANNING" is not one category): the product keeps the values every input
    names, so a reader of every input may not see it; nobody who may not see an input does.
    """
    items = list(labels)
    ps = policies()
    if not items:
        return Label(DEFAULT_POLICY, NATO_LEVELS[0])
    pids = {lab.policy for lab in items}
    pid = pids.pop() if len(pids) == 1 else DEFAULT_POLICY
    items = [lab if lab.policy == pid else translate(lab, pid, ps) for lab in items]
    pol = ps.get(pid)
    rank = max(pol.rank(lab.classification) for lab in items)
    restrictive: dict[str, set[str]] = {}
    permissive: dict[str, set[str]] = {}
    for lab in items:
        for cat in lab.categories:
            if cat.type == "restrictive":
                restrictive.setdefault(cat.tag, set()).update(cat.values)
            elif cat.type == "permissive":
                allowed = _reach(ps, cat.tag, cat.values)
                permissive[cat.tag] = (allowed if cat.tag not in permissive
                                       else permissive[cat.tag] & allowed)
    cats = [Category(t, "restrictive", tuple(sorted(v))) for t, v in restrictive.items()]
    for values in permissive.values():
        if not values:
            if REL not in pol.categories or not pol.categories[REL].accepts("NONE"):
                return join([translate(lab, DEFAULT_POLICY, ps) for lab in items]
                            + [Label(DEFAULT_POLICY, NATO_LEVELS[0],
                                     (Category(REL, "permissive", ("NONE",)),))])
            cats = [c for c in cats if c.tag != REL]
            permissive = {REL: {"NONE"}}
            break
    cats += [Category(t, "permissive", tuple(sorted(v))) for t, v in permissive.items()]
    return Label(pid, pol.classifications[rank].name, tuple(sorted(cats, key=lambda c: c.tag)))


def _reach(ps: PolicySet, tag: str, values: Iterable[str]) -> set[str]:
    """The values and every member of a group among them, under any loaded policy.

    A reader holding a nation holds every group any policy lists it in (``readers``).
    """
    out = set(values)
    for v in list(out):
        for pol in ps.policies.values():
            cdef = pol.categories.get(tag)
            if cdef is not None:
                out |= cdef.groups.get(v, frozenset())
    return out
