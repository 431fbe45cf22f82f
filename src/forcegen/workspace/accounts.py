"""The ``users`` table."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forcegen.workspace.database import Base, UTCDateTime, utcnow

__all__ = ["ADMIN", "LEAD", "LIAISON", "OBSERVER", "USER_ROLES", "User", "UserRole"]

#: What a user may do, most powerful first: ``lead_planner`` sees and runs everything. (A
#: capability's role, combat or support, is ``forcegen.scenario.models.CapabilityRole``.)
UserRole = Literal["admin", "lead_planner", "liaison", "observer"]
USER_ROLES: tuple[UserRole, ...] = get_args(UserRole)
ADMIN: UserRole = "admin"
LEAD: UserRole = "lead_planner"
LIAISON: UserRole = "liaison"
OBSERVER: UserRole = "observer"


class User(Base):
    """A person signing in to the workspace."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    nation: Mapped[str | None] = mapped_column(
        ForeignKey("nations.code", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    #: Highest classification the user may see (a level rank, ``forcegen.workspace.labels``).
    clearance: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Clearances under other policies, ``[{"policy": "GBR", "classification": "SECRET"}]``,
    #: and category memberships, ``{"Special Handling": ["ATOMAL"]}`` (``workspace.readers``).
    clearances: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    memberships: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    #: Set for a generated initial password: the user is asked to change it.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Optimistic lock, as on nations and pledges: an admin's change based on an older view of
    #: the account (another admin just disabled it or lowered its clearance) is refused with
    #: 409, never silently undone.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's own attribute)
