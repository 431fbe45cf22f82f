"""What label an editor may set, and who may loosen one.

Nobody labels above their own clearance or caveats, nor so as to hide the item from
themselves; lowering a classification or widening releasability is kept for the owning nation
(pledges) or an admin.
"""

from __future__ import annotations

from typing import Any

from forcegen.exceptions import LabelError, PolicyError
from forcegen.labels.decide import check_author
from forcegen.labels.label import Label, label_to_json, translate
from forcegen.labels.legacy import legacy_to_label
from forcegen.workspace import labels
from forcegen.workspace.access.scope import ADMIN, clearance_of
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Forbidden, Invalid
from forcegen.workspace.label_store import (
    DEFAULT_POLICY,
    REL,
    label_columns,
    parse_label,
    policies,
    row_label,
    with_owner,
)
from forcegen.workspace.readers import Reader, clearances_of

__all__ = [
    "checked_columns",
    "checked_label",
    "label_given",
    "loosens",
    "relabel",
    "require_may_loosen",
]


def _legacy_input(
    user: User, classification: str | int, releasable_to: list[str] | None, owner: str | None
) -> tuple[Label, str | None]:
    try:
        rank = labels.level_rank(classification)
    except ValueError as exc:
        raise Invalid(str(exc), field="classification") from None
    if rank > clearance_of(user) and _authors(user, legacy_to_label(rank, None)) is not None:
        raise Invalid(
            f"cannot label {labels.level_name(rank)}: above your clearance "
            f"({labels.level_name(clearance_of(user))})",
            field="classification",
        )
    rel = labels.encode_releasable(releasable_to)
    return legacy_to_label(rank, rel, owner, policies()), rel


def _authors(user: User, label: Label) -> str | None:
    """``None`` if some clearance of ``user`` may set ``label``, else why not.

    Not above it, every caveat held; the reason given is the first clearance's (the default
    policy's).
    """
    reasons = []
    for clearance in clearances_of(user):
        try:
            check_author(label, clearance, policies())
        except LabelError as exc:
            reasons.append(str(exc).removeprefix("label above the author's clearance: "))
            continue
        return None
    return reasons[0] if reasons else "no clearance"


def checked_columns(
    user: User,
    classification: str | int | None,
    releasable_to: list[str] | None,
    owner: str | None,
    label: Any = None,
) -> dict[str, Any]:
    """The stored label columns (``label_store``) of a label ``user`` sets; 422 if they may not.

    The label is either the legacy pair (``classification``, ``releasable_to``) or ``label``,
    a STANAG 4774 label in its JSON form (then the pair must be left out). A pledge's owner is
    added to its "Releasable To" (the owner always sees its own). Nobody labels above their
    own clearance (classification and caveats, under any clearance they hold), and nobody
    sets a label that would hide the item from themselves: an edit must not lock its author
    out of what they just saved.
    """
    if label is not None:
        try:
            parsed = with_owner(parse_label(label), owner)
            cols = label_columns(parsed)
        except (LabelError, PolicyError) as exc:
            raise Invalid(str(exc), field="label") from None
        why = _authors(user, parsed)
        if why is not None:
            raise Invalid(f"cannot set this label: above your clearance or caveats ({why})",
                          field="label")
        if not Reader(user).sees(parsed):
            raise Invalid("this label would hide the item from you", field="label")
        return cols
    parsed, rel = _legacy_input(user, classification or 0, releasable_to, owner)
    if not Reader(user).sees(parsed):
        raise Invalid(
            "releasable_to must include your own nation"
            + ("" if user.nation else " (your account has none: leave it empty)"),
            field="releasable_to",
        )
    return label_columns(parsed, rel, legacy=True)


def label_given(data: Any) -> Any:
    """The ``label`` of a create body; 422 if the legacy label fields are given with it."""
    if data.label is not None and {"classification", "releasable_to"} & data.model_fields_set:
        raise Invalid("set either label or classification/releasable_to", field="label")
    return data.label


def checked_label(
    user: User, classification: str | int, releasable_to: list[str] | None, owner: str | None
) -> tuple[int, str | None]:
    """:func:`checked_columns` of a legacy pair, as ``(rank, stored releasability)``."""
    cols = checked_columns(user, classification, releasable_to, owner)
    return cols["classification"], cols["releasable_to"]


