"""Who may see and who may grant a label: a reader holds one clearance per policy.

A reader (a workspace user, a partner's server) may hold clearances under several policies,
e.g. NATO SECRET and TLP AMBER. A label is released to the reader when *one* of the
clearances releases it by the STANAG 4774 rules (:func:`forcegen.labels.decide.decide`); a
label under a policy the reader holds no clearance for, and with no declared equivalence,
is denied (deny by default). A reader may *grant* (set on an item) a label only if one of
their clearances dominates it (:func:`forcegen.labels.decide.check_author`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from forcegen.exceptions import LabelError
from forcegen.labels.decide import Clearance, check_author, decide
from forcegen.labels.label import Label
from forcegen.labels.registry import PolicySet, default_policies

__all__ = ["Reader", "VisibilityCache", "may_grant", "may_see"]


@dataclass(frozen=True)
class Reader:
    """A named reader and the clearances they hold (one per policy at most)."""

    name: str
    clearances: tuple[Clearance, ...] = ()


def may_see(label: Label, reader: Reader, policies: PolicySet | None = None) -> bool:
    """Whether one of the reader's clearances releases ``label`` (deny by default)."""
    ps = policies or default_policies()
    return any(decide(label, c, ps).allowed for c in reader.clearances)


def may_grant(label: Label, reader: Reader, policies: PolicySet | None = None) -> None:
    """Refuse a label the reader may not set (above every clearance they hold).

    Raises
    ------
    forcegen.exceptions.LabelError
        No clearance dominates the label; the message gives the first clearance's reason.
    """
    ps = policies or default_policies()
    reasons = []
    for c in reader.clearances:
        try:
            check_author(label, c, ps)
            return
        except LabelError as exc:
            reasons.append(str(exc))
    raise LabelError(reasons[0] if reasons else
                     f"{reader.name} holds no clearance and may grant no label")


@dataclass
class VisibilityCache:
    """Decisions for one reader, memoised by label (labels are values: equal ones hash alike)."""

    reader: Reader
    policies: PolicySet = field(default_factory=default_policies)
    _seen: dict[Label, bool] = field(default_factory=dict)

    def __call__(self, label: Label) -> bool:
        """Whether ``label`` is released to the reader."""
        found = self._seen.get(label)
        if found is None:
            found = self._seen[label] = may_see(label, self.reader, self.policies)
        return found
