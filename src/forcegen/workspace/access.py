"""Who may do what. Default deny: anything not granted here is refused.

Roles (``accounts.USER_ROLES``):

=============  ==========================================================================
admin          everything, including accounts
lead_planner   sees and changes all planning data, runs sourcing, imports and exports
liaison        sees requirements; creates, edits and moves through approval only their own
               nation's pledges; sees their own nation's assignments; other nations' pledges
               only as totals
observer       read-only: requirements, their own nation's pledges and assignments, totals
=============  ==========================================================================

Labels then narrow what each user sees, whatever their role: every item's STANAG 4774 label
(``label_store``) is decided by the labels engine (``forcegen.labels.decide``) against the
user's clearances and memberships (``readers``). :func:`can_see_label` is that decision;
:func:`label_visible` the same rule compiled to SQL (``label_sql``, a pre-filter: rows served
are decided again, and a property test checks the two agree); :func:`checked_columns` what an
editor may set.

Rules for records outside a user's scope: reading or changing them answers "not found" (404), so
a user cannot learn that they exist. A role that may never do an action gets 403.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from forcegen.exceptions import LabelError, PolicyError
from forcegen.labels.decide import check_author
from forcegen.labels.label import Label, label_to_json, translate
from forcegen.labels.legacy import legacy_to_label
from forcegen.workspace import labels
from forcegen.workspace.accounts import ADMIN, LEAD, LIAISON, OBSERVER, User
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, NotFound
from forcegen.workspace.label_sql import table_visible_sql
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
    "ADMIN",
    "LEAD",
    "LIAISON",
    "OBSERVER",
    "PLANNERS",
    "LabelScope",
    "can_see_label",
    "can_see_nation",
    "check_chosen_id",
    "checked_columns",
    "checked_label",
    "clearance_of",
    "hides_rows",
    "id_taken",
    "is_planner",
    "label_given",
    "label_visible",
    "labels_may_hide",
    "loosens",
    "nation_scope",
    "new_id",
    "relabel",
    "require_may_loosen",
    "require_role",
    "require_visible_nation",
]

#: Roles that see and change all planning data.
PLANNERS: tuple[str, ...] = (ADMIN, LEAD)


def is_planner(user: User) -> bool:
    """Admins and lead planners see every nation's data."""
    return user.role in PLANNERS


def require_role(user: User, *roles: str) -> None:
    """Raise 403 unless ``user`` holds one of ``roles``."""
    if user.role not in roles:
        raise Forbidden()


def nation_scope(user: User) -> str | None:
    """``None`` if the user sees all nations, else the one nation code they see.

    A liaison or observer without a nation sees no nation's data: ``""`` matches nothing.
    """
    if is_planner(user):
        return None
    return user.nation or ""


def can_see_nation(user: User, nation: str) -> bool:
    """Whether records of ``nation`` are visible to ``user``."""
    scope = nation_scope(user)
    return scope is None or scope == nation


def require_visible_nation(user: User, nation: str, what: str) -> None:
    """Raise 404 (not 403: existence is not revealed) if ``nation``'s records are hidden."""
    if not can_see_nation(user, nation):
        raise NotFound(what)


def clearance_of(user: User) -> int:
    """The user's clearance rank; an account object not yet saved counts as the lowest."""
    return user.clearance or 0


def label_visible(user: User, table: Any, owner: Any = None) -> ColumnElement[bool]:
    """SQL: rows of ``table`` (a labelled table) whose label the engine releases to ``user``.

    ``owner``: the column naming the owning nation, if the table has one (pledges).
    """
    return table_visible_sql(clearances_of(user), table, owner)


def label_probe(table: Any) -> tuple[Any, Any, Any]:
    """Three scalar subqueries over ``table``: top classification, any releasability, all open.

    ``label_open`` is 1 for a label without categories.

    MIN/MAX over an indexed column is one index lookup on SQLite and PostgreSQL alike, with or
    without statistics (migrations 0003 and 0007 index the three columns on pledges). Add them
    to a query that runs anyway and pass what they return to :func:`labels_may_hide`.
    """
    c = table.c
    return (
        select(func.max(c.classification)).scalar_subquery(),
        select(func.max(c.releasable_to)).scalar_subquery(),
        select(func.min(c.label_open)).scalar_subquery(),
    )


