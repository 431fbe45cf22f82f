"""Access decisions by the STANAG 4774 rules, one at a time, each explained.

A reader holds a :class:`Clearance`: a classification under one policy and, per category tag,
the values they hold (their nation and its groups under "Releasable To", their caveats under
"Special Handling", ...). A label is released to them only when

1. the label is valid under its policy (an unknown policy, classification or category denies);
2. the clearance dominates the classification: the label's classification, mapped into the
   clearance's policy by the declared equivalence, is at or below the clearance (no
   equivalent declared: denied);
3. they hold *every* value of each restrictive category;
4. they hold *at least one* value of each permissive category.

A reader holds a value when they hold it or a value the policies declare equivalent to it
(:meth:`forcegen.labels.registry.PolicySet.expand`).

Informative categories decide nothing. Anything else denies (deny by default). This is also
the reference implementation the vectorised path (:mod:`forcegen.labels.fast`) is tested and
benchmarked against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from forcegen.exceptions import LabelError, one_of
from forcegen.labels.label import Label, validate
from forcegen.labels.registry import PolicySet, default_policies

__all__ = ["Clearance", "Decision", "check_author", "clearance_for", "decide"]


@dataclass(frozen=True)
class Clearance:
    """What a reader holds: a classification under ``policy`` and category values by tag."""

    policy: str
    classification: str
    categories: Mapping[str, frozenset[str]] = field(default_factory=dict)
    nation: str | None = None

    def holds(self, tag: str) -> frozenset[str]:
        """The values held for a category tag (empty if none)."""
        return self.categories.get(tag, frozenset())


@dataclass(frozen=True, slots=True)
class Decision:
    """An access decision and why: ``"released"`` or ``"denied: needs caveat ATOMAL"``."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        """Whether access is allowed (so a decision reads as a condition)."""
        return self.allowed


def clearance_for(
    nation: str,
    classification: str,
    policy: str = "NATO",
    categories: Mapping[str, Iterable[str]] | None = None,
    policies: PolicySet | None = None,
) -> Clearance:
    """A clearance for a reader of ``nation``.

    "Releasable To" holds the nation and every group the policy lists it in (``GBR`` ->
    ``FVEY``, ``NATO``), plus the given ``categories``.

    Raises
    ------
    forcegen.exceptions.LabelError
        Unknown policy, classification or category.
    """
    ps = policies or default_policies()
    pol = ps.policies.get(policy)
    if pol is None:
        raise LabelError(f"unknown policy {policy!r}; expected {one_of(ps.policies)}")
    try:
        pol.rank(classification)
    except KeyError as exc:
        raise LabelError(exc.args[0]) from None
    held: dict[str, set[str]] = {tag: set(v) for tag, v in (categories or {}).items()}
    for tag in held:
        if tag not in pol.categories:
            raise LabelError(f"policy {policy} has no category {tag!r}; expected "
                             f"{one_of(pol.categories)}")
    if "Releasable To" in pol.categories:
        held.setdefault("Releasable To", set()).update({nation} | pol.groups_of(nation))
    return Clearance(policy, classification, {t: frozenset(v) for t, v in held.items()},
                     nation)


def decide(label: Label, reader: Clearance, policies: PolicySet | None = None) -> Decision:
    """Whether ``label`` may be released to ``reader``, with the reason (deny by default).

    >>> from forcegen.labels.label import make_label
    >>> item = make_label("NATO", "NATO SECRET", {"Releasable To": ["GBR", "NZL"]})
    >>> decide(item, clearance_for("NZL", "SECRET", policy="NZL")).reason
    'released'
    >>> decide(item, clearance_for("FRA", "NATO SECRET")).reason
    'denied: needs one of Releasable To: GBR, NZL'
    """
    ps = policies or default_policies()
    try:
        validate(label, ps)
    except LabelError as exc:
        return Decision(False, f"denied: invalid label: {exc}")
    reader_policy = ps.policies.get(reader.policy)
    if reader_policy is None:
        return Decision(False, f"denied: unknown clearance policy {reader.policy!r}")
    try:
        held_rank = reader_policy.rank(reader.classification)
    except KeyError:
        return Decision(False, f"denied: unknown clearance {reader.classification!r}")
    pol = ps.get(label.policy)
    need = ps.map_rank(pol.id, pol.rank(label.classification), reader_policy.id)
    if need < 0:
        return Decision(False, f"denied: policy {reader_policy.id} declares no equivalent of "
                               f"{pol.id} {label.classification}")
    if held_rank < need:
        return Decision(False, f"denied: needs clearance {reader_policy.id} "
                               f"{reader_policy.classifications[need].name}, reader holds "
                               f"{reader.classification}")
    holds = ps.expand(reader.categories)  # with the declared category equivalences
    for cat in label.categories:
        held = holds.get(cat.tag, frozenset())
        if cat.type == "restrictive":
            missing = [v for v in cat.values if v not in held]
            if missing:
                word = "caveat" if len(missing) == 1 else "caveats"
                return Decision(False, f"denied: needs {word} {', '.join(missing)}")
        elif cat.type == "permissive":
            if not any(v in held for v in cat.values):
                return Decision(False, f"denied: needs one of {cat.tag}: "
                                       f"{', '.join(cat.values)}")
        elif cat.type != "informative":  # pragma: no cover - validate() refuses other types
            return Decision(False, f"denied: unknown category type {cat.type!r}")
    return Decision(True, "released")


def check_author(label: Label, author: Clearance, policies: PolicySet | None = None) -> None:
    """Refuse a label its author may not set: nobody labels above their own clearance.

    The author's clearance must dominate the label's classification (after equivalence) and
    hold every restrictive caveat; releasability is the author's to choose (a British author
    may release to New Zealand without being a New Zealander).

    Raises
    ------
    forcegen.exceptions.LabelError
        Invalid label, or one above the author's clearance, naming what is missing.
    """
    ps = policies or default_policies()
    validate(label, ps)
    permissive_free = Label(label.policy, label.classification,
                            tuple(c for c in label.categories if c.type != "permissive"),
                            label.created, label.originator)
    d = decide(permissive_free, author, ps)
    if not d.allowed:
        raise LabelError(f"label above the author's clearance: {d.reason.removeprefix('denied: ')}")
