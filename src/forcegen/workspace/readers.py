"""A workspace user as a reader under the labels engine: their clearances and memberships.

A user holds

* ``clearance``: their clearance under the default policy (NATO), a rank on the workspace's
  five-level scale, as before;
* ``clearances``: clearances under other policies, ``[{"policy": "GBR", "classification":
  "SECRET"}, ...]`` (one per policy);
* ``memberships``: category values granted by national vetting, ``{"Special Handling":
  ["ATOMAL"], "Community": ["INTEL"], "Releasable To": ["FVEY"]}``.

Under each policy they hold that policy's clearance, the memberships whose tag the policy
defines and, under "Releasable To", their nation and every group *any* loaded policy lists it
in (as :func:`forcegen.labels.decide.clearance_for` does for one policy). A nation held by
membership brings its groups too, as for a national: holding ``GBR`` means being released to
as ``GBR``, whatever the policy. This is what lets a product's label name the nations every
input reaches (``label_store.join``) without releasing it to anyone an input would deny.

An item is visible when :func:`forcegen.labels.decide.decide` releases its label under *any*
of the user's clearances.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forcegen.exceptions import LabelError, one_of
from forcegen.labels.decide import Clearance, decide
from forcegen.labels.label import Label
from forcegen.labels.legacy import NATO_LEVELS
from forcegen.workspace.accounts import User
from forcegen.workspace.label_sql import clearance_key
from forcegen.workspace.label_store import DEFAULT_POLICY, REL, policies, row_label

__all__ = ["MAX_MEMBERSHIP_VALUES", "Reader", "check_clearances", "check_memberships",
           "clearances_of"]

#: At most this many values across a user's memberships.
MAX_MEMBERSHIP_VALUES = 200
_NOBODY = "NONE"  # "Releasable To: NONE" is the label of what no nation may see


def _held(user: User, policy: str, memberships: Mapping[str, list[str]]) -> dict[str, set[str]]:
    ps = policies()
    pol = ps.get(policy)
    held = {tag: set(vals) for tag, vals in memberships.items() if tag in pol.categories}
    if REL in pol.categories:
        nations = held.setdefault(REL, set())
        if user.nation:
            nations.add(user.nation)
        # Every group any loaded policy lists a held nation in: holding a nation means being
        # released to as that nation under every clearance (labels.md, "the workspace").
        for value in list(nations):
            for other in ps.policies.values():
                nations |= other.groups_of(value)
    return held


def clearances_of(user: User) -> tuple[Clearance, ...]:
    """Every clearance ``user`` holds, the default policy's first.

    Stored values are checked again: an unknown policy or classification is skipped, granting
    nothing.
    """
    rank = user.clearance or 0
    memberships = user.memberships or {}
    wanted = [(DEFAULT_POLICY, NATO_LEVELS[rank] if 0 <= rank < len(NATO_LEVELS) else "")]
    wanted += [(str(c.get("policy")), str(c.get("classification")))
               for c in (user.clearances or []) if isinstance(c, dict)]
    out = []
    for policy, level in wanted:
        if policy not in policies():
            continue
        try:
            policies().get(policy).rank(level)
        except KeyError:
            continue
        held = _held(user, policy, memberships)
        out.append(Clearance(policy, level, {t: frozenset(v) for t, v in held.items()},
                             user.nation or None))
    return tuple(out)


#: Decisions remembered across requests: (clearances, label) -> released.
_DECISIONS: dict[tuple[Any, Label], bool] = {}
_MAX_DECISIONS = 100_000


class Reader:
    """A user's decisions, remembered per distinct label (a page repeats a few labels)."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.clearances = clearances_of(user)
        self._key = clearance_key(self.clearances)
        self._rows: dict[Any, bool] = {}

    def sees(self, label: Label) -> bool:
        """Whether any of the user's clearances releases ``label`` (the engine decides).

        A decision depends on nothing but the label and the clearances (the policies are
        fixed for the process), so it is remembered across requests, keyed by both.
        """
        key = (self._key, label)
        known = _DECISIONS.get(key)
        if known is None:
            known = any(decide(label, c, policies()).allowed for c in self.clearances)
            if len(_DECISIONS) >= _MAX_DECISIONS:
                _DECISIONS.clear()
            _DECISIONS[key] = known
        return known

    def sees_row(self, values: Mapping[str, Any] | Any, owner: str | None = None) -> bool:
        """:meth:`sees` for a stored row or snapshot (an unreadable label is hidden).

        Remembered by the stored label text (or legacy columns and owner), so a page of rows
        sharing a few labels parses and decides each once.
        """
        get = values.get if isinstance(values, Mapping) else (lambda k: getattr(values, k, None))
        text = get("label")
        key: Any = text if isinstance(text, str) else (
            None if text else (get("classification"), get("releasable_to"), owner))
        if key is not None:
            known = self._rows.get(key)
            if known is not None:
                return known
        try:
            seen = self.sees(row_label(values, owner))
        except (LabelError, ValueError, TypeError):
            seen = False
        if key is not None:
            self._rows[key] = seen
        return seen


def check_clearances(raw: list[dict[str, str]] | None) -> list[dict[str, str]] | None:
    """Validated clearances under policies other than the default (one per policy).

    Raises
    ------
    forcegen.exceptions.LabelError
        Unknown policy or classification, the default policy (set ``clearance``), a policy twice.
    """
    if raw is None:
        return None
    out: list[dict[str, str]] = []
    for item in raw:
        policy, level = item["policy"], item["classification"]
        if policy == DEFAULT_POLICY:
            raise LabelError(f"the {DEFAULT_POLICY} clearance is the 'clearance' field")
        if policy not in policies():
            raise LabelError(f"unknown policy {policy!r}; expected {one_of(policies().policies)}")
        try:
            policies().get(policy).rank(level)
        except KeyError as exc:
            raise LabelError(exc.args[0]) from None
        if any(c["policy"] == policy for c in out):
            raise LabelError(f"policy {policy} is listed twice")
        out.append({"policy": policy, "classification": level})
    return sorted(out, key=lambda c: c["policy"]) or None


def check_memberships(raw: Mapping[str, list[str]] | None) -> dict[str, list[str]] | None:
    """Validated category memberships (each value allowed by a policy defining the tag).

    Raises
    ------
    forcegen.exceptions.LabelError
        An unknown tag, a value no policy's category of that tag allows, ``NONE``, too many.
    """
    if raw is None:
        return None
    defs = [(p.id, p.categories) for p in policies().policies.values()]
    out: dict[str, list[str]] = {}
    count = 0
    for tag, values in raw.items():
        cats = [cats[tag] for _, cats in defs if tag in cats]
        if not cats:
            tags = sorted({t for _, c in defs for t in c})
            raise LabelError(f"unknown category {tag!r}; expected {one_of(tags)}")
        for v in values:
            if tag == REL and v == _NOBODY:
                raise LabelError(f"{REL}: {_NOBODY} marks what nobody may see; nobody holds it")
            if not any(c.accepts(v) for c in cats) or "," in v:
                raise LabelError(f"category {tag!r} has no value {v!r} under any policy")
        count += len(values)
        if values:
            out[tag] = sorted(set(values))
    if count > MAX_MEMBERSHIP_VALUES:
        raise LabelError(f"at most {MAX_MEMBERSHIP_VALUES} membership values")
    return out or None