def labels_may_hide(
    user: User, top: int | None, any_releasable: str | None, all_open: int | None = 1
) -> bool:
    """Whether, given :func:`label_probe`'s answers, the label rule could hide any row.

    It could not when every label is open (no category; legacy rows count by their
    releasability) and at or below the user's clearance under the default policy: such a
    label's classification is its default-policy view. Then :func:`label_visible` is true for
    every row and can be left out of a query, which then keeps its index-only count and
    ordered walk: the common case of a workspace whose data is all coalition-wide at or below
    the reader's clearance. Rows are still decided one by one where they are served (see
    ``pledges.queries``), so a label changed by another transaction in between is never shown
    to the wrong reader.
    """
    return (top or 0) > clearance_of(user) or any_releasable is not None or all_open == 0


def can_see_label(user: User, row: Any, owner: str | None = None) -> bool:
    """Whether the engine releases ``row``'s label (a stored row or snapshot) to ``user``."""
    return Reader(user).sees_row(row, owner)


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


def id_taken(what: str, ident: str) -> Conflict:
    """The answer to a create whose chosen id is in use (by a record the caller sees).

    Only reached after :func:`check_chosen_id`, so the holder is never a hidden record. No
    copy of it in the body: the caller can read it at its own address.
    """
    return Conflict(f"the {what} id {ident!r} is already in use; choose another", field="id")


@dataclass(frozen=True)
class LabelScope:
    """What ``user`` may see, further capped at classification rank ``cap``.

    Used to build products from the workspace's data (sourcing runs, exports): they take only
    rows passing :meth:`clause`, and carry the label ``labelled.high_water`` gives.
    """

    user: User
    cap: int

    def clause(self, table: Any, owner: Any = None) -> ColumnElement[bool]:
        """SQL: the rows of ``table`` in scope (a pre-filter; :meth:`admits` decides)."""
        c = table.c if hasattr(table, "c") else table
        return and_(label_visible(self.user, c, owner), c.classification <= self.cap)

    def admits(self, reader: Reader, row: Any, owner: str | None = None) -> bool:
        """Whether the engine releases ``row`` to the user, within the cap."""
        get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k, None))
        return (get("classification") or 0) <= self.cap and reader.sees_row(row, owner)


def hides_rows(db: Session, user: User, table: Any, owner: str | None = None) -> bool:
    """Whether any row of ``table`` is hidden from ``user`` by its label.

    ``owner``: the column naming the owning nation (pledges). A liaison or observer is asked
    about their own nation's rows only: they know other nations' rows are out of their scope
    (they see them as totals), so those tell them nothing.
    """
    c = table.c
    top, any_releasable, all_open = db.execute(select(*label_probe(table))).one()
    if not labels_may_hide(user, top, any_releasable, all_open):
        return False  # two index lookups instead of a scan of the table (every create asks)
    scope = LabelScope(user, clearance_of(user))
    hidden = ~scope.clause(table, c[owner] if owner else None)
    if owner is not None and nation_scope(user) is not None:
        hidden = and_(hidden, c[owner] == nation_scope(user))
    return bool(db.scalar(select(select(c.id).where(hidden).exists())))


def check_chosen_id(db: Session, user: User, table: Any, what: str,
                    owner: str | None = None) -> None:
    """409 unless ``user`` may choose the id of a new row of ``table`` themselves.

    With ids chosen by the client, a create must answer "taken" for an id held by a record
    the caller cannot see, or let two records share it: either tells the caller the hidden
    record exists (issue 8). So a chosen id is accepted only while nothing in ``table`` is
    hidden from the caller, when every holder of a taken id is one they may see; otherwise
    they leave the id out and the workspace picks one (:func:`new_id`) that no probe can
    aim. The refusal comes before any id is looked up, so it is the same for a free id, a
    visible one and a hidden one. What it does tell, that the table holds something hidden
    from the caller (never what, how many or under which id), is the one bit nation removal
    and import tell already (``labelled.hides_anything``).
    """
    if hides_rows(db, user, table, owner):
        raise Conflict(
            f"leave id out: the workspace assigns new {what} ids while it holds {what}s "
            "your clearance or nation does not let you see",
            field="id",
        )


#: Crockford's base32 (no I, L, O, U): ids read aloud or copied by hand stay unambiguous.
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(db: Session, model: Any, prefix: str) -> str:
    """A free id ``prefix`` + 10 random characters (50 bits) for a new row of ``model``.

    Random, not sequential: a counter would let a caller who creates two records in a row
    see from the gap whether anyone, hidden or not, created one in between. A clash with an
    existing row (any row: the caller never sees the retry) draws again.
    """
    while True:
        ident = prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))
        if db.get(model, ident) is None:
            return ident
