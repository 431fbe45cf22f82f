"""Which labels an author may grant: the choices a label picker offers, and the check behind it.

An author holding some clearances (:class:`~forcegen.labels.decide.Clearance`, one per policy)
may grant, under any policy:

* a classification one of their clearances dominates (after policy equivalence);
* a restrictive value (special handling caveat) they hold;
* a permissive value they hold, for categories with a closed list of values (communities of
  interest): marking an item for a community one is not part of would hide it from oneself;
* any value of a permissive category with open values (a pattern: "Releasable To" nations,
  TLP "Recipients"): releasability is the author's to choose (a British author may release to
  New Zealand without being a New Zealander), as :func:`~forcegen.labels.decide.check_author`
  rules;
* any informative value (it decides nothing).

A label is grantable when *one* clearance allows all of it (:func:`why_not_grantable`): the
picker offers each part that some clearance allows, and the check decides the combination.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from forcegen.exceptions import LabelError
from forcegen.labels.decide import Clearance, check_author
from forcegen.labels.label import Category, Label, validate
from forcegen.labels.policy import CategoryDef, CategoryType, Policy
from forcegen.labels.registry import PolicySet, default_policies

__all__ = ["CategoryChoice", "PolicyChoice", "grantable", "why_not_grantable"]

#: A value listed by a policy that marks what nobody may see: never offered.
_NOBODY = "NONE"


@dataclass(frozen=True)
class CategoryChoice:
    """A category of a policy as a picker offers it: the values the author may grant."""

    tag: str
    type: CategoryType
    values: tuple[str, ...]
    #: Values outside the list may be typed (the category's pattern accepts them).
    open: bool


@dataclass(frozen=True)
class PolicyChoice:
    """A policy as a picker offers it: grantable classifications (lowest first), categories."""

    id: str
    name: str
    classifications: tuple[str, ...]
    categories: tuple[CategoryChoice, ...]


def _authorises(label: Label, clearance: Clearance, ps: PolicySet) -> bool:
    try:
        check_author(label, clearance, ps)
    except LabelError:
        return False
    return True


def _holds(clearance: Clearance, tag: str, value: str, ps: PolicySet) -> bool:
    return value in ps.expand(clearance.categories).get(tag, frozenset())


def _category_choice(
    pol: Policy,
    cdef: CategoryDef,
    clearances: Sequence[Clearance],
    ps: PolicySet,
    extra: Iterable[str],
) -> CategoryChoice | None:
    lowest = pol.classifications[0].name
    listed = sorted(v for v in cdef.values if v != _NOBODY)
    if cdef.type == "restrictive":
        values = [
            v
            for v in listed
            if any(
                _authorises(
                    Label(pol.id, lowest, (Category(cdef.tag, "restrictive", (v,)),)), c, ps
                )
                for c in clearances
            )
        ]
    elif cdef.type == "permissive" and cdef.pattern is None:
        values = [v for v in listed if any(_holds(c, cdef.tag, v, ps) for c in clearances)]
    else:  # open permissive values and informative ones: the author's choice
        values = listed + sorted({v for v in extra if cdef.accepts(v)} - set(listed))
    is_open = cdef.pattern is not None and cdef.type != "restrictive"
    if not values and not is_open:
        return None
    return CategoryChoice(cdef.tag, cdef.type, tuple(values), is_open)


def grantable(
    clearances: Sequence[Clearance],
    policies: PolicySet | None = None,
    *,
    only: Iterable[str] | None = None,
    values: Mapping[str, Iterable[str]] | None = None,
) -> tuple[PolicyChoice, ...]:
    """What a label picker offers an author holding ``clearances``.

    ``only``: the policies to offer (default: every loaded one); ``values``: values to offer
    besides a category's listed ones, by tag (e.g. the workspace's nations under "Releasable
    To"), where the category accepts them. A policy under which the author may grant no
    classification is left out.

    >>> from forcegen.labels.decide import clearance_for
    >>> [p.id for p in grantable([clearance_for("GBR", "NATO RESTRICTED")], only=["NATO", "TLP"])]
    ['NATO']
    """
    ps = policies or default_policies()
    wanted = set(ps.policies) if only is None else set(only)
    out = []
    for pid in sorted(wanted & set(ps.policies)):
        pol = ps.get(pid)
        levels = tuple(
            c.name
            for c in pol.classifications
            if any(_authorises(Label(pid, c.name), cl, ps) for cl in clearances)
        )
        if not levels:
            continue
        cats = [
            _category_choice(pol, cdef, clearances, ps, (values or {}).get(tag, ()))
            for tag, cdef in pol.categories.items()
        ]
        out.append(PolicyChoice(pid, pol.name, levels, tuple(c for c in cats if c is not None)))
    return tuple(out)


def _why(label: Label, clearance: Clearance, ps: PolicySet) -> str | None:
    try:
        check_author(label, clearance, ps)
    except LabelError as exc:
        return str(exc).removeprefix("label above the author's clearance: ")
    pol = ps.get(label.policy)
    for cat in label.categories:
        cdef = pol.categories[cat.tag]
        if cat.type != "permissive" or cdef.pattern is not None:
            continue
        missing = [v for v in cat.values if not _holds(clearance, cat.tag, v, ps)]
        if missing:
            return f"{cat.tag} {', '.join(missing)} is not held; only values you hold"
    return None


def why_not_grantable(
    label: Label, clearances: Sequence[Clearance], policies: PolicySet | None = None
) -> str | None:
    """``None`` if one of ``clearances`` may grant ``label``, else why not (the first's reason).

    Raises
    ------
    forcegen.exceptions.LabelError
        The label is invalid under its policy.
    """
    ps = policies or default_policies()
    validate(label, ps)
    reasons = [_why(label, c, ps) for c in clearances]
    if any(r is None for r in reasons):
        return None
    return reasons[0] if reasons else "no clearance"
