"""Labels in the STANAG 4774 structure, their validation, display marking and JSON form.

A :class:`Label` holds what a 4774 ``ConfidentialityInformation`` holds (policy identifier,
classification, categories each with tag name, type and values) plus the creation time and
the originator. Labels are values: categories sorted by tag, values sorted and unique, so two
labels that say the same thing are equal and serialise to the same bytes (which binding signs).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from forcegen.exceptions import LabelError, one_of
from forcegen.labels.policy import CATEGORY_TYPES, CategoryType, Policy
from forcegen.labels.registry import PolicySet, default_policies

__all__ = [
    "Category",
    "Label",
    "label_from_json",
    "label_to_json",
    "make_label",
    "marking",
    "translate",
    "utc_time",
    "validate",
]

_MAX_VALUES = 1_000
_MAX_CATEGORIES = 64
_ORIGINATOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Category:
    """One 4774 category of a label: tag name, type and values (sorted, unique)."""

    tag: str
    type: CategoryType
    values: tuple[str, ...]


@dataclass(frozen=True)
class Label:
    """A confidentiality label (STANAG 4774 structure); build with :func:`make_label`."""

    policy: str
    classification: str
    categories: tuple[Category, ...] = ()
    created: str | None = None
    originator: str | None = None
    _index: dict[str, Category] = field(default_factory=dict, compare=False, repr=False)

    def category(self, tag: str) -> Category | None:
        """The category with this tag name, if the label has one."""
        if not self._index and self.categories:
            self._index.update((c.tag, c) for c in self.categories)
        return self._index.get(tag)


def utc_time(created: str | dt.datetime | None) -> str | None:
    """A creation time as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC); :class:`LabelError` if unreadable."""
    if created is None:
        return None
    if isinstance(created, str):
        try:
            created = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            raise LabelError(f"creation time {created!r}: expected ISO 8601, e.g. "
                             "2026-12-01T09:30:00Z") from None
    if created.tzinfo is None:
        raise LabelError("creation time must say its time zone (UTC: a trailing Z)")
    return created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_label(
    policy: str,
    classification: str,
    categories: Mapping[str, Iterable[str]] | None = None,
    *,
    originator: str | None = None,
    created: str | dt.datetime | None = None,
    policies: PolicySet | None = None,
) -> Label:
    """A validated label; each category's type is taken from the policy.

    >>> make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["NZL", "GBR"]}).categories
    (Category(tag='Releasable To', type='permissive', values=('GBR', 'NZL')),)

    Raises
    ------
    forcegen.exceptions.LabelError
        Unknown policy, classification, category or value (naming what was expected).
    """
    ps = policies or default_policies()
    pol = ps.policies.get(policy)
    if pol is None:
        raise LabelError(f"unknown policy {policy!r}; expected {one_of(ps.policies)}")
    cats = []
    for tag, values in (categories or {}).items():
        cdef = pol.categories.get(tag)
        if cdef is None:
            raise LabelError(f"policy {policy} has no category {tag!r}; expected "
                             f"{one_of(pol.categories)}")
        cats.append(Category(tag, cdef.type, tuple(sorted(set(values)))))
    label = Label(policy, classification, tuple(sorted(cats, key=lambda c: c.tag)),
                  utc_time(created), originator)
    validate(label, ps)
    return label


def _check_category(cat: Category, pol: Policy, seen: set[str]) -> None:
    """One category of a label: known to the policy, once, of its type, values allowed."""
    cdef = pol.categories.get(cat.tag)
    if cdef is None:
        raise LabelError(f"policy {pol.id} has no category {cat.tag!r}; expected "
                         f"{one_of(pol.categories)}")
    if cat.tag in seen:
        raise LabelError(f"category {cat.tag!r} appears twice")
    seen.add(cat.tag)
    if cat.type != cdef.type:
        raise LabelError(f"category {cat.tag!r} is {cdef.type} in policy {pol.id}, "
                         f"the label says {cat.type!r}")
    if not cat.values:
        raise LabelError(f"category {cat.tag!r} has no value; a 4774 category needs one")
    if len(cat.values) > _MAX_VALUES:
        raise LabelError(f"category {cat.tag!r} has more than {_MAX_VALUES} values")
    if list(cat.values) != sorted(set(cat.values)):
        raise LabelError(f"category {cat.tag!r}: values must be sorted and unique")
    bad = [v for v in cat.values if not cdef.accepts(v)]
    if bad:
        raise LabelError(f"category {cat.tag!r} of policy {pol.id} has no value "
                         f"{bad[0]!r}; expected {one_of(cdef.values) if cdef.values else ''}"
                         f"{' or ' if cdef.values and cdef.pattern else ''}"
                         f"{'values matching ' + cdef.pattern.pattern if cdef.pattern else ''}")


def validate(label: Label, policies: PolicySet | None = None) -> None:
    """Check a label against its policy; :class:`LabelError` with the reason if it is invalid."""
    ps = policies or default_policies()
    pol = ps.policies.get(label.policy)
    if pol is None:
        raise LabelError(f"unknown policy {label.policy!r}; expected {one_of(ps.policies)}")
    if not any(c.name == label.classification for c in pol.classifications):
        raise LabelError(f"classification {label.classification!r} is not in policy {pol.id}; "
                         f"expected {one_of((c.name for c in pol.classifications), 64)}")
    if len(label.categories) > _MAX_CATEGORIES:
        raise LabelError(f"more than {_MAX_CATEGORIES} categories")
    seen: set[str] = set()
    for cat in label.categories:
        _check_category(cat, pol, seen)
    if label.originator is not None and not _ORIGINATOR.fullmatch(label.originator):
        raise LabelError(f"originator {label.originator!r}: expected a nation code or an id of "
                         "letters, digits, ' ._:-' (at most 64)")
    if label.created is not None and utc_time(label.created) != label.created:
        raise LabelError(f"creation time {label.created!r}: expected YYYY-MM-DDTHH:MM:SSZ")


def marking(label: Label, policies: PolicySet | None = None) -> str:
    """The display marking, e.g. ``NATO RESTRICTED REL TO GBR, NZL`` or ``TLP:AMBER+STRICT``.

    Categories appear in the policy's order, each by its marking template (informative ones
    and templates left empty are not shown).
    """
    ps = policies or default_policies()
    validate(label, ps)
    pol = ps.get(label.policy)
    parts = [pol.classification(label.classification).marking]
    for tag, cdef in pol.categories.items():
        cat = label.category(tag)
        if cat is None or not cdef.marking:
            continue
        parts.append(cdef.marking.replace("{values}", ", ".join(cat.values)))
    return " ".join(parts)


def translate(label: Label, target: str, policies: PolicySet | None = None) -> Label:
    """The same label under policy ``target`` by the declared equivalence.

    Categories whose tag ``target`` does not define are refused (dropping one could release
    the item more widely). A value ``target`` does not accept becomes its declared equivalent
    there (the first in sort order), if any; otherwise the translation is refused.
    """
    ps = policies or default_policies()
    validate(label, ps)
    src, dst = ps.get(label.policy), ps.get(target)
    rank = ps.map_rank(src.id, src.rank(label.classification), dst.id)
    if rank < 0:
        raise LabelError(f"policy {dst.id} declares no equivalent of {src.id} "
                         f"{label.classification}")
    cats = tuple(Category(c.tag, c.type, _values_under(ps, dst.categories.get(c.tag), c))
                 for c in label.categories)
    out = Label(dst.id, dst.classifications[rank].name, cats, label.created,
                label.originator)
    validate(out, ps)
    return out


def _values_under(ps: PolicySet, cdef: Any, cat: Category) -> tuple[str, ...]:
    if cdef is None:
        return cat.values  # validate() names the missing category
    out = set()
    for v in cat.values:
        same = sorted(x for x in ps.equivalent_values(cat.tag, v) if cdef.accepts(x))
        out.add(v if cdef.accepts(v) or not same else same[0])
    return tuple(sorted(out))


def label_to_json(label: Label) -> dict[str, Any]:
    """The JSON form (keys as in STANAG 4774, camel case)."""
    return {
        "policyIdentifier": label.policy,
        "classification": label.classification,
        "categories": [{"tagName": c.tag, "type": c.type.upper(), "values": list(c.values)}
                       for c in label.categories],
        "creationDateTime": label.created,
        "originatorId": label.originator,
    }


def _field(obj: Mapping[str, Any], key: str, kind: type, optional: bool = False) -> Any:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind):
        raise LabelError(f"label JSON [{key}]: expected {kind.__name__}, got "
                         f"{type(value).__name__}")
    return value


def label_from_json(obj: Any, policies: PolicySet | None = None) -> Label:
    """A label from its JSON form, validated against its policy (:class:`LabelError`)."""
    if not isinstance(obj, Mapping):
        raise LabelError(f"label JSON: expected an object, got {type(obj).__name__}")
    unknown = set(obj) - {"policyIdentifier", "classification", "categories",
                          "creationDateTime", "originatorId"}
    if unknown:
        raise LabelError(f"label JSON: unknown key {sorted(unknown)[0]!r}")
    cats = []
    for i, raw in enumerate(_field(obj, "categories", list, optional=True) or []):
        if not isinstance(raw, Mapping):
            raise LabelError(f"label JSON [categories.{i}]: expected an object")
        ctype = str(_field(raw, "type", str)).lower()
        if ctype not in CATEGORY_TYPES:
            raise LabelError(f"label JSON [categories.{i}.type]: {raw.get('type')!r}; expected "
                             "PERMISSIVE, RESTRICTIVE or INFORMATIVE")
        values = _field(raw, "values", list)
        if not all(isinstance(v, str) for v in values):
            raise LabelError(f"label JSON [categories.{i}.values]: expected text values")
        cats.append(Category(_field(raw, "tagName", str), ctype,  # type: ignore[arg-type]
                             tuple(sorted(set(values)))))
    label = Label(_field(obj, "policyIdentifier", str), _field(obj, "classification", str),
                  tuple(sorted(cats, key=lambda c: c.tag)),
                  utc_time(_field(obj, "creationDateTime", str, optional=True)),
                  _field(obj, "originatorId", str, optional=True))
    validate(label, policies)
    return label
