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

Labels (``labels.py``) then narrow what each user sees, whatever their role: classification
against clearance, and releasability against nation. :func:`label_visible` is that rule in SQL,
:func:`can_see_label` in Python, :func:`checked_label` what an editor may set.

Rules for records outside a user's scope: reading or changing them answers "not found" (404), so
a user cannot learn that they exist. A role that may never do an action gets 403.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from forcegen.workspace import labels
from forcegen.workspace.accounts import ADMIN, LEAD, LIAISON, OBSERVER, User
from forcegen.workspace.errors import Conflict, Forbidden, Invalid, NotFound

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
    "checked_label",
    "clearance_of",
    "hides_rows",
    "id_taken",
    "is_planner",
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
    """SQL: rows of ``table`` (columns ``classification``, ``releasable_to``) ``user`` may see.

    ``owner``: the column naming the owning nation, if the table has one (pledges).
    """
    c = table.c if hasattr(table, "c") else table
    return labels.visible_clause(
        clearance_of(user), user.nation, c.classification, c.releasable_to, owner
    )


def label_probe(table: Any) -> tuple[Any, Any]:
    """Two scalar subqueries: the highest classification and any releasability in ``table``.

    MAX over an indexed column is one index lookup on SQLite and PostgreSQL alike, with or
    without statistics (migration 0003 indexes both columns on pledges). Add them to a query
    that runs anyway and pass what they return to :func:`labels_may_hide`.
    """
    c = table.c
    return (
        select(func.max(c.classification)).scalar_subquery(),
        select(func.max(c.releasable_to)).scalar_subquery(),
    )


def labels_may_hide(user: User, top: int | None, any_releasable: str | None) -> bool:
    """Whether, given :func:`label_probe`'s answers, the label rule could hide any row.

    When it could not, :func:`label_visible` is true for every row and can be left out of a
    query, which then keeps its index-only count and ordered walk: the common case of a
    workspace whose data is all coalition-wide at or below the reader's clearance. Rows are
    still checked one by one where they are served (see ``pledges.service``), so a label
    changed by another transaction in between is never shown to the wrong reader.
    """
    return (top or 0) > clearance_of(user) or any_releasable is not None


def can_see_label(user: User, row: Any, owner: str | None = None) -> bool:
    """Whether ``user`` may see ``row`` (anything with ``classification``, ``releasable_to``)."""
    return labels.may_see(
        clearance_of(user), user.nation, row.classification, row.releasable_to, owner
    )


def checked_label(
    user: User, classification: str | int, releasable_to: list[str] | None, owner: str | None
) -> tuple[int, str | None]:
    """The stored form of a label ``user`` sets on an item; 422 if they may not set it.

    Nobody labels above their own clearance, and nobody sets a label that would hide the item
    from themselves (a releasability list must name the editor's nation unless it owns the
    item): an edit must not lock its author out of what they just saved.
    """
    try:
        rank = labels.level_rank(classification)
    except ValueError as exc:
        raise Invalid(str(exc), field="classification") from None
    if rank > clearance_of(user):
        raise Invalid(
            f"cannot label {labels.level_name(rank)}: above your clearance "
            f"({labels.level_name(clearance_of(user))})",
            field="classification",
        )
    rel = labels.encode_releasable(releasable_to)
    if not labels.may_see(clearance_of(user), user.nation, rank, rel, owner):
        raise Invalid(
            "releasable_to must include your own nation"
            + ("" if user.nation else " (your account has none: leave it empty)"),
            field="releasable_to",
        )
    return rank, rel


def relabel(user: User, row: Any, changes: dict[str, Any], owner: str | None = None) -> None:
    """Turn label fields in ``changes`` (API form) into checked stored values, in place.

    A field left out keeps the row's current value; ``releasable_to: null`` means the whole
    coalition.
    """
    if "classification" not in changes and "releasable_to" not in changes:
        return
    level = changes.get("classification") or row.classification
    if "releasable_to" in changes:
        rel = changes["releasable_to"]
    else:
        rel = labels.decode_releasable(row.releasable_to)
    rank, stored = checked_label(user, level, rel, owner)
    require_may_loosen(user, (row.classification, row.releasable_to), (rank, stored), owner)
    changes["classification"], changes["releasable_to"] = rank, stored


def loosens(
    old: tuple[int, str | None], new: tuple[int, str | None], owner: str | None = None
) -> bool:
    """Whether label ``new`` lets anyone see what ``old`` hid.

    It does with a lower classification, or releasability to a nation ``old`` did not name
    (the owner always sees its own items).
    """
    if new[0] < old[0]:
        return True
    if old[1] is None:
        return False
    if new[1] is None:
        return True
    before = set(labels.decode_releasable(old[1]) or []) | ({owner} if owner else set())
    after = set(labels.decode_releasable(new[1]) or []) | ({owner} if owner else set())
    return not after <= before


def require_may_loosen(
    user: User, old: tuple[int, str | None], new: tuple[int, str | None], owner: str | None
) -> None:
    """403 unless ``user`` may lower the classification or widen the releasability of an item.

    A pledge: its own nation's users (those who may edit it) or an admin (the change is in the
    audit trail). A requirement, owned by the coalition: an admin only; lead planners may
    raise a requirement's label or narrow its releasability, never loosen it, so that no
    single nation's planner can release what another nation's label protects.
    """
    if not loosens(old, new, owner):
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
        """SQL: the rows of ``table`` in scope."""
        c = table.c if hasattr(table, "c") else table
        return and_(label_visible(self.user, c, owner), c.classification <= self.cap)


def hides_rows(db: Session, user: User, table: Any, owner: str | None = None) -> bool:
    """Whether any row of ``table`` is hidden from ``user`` by its label.

    ``owner``: the column naming the owning nation (pledges). A liaison or observer is asked
    about their own nation's rows only: they know other nations' rows are out of their scope
    (they see them as totals), so those tell them nothing.
    """
    c = table.c
    top, any_releasable = db.execute(select(*label_probe(table))).one()
    if not labels_may_hide(user, top, any_releasable):
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