def _edited(row: Any, changes: dict[str, Any], owner: str | None) -> Label:
    """The label a change of the legacy fields gives.

    The row's label under the default policy with its classification and/or "Releasable To"
    replaced, its other categories kept.
    """
    current = row_label(row, owner)
    try:
        base = current if current.policy == DEFAULT_POLICY else translate(
            current, DEFAULT_POLICY, policies())
    except LabelError as exc:
        raise Invalid(str(exc), field="classification") from None
    rank = labels.level_name(row.classification)
    if changes.get("classification") is not None:
        try:
            rank = labels.level_name(labels.level_rank(changes["classification"]))
        except ValueError as exc:
            raise Invalid(str(exc), field="classification") from None
    legacy = legacy_to_label(
        labels.level_rank(rank),
        labels.encode_releasable(changes["releasable_to"]) if "releasable_to" in changes
        else row.releasable_to,
        owner,
        policies(),
    )
    kept = tuple(c for c in base.categories if c.tag != REL)
    cats = tuple(sorted(kept + legacy.categories, key=lambda c: c.tag))
    return Label(legacy.policy, legacy.classification, cats, base.created, base.originator)


def relabel(user: User, row: Any, changes: dict[str, Any], owner: str | None = None) -> None:
    """Turn label fields in ``changes`` (API form) into checked stored columns, in place.

    ``label`` replaces the whole label; ``classification`` / ``releasable_to`` change those
    parts of the current one (its other categories kept). A field left out keeps the row's
    current value; ``releasable_to: null`` means the whole coalition.
    """
    if not {"classification", "releasable_to", "label"} & set(changes):
        return
    given = changes.pop("label", None)
    if given is not None:
        if changes.get("classification") is not None or "releasable_to" in changes:
            raise Invalid("set either label or classification/releasable_to", field="label")
        cols = checked_columns(user, None, None, owner, given)
    else:
        new = _edited(row, changes, owner)
        if all(c.tag == REL for c in new.categories):  # the legacy fields say it all
            level = changes.get("classification") or row.classification
            rel = (changes["releasable_to"] if "releasable_to" in changes
                   else labels.decode_releasable(row.releasable_to))
            cols = checked_columns(user, level, rel, owner)
        else:
            cols = checked_columns(user, None, None, owner, label_to_json(new))
    require_may_loosen(user, row_label(row, owner), row_label(cols, owner), owner)
    changes.update(cols)


def loosens(old: Label, new: Label) -> bool:
    """Whether label ``new`` may let anyone see what ``old`` hid (conservative).

    Compared under the default policy: it does with a lower classification, a restrictive
    value of ``old`` dropped, or a permissive category of ``old`` dropped or given a value
    ``old`` did not allow (the owner is in both already).
    """
    ps = policies()
    try:
        a = old if old.policy == DEFAULT_POLICY else translate(old, DEFAULT_POLICY, ps)
        b = new if new.policy == DEFAULT_POLICY else translate(new, DEFAULT_POLICY, ps)
    except LabelError:
        return True
    pol = ps.get(DEFAULT_POLICY)
    if pol.rank(b.classification) < pol.rank(a.classification):
        return True
    for cat in a.categories:
        other = b.category(cat.tag)
        if cat.type == "restrictive" and (other is None or not set(cat.values) <= set(
                other.values)):
            return True
        if cat.type == "permissive" and (other is None or not set(other.values) <= set(
                cat.values)):
            return True
    return False


def require_may_loosen(user: User, old: Label, new: Label, owner: str | None) -> None:
    """403 unless ``user`` may lower the classification or widen the releasability of an item.

    A pledge: its own nation's users (those who may edit it) or an admin (the change is in the
    audit trail). A requirement, owned by the coalition: an admin only; lead planners may
    raise a requirement's label or narrow its releasability, never loosen it, so that no
    single nation's planner can release what another nation's label protects.
    """
    if not loosens(old, new):
        return
    if user.role == ADMIN:
        return
    if owner is not None and user.nation == owner:
        return
    raise Forbidden(
        "only "
        + (f"{owner} (the owning nation) or " if owner else "")
        + "an admin may lower the classification or widen the releasability of this "
        + ("pledge" if owner else "requirement")
    )
