"""Uploads kept in memory between a preview and its confirmation, and their problems.

The scenario import and the pledge-table merge both show a preview first and apply the file
only when the user confirms; the file waits here (per process, for a bounded time and number),
never on disk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import PurePath

from fastapi import Request

from forcegen.exceptions import InputError, Problem, ScenarioError

__all__ = ["KEEP_SECONDS", "Upload", "upload_problems", "uploads"]

#: How long an upload waits for its confirmation.
KEEP_SECONDS = 1800
#: Uploads kept per store at most (the oldest is dropped first).
_MAX_KEPT = 8


@dataclass(frozen=True)
class Upload:
    """A file awaiting confirmation by the user who sent it."""

    user_id: int
    filename: str
    content: bytes
    replace: str | None = None
    at: float = field(default_factory=time.monotonic)


def uploads(request: Request, store: str) -> dict[str, Upload]:
    """The app's store named ``store``, expired and surplus uploads removed."""
    kept: dict[str, Upload] = getattr(request.app.state, store)
    now = time.monotonic()
    for key in [k for k, u in kept.items() if now - u.at > KEEP_SECONDS]:
        kept.pop(key, None)
    while len(kept) >= _MAX_KEPT:
        kept.pop(next(iter(kept)))
    return kept


def upload_problems(exc: InputError) -> list[Problem]:
    """The problems to list, naming the uploaded file rather than a server path."""
    if not isinstance(exc, ScenarioError):
        return [Problem("upload", str(exc))]
    return [Problem(PurePath(p.file).name or p.file, p.message, p.line, p.field)
            for p in exc.problems]
