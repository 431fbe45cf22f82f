"""API shapes of user accounts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from forcegen.workspace.accounts import UserRole
from forcegen.workspace.labels import ClassificationRead, Level
from forcegen.workspace.types import NationCode, Text

__all__ = ["PasswordChange", "PolicyClearance", "UserCreate", "UserRead", "UserUpdate"]

Username = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")]
Password = Annotated[str, Field(min_length=10, max_length=256)]
_Word = Annotated[str, Field(min_length=1, max_length=100)]


class PolicyClearance(BaseModel):
    """A clearance under a security policy other than the default (``docs/labels.md``)."""

    model_config = ConfigDict(extra="forbid")

    policy: _Word
    classification: _Word


#: Clearances under other policies (one per policy); ``clearance`` is the default policy's.
Clearances = Annotated[list[PolicyClearance], Field(max_length=16)] | None
#: Category values held, by tag: ``{"Special Handling": ["ATOMAL"], "Community": ["INTEL"]}``.
Memberships = (
    Annotated[dict[_Word, Annotated[list[_Word], Field(max_length=200)]], Field(max_length=16)]
    | None
)


class UserCreate(BaseModel):
    """A new account. Liaisons and observers must belong to a nation."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    role: UserRole
    nation: NationCode | None = None
    full_name: Text | None = None
    #: Highest classification the account may see (recorded from the national vetting).
    clearance: Level = "UNCLASSIFIED"
    #: Clearances under other policies, e.g. ``[{"policy": "GBR", "classification": "SECRET"}]``.
    clearances: Clearances = None
    memberships: Memberships = None


class UserUpdate(BaseModel):
    """Changed fields of an account (admins).

    ``version``: the account's version the change was based on; a stale one is 409 with the
    account as it is. Left out, the change applies to whatever is stored (clients written
    before accounts had versions); the web pages always send it.
    """

    model_config = ConfigDict(extra="forbid")

    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    role: UserRole | None = None
    nation: NationCode | None = None
    full_name: Text | None = None
    active: bool | None = None
    password: Password | None = None
    clearance: Level | None = None
    #: Sent as ``null``: none besides ``clearance``.
    clearances: Clearances = None
    #: Sent as ``null``: none (the nation and its groups are held anyway).
    memberships: Memberships = None


class PasswordChange(BaseModel):
    """Change one's own password."""

    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, Field(max_length=256)]
    new_password: Password


class UserRead(BaseModel):
    """An account (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str | None
    role: str
    nation: str | None
    active: bool
    must_change_password: bool
    created_at: dt.datetime
    clearance: ClassificationRead = "UNCLASSIFIED"
    clearances: list[dict[str, str]] | None = None
    memberships: dict[str, list[str]] | None = None
    version: int = 1
