"""One way every form saves: validate with the API's schema, call the service, sort the outcome.

A form ends in one of three ways: saved (the service returned; the caller's redirect), refused
at its fields (schema or service errors, shown inline: 422), or stale (the record changed since
the form was loaded: 409, the form shows the record as stored now beside what was typed).
Every form that saves a record goes through :func:`attempt`: the create and edit forms of
labelled records by way of :mod:`forcegen.web.views.record_forms`, the status and nation forms
directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel

from forcegen.web.forms import FieldErrors, service_error, validate
from forcegen.workspace.errors import Conflict, Invalid

__all__ = ["Attempt", "attempt"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Attempt:
    """The outcome of a form: ``response`` if saved, else ``errors`` or ``current``."""

    response: Response | None = None
    errors: FieldErrors = field(default_factory=dict)
    #: The record as stored now, when the form was based on an older version.
    current: dict[str, Any] | None = None

    @property
    def stale(self) -> bool:
        """The record changed since the form was loaded."""
        return self.current is not None


def attempt(schema: type[M], payload: dict[str, Any], save: Callable[[M], Response]) -> Attempt:
    """Validate ``payload`` with ``schema`` and, if it passes, ``save`` it.

    A version conflict becomes :attr:`Attempt.current`; any other refusal of the service
    (unknown capability, id in use, a label above the user's clearance ...) an error at its
    field. Access refusals (403, 404) are not caught: they are the page's answer.
    """
    data, errors = validate(schema, payload)
    if data is None:
        return Attempt(errors=errors)
    try:
        return Attempt(response=save(data))
    except Conflict as exc:
        if exc.field == "version":
            return Attempt(current=exc.extra.get("current") or {})
        return Attempt(errors=service_error(exc))
    except Invalid as exc:
        return Attempt(errors=service_error(exc))
