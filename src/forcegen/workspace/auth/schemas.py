"""API shapes of sign-in and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from forcegen.workspace.types import Text

__all__ = ["ApiTokenCreate", "ApiTokenCreated", "ApiTokenRead", "LoginRequest"]


class LoginRequest(BaseModel):
    """User name and password."""

    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class ApiTokenCreate(BaseModel):
    """A label for a new script token."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[Text, Field(min_length=1, max_length=100)]


class ApiTokenRead(BaseModel):
    """A token's metadata (never its secret)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: dt.datetime
    revoked: bool


class ApiTokenCreated(ApiTokenRead):
    """A new token: ``token`` is shown this once; send it as ``Authorization: Bearer ...``."""

    token: str
