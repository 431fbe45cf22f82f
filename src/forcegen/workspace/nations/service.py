"""Nations: every role sees the list; planners change it."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from forcegen.workspace.access import PLANNERS, can_see_nation, require_role
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.errors import Conflict, Forbidden, NotFound
from forcegen.workspace.labelled import hides_anything
from forcegen.workspace.nations.schemas import NationCreate, NationRead, NationUpdate
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.records import check_version
from forcegen.workspace.reference import Nation

__all__ = ["create", "delete", "get", "list_all", "read", "update"]


def read(user: User, nation: Nation) -> NationRead:
    """The nation as ``user`` may see it: other nations' ceilings are hidden from non-planners."""
    out = NationRead.model_validate(nation)
    if not can_see_nation(user, nation.code):
        out.ceiling_personnel = None
    return out


def list_all(db: Session, user: User) -> list[Nation]:
    """Every nation, by code (every role sees the list; :func:`read` hides others' ceilings).

    Not paged: a coalition has a few dozen nations, and every form lists them all.
    """
    del user  # same signature as every domain's list; every role sees every nation
    return list(db.scalars(select(Nation).order_by(Nation.code)))


def get(db: Session, user: User, code: str) -> Nation:
    """One nation (every role), or 404."""
    del user  # every role sees every nation; the argument keeps the domains' verbs alike
    row = db.get(Nation, code)
    if row is None:
        raise NotFound("nation")
    return row


def create(db: Session, user: User, data: NationCreate) -> Nation:
    """Add a nation (planners)."""
    require_role(user, *PLANNERS)
    if db.get(Nation, data.code) is not None:
        raise Conflict(f"nation {data.code!r} already exists", field="code")
    row = Nation(**data.model_dump(), extra={})
    db.add(row)
    db.flush()
    audit.record(db, user.username, "create", "nation", row.code, None, audit.snapshot(row))
    return row


def update(db: Session, user: User, code: str, data: NationUpdate) -> Nation:
    """Change a nation's name, groups or ceiling (planners).

    Only if ``data.version`` is still current, else 409 with the nation as it is.
    """
    require_role(user, *PLANNERS)
    row = get(db, user, code)
    check_version(row, data.version, NationRead)
    before = audit.snapshot(row)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("groups", []) is None:
        changes["groups"] = []
    for key, value in changes.items():
        setattr(row, key, value)
    db.flush()
    audit.record(db, user.username, "update", "nation", row.code, before, audit.snapshot(row))
    return row


def delete(db: Session, user: User, code: str, version: int) -> None:
    """Remove a nation that has no pledges and no users (planners), if ``version`` is current.

    A stale ``version`` is 409 with the nation as it is, as for an edit: a removal decided on
    an older view (another planner just raised its ceiling) is refused, never silently done.
    """
    require_role(user, *PLANNERS)
    row = get(db, user, code)
    check_version(row, version, NationRead)
    if hides_anything(db, user, pledges_only=True):
        # Whether this nation has pledges the caller cannot see must not show: the same
        # refusal for every nation while any pledge at all is hidden from the caller.
        raise Forbidden(
            "removing a nation needs an account that sees every pledge (clearance and "
            "nation); ask an admin cleared for it"
        )
    if db.scalar(select(exists().where(Pledge.nation == code))) or db.scalar(
        select(exists().where(User.nation == code))
    ):
        raise Conflict(
            f"nation {code!r} cannot be removed while pledges or user accounts refer to it",
            field="code",
        )
    before = audit.snapshot(row)
    db.delete(row)
    db.flush()
    audit.record(db, user.username, "delete", "nation", code, before, None)
