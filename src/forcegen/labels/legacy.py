"""The workspace's simple labels as labels under the NATO policy (for the later migration).

The workspace (``forcegen.workspace.labels``) stores a classification rank 0-4 on the
coalition's five-level scale and a releasability string (``",FRA,GBR,"``, ``None`` for the
whole coalition, ``","`` for no nation); a pledge's owner always sees it. This module maps
them onto the shipped NATO policy without losing a decision:

=============  ====================
rank           NATO classification
=============  ====================
0 UNCLASSIFIED NATO UNCLASSIFIED
1 RESTRICTED   NATO RESTRICTED
2 CONFIDENTIAL NATO CONFIDENTIAL
3 SECRET       NATO SECRET
4 TOP SECRET   COSMIC TOP SECRET
=============  ====================

* releasable to the whole coalition (``None``): no "Releasable To" category (no nation limit);
* releasable to nations: "Releasable To" with those nations **and the owner**, which is how the
  workspace already decides (the owner always sees its own);
* releasable to no nation (``","``, e.g. a run over inputs that share none) and no owner:
  "Releasable To: NONE", a value no clearance holds;
* a user's clearance rank and nation become :func:`legacy_clearance`.

It does not import the workspace (the compute core must not): the five level names and the
stored form are restated here, and a test checks them against the workspace's own.
"""

from __future__ import annotations

from forcegen.exceptions import LabelError
from forcegen.labels.decide import Clearance, clearance_for
from forcegen.labels.label import Label, make_label
from forcegen.labels.registry import PolicySet, default_policies

__all__ = ["LEGACY_LEVELS", "NATO_LEVELS", "label_to_legacy", "legacy_clearance",
           "legacy_to_label"]

#: The workspace's five levels (``forcegen.workspace.labels.LEVELS``), lowest first.
LEGACY_LEVELS = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
#: The NATO classification each legacy rank maps to.
NATO_LEVELS = ("NATO UNCLASSIFIED", "NATO RESTRICTED", "NATO CONFIDENTIAL", "NATO SECRET",
               "COSMIC TOP SECRET")
_REL = "Releasable To"


def _rank(rank: int) -> int:
    if isinstance(rank, bool) or not isinstance(rank, int) or not 0 <= rank < len(NATO_LEVELS):
        raise LabelError(f"legacy classification rank must be 0-{len(NATO_LEVELS) - 1}, "
                         f"got {rank!r}")
    return rank


def legacy_to_label(classification: int, releasable_to: str | None, owner: str | None = None,
                    policies: PolicySet | None = None) -> Label:
    """The NATO label of a workspace item (rank, stored releasability, owner nation)."""
    level = NATO_LEVELS[_rank(classification)]
    if releasable_to is None:
        return make_label("NATO", level, originator=owner, policies=policies)
    nations = {c for c in releasable_to.split(",") if c}
    if owner:
        nations.add(owner)
    return make_label("NATO", level, {_REL: sorted(nations) or ["NONE"]}, originator=owner,
                      policies=policies)


def label_to_legacy(label: Label) -> tuple[int, str | None]:
    """The workspace form ``(rank, stored releasability)`` of a NATO label.

    The inverse of :func:`legacy_to_label` (the owner is folded into the releasability).
    """
    if label.policy != "NATO" or label.classification not in NATO_LEVELS:
        raise LabelError(f"only NATO labels map back to the workspace's five levels, got "
                         f"{label.policy} {label.classification}")
    extra = [c.tag for c in label.categories if c.tag != _REL]
    if extra:
        raise LabelError(f"the workspace's labels have no category {extra[0]!r}")
    rank = NATO_LEVELS.index(label.classification)
    rel = label.category(_REL)
    if rel is None:
        return rank, None
    codes = [v for v in rel.values if v != "NONE"]
    return rank, ("," + ",".join(codes) + ",") if codes else ","


def legacy_clearance(clearance: int, nation: str | None,
                     policies: PolicySet | None = None) -> Clearance:
    """A workspace user's clearance rank and nation as a NATO :class:`Clearance`."""
    level = NATO_LEVELS[_rank(clearance)]
    if not nation:  # no nation: sees only what is released to the whole coalition
        return Clearance("NATO", level, {}, None)
    return clearance_for(nation, level, "NATO", policies=policies or default_policies())
