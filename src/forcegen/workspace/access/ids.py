"""The create-conflict rule: when a caller may choose a new record's id (issue 8).

A chosen id is refused while the table holds rows hidden from the caller; the workspace then
assigns a random one that no probe can aim.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from forcegen.workspace.access.scope import (
    LabelScope,
    clearance_of,
    label_probe,
    labels_may_hide,
    nation_scope,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.errors import Conflict

__all__ = ["check_chosen_id", "hides_rows", "id_taken", "new_id"]


def id_taken(what: str, ident: str) -> Conflict:
    """The answer to a create whose chosen id is in use (by a record the caller sees).

    Only reached after :func:`check_chosen_id`, so the holder is never a hidden record. No
    copy of it in the body: the caller can read it at its own address.
    """
    return Conflict(f"the {what} id {ident!r} is already in use; choose another", field="id")


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
                    owner: str | None = None, *, hidden: bool | None = None) -> None:
    """409 unless ``user`` may choose the id of a new row of ``table`` themselves.

    With ids chosen by the client, a create must answer "taken" for an id held by a record
    the caller cannot see, or let two records share it: either tells the caller the hidden
    record exists (issue 8). So a chosen id is accepted only while nothing in ``table`` is
    hidden from the caller, when every holder of a taken id is one they may see; otherwise
    they leave the id out and the workspace picks one (:func:`new_id`) that no probe can
    aim. The refusal comes before any id is looked up, so it is the same for a free id, a
    visible one and a hidden one. What it does tell, that the table holds something hidden
    from the caller (never what, how many or under which id), is the one bit nation removal
    and import tell already (``labelled.hides_anything``). ``hidden``: :func:`hides_rows`'s
    answer when the caller already has it (a merge asks once for all its rows).
    """
    if hidden is None:
        hidden = hides_rows(db, user, table, owner)
    if hidden:
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
