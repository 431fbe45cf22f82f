"""The labels a user may grant, as a picker offers them, and the check a posted label passes.

The web forms (requirements, pledges, intel objects) offer only labels their author may grant
(:func:`forcegen.labels.grant.grantable`) and check a posted one again
(:func:`require_grantable`): a forged form naming a classification above the author's
clearance, a caveat or a community they do not hold, is refused with the reason, nothing
stored. The services then apply their own rules on top (``labelling.checked_columns``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from forcegen.exceptions import LabelError, PolicyError
from forcegen.labels.decide import Clearance
from forcegen.labels.grant import CategoryChoice, PolicyChoice, grantable, why_not_grantable
from forcegen.labels.label import Category, Label, translate
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Invalid
from forcegen.workspace.label_sql import clearance_key
from forcegen.workspace.label_store import DEFAULT_POLICY, REL, policies
from forcegen.workspace.readers import clearances_of

__all__ = ["item_policies", "label_choices", "require_grantable"]


@lru_cache(maxsize=1)
def item_policies() -> tuple[str, ...]:
    """The policies a requirement or pledge may be labelled under.

    Those whose every classification has an equivalent under the default policy (the
    workspace keeps every item's place on the common scale: ``label_store``).
    """
    out = []
    for pid, pol in sorted(policies().policies.items()):
        try:
            for c in pol.classifications:
                translate(Label(pid, c.name), DEFAULT_POLICY, policies())
        except (LabelError, PolicyError):
            continue
        out.append(pid)
    return tuple(out)


def label_choices(
    user: User,
    nations: Iterable[str],
    *,
    items: bool = True,
    clearances: Sequence[Clearance] | None = None,
) -> tuple[PolicyChoice, ...]:
    """What the label picker offers ``user``: ``items`` (requirements, pledges) or any policy.

    ``nations``: the nation codes offered under "Releasable To" besides the groups.
    """
    held = clearances_of(user) if clearances is None else clearances
    key = (clearance_key(held), tuple(sorted(nations)), items)
    known = _CHOICES.get(key)
    if known is not None:
        return known
    found = grantable(
        held, policies(), only=item_policies() if items else None, values={REL: key[1]}
    )
    # The default policy first: the picker starts there (the workspace's common scale).
    found = tuple(sorted(found, key=lambda p: (p.id != DEFAULT_POLICY, p.id)))
    out = tuple(_storable(p) for p in found) if items else found
    if len(_CHOICES) >= 1_000:
        _CHOICES.clear()
    _CHOICES[key] = out
    return out


#: The choices per set of clearances, nations and kind: they depend on nothing else (the
#: policies are fixed for the process), and a form is rendered often (measured 24 ms a
#: render uncached on the shared machine, load 18).
_CHOICES: dict[tuple[Any, ...], tuple[PolicyChoice, ...]] = {}


def _translates(policy: str, tag: str, value: str) -> bool:
    lowest = policies().get(policy).classifications[0].name
    cdef = policies().get(policy).categories[tag]
    try:
        translate(
            Label(policy, lowest, (Category(tag, cdef.type, (value,)),)), DEFAULT_POLICY, policies()
        )
    except (LabelError, PolicyError):
        return False
    return True


def _storable(choice: PolicyChoice) -> PolicyChoice:
    """``choice`` without the category values that have no equivalent under the default policy.

    An item's label must have one (``label_store``): "UK EYES ONLY" is a UK caveat NATO does
    not know, so it cannot be offered for a requirement or pledge.
    """
    cats = []
    for c in choice.categories:
        kept = tuple(v for v in c.values if _translates(choice.id, c.tag, v))
        if kept or c.open:
            cats.append(CategoryChoice(c.tag, c.type, kept, c.open))
    return PolicyChoice(choice.id, choice.name, choice.classifications, tuple(cats))


def require_grantable(
    user: User, label: Label, *, items: bool = True, clearances: Sequence[Clearance] | None = None
) -> None:
    """422 at ``label`` unless ``user`` may grant ``label`` (as the picker offers)."""
    if items and label.policy not in item_policies():
        raise Invalid(
            f"requirements and pledges are labelled under "
            f"{', '.join(item_policies())}, not {label.policy}",
            field="label",
        )
    held = clearances_of(user) if clearances is None else clearances
    try:
        why = why_not_grantable(label, held, policies())
    except LabelError as exc:
        raise Invalid(str(exc), field="label") from None
    if why is not None:
        raise Invalid(f"you may not grant this label: {why}", field="label")
