"""API shapes of scenario import."""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["ImportRead"]


class ImportRead(BaseModel):
    """What was imported (or, for a dry run, validated and would be imported)."""

    name: str
    nations: int
    sectors: int
    capabilities: int
    requirements: int
    pledges: int
    sha256: str
    dry_run: bool
