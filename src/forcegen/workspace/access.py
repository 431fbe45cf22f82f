"""Who may do what. Default deny: anything not granted here is refused.

Roles (``users.models.ROLES``):

=============  ==========================================================================
admin          everything, including accounts
lead_planner   sees and changes all planning data, runs sourcing, imports and exports
liaison        sees requirements; creates, edits and moves through approval only their own
               nation's pledges; sees their own nation's assignments; other nations' pledges
               only as totals
observer       read-only: requirements, their own nation's pledges and assignments, totals
=============  ==========================================================================

Rules for records outside a user's scope: reading or changing them answers "not found" (404), so
a user cannot learn that they exist. A role that may never do an action gets 403.
"""

from __future__ import annotations

from forcegen.workspace.errors import Forbidden, NotFound
from forcegen.workspace.users.models import User

__all__ = [
    "ADMIN",
    "LEAD",
    "LIAISON",
    "OBSERVER",
    "PLANNERS",
    "can_see_nation",
    "is_planner",
    "nation_scope",
    "require_role",
    "require_visible_nation",
]

ADMIN = "admin"
LEAD = "lead_planner"
LIAISON = "liaison"
OBSERVER = "observer"
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
