"""HTML form values to the API's pydantic schemas, and errors back to the fields.

The schemas (``PledgeCreate``, ``PledgeUpdate``, ...) are the workspace's own: a form is checked
by exactly the rules the API applies. Validation errors come back keyed by the field's name so
the template shows each message next to its input.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from forcegen.web.marking import label_payload
from forcegen.workspace.errors import WorkspaceError

__all__ = [
    "FieldErrors",
    "diffs",
    "field_errors",
    "form_values",
    "parse_home",
    "pledge_payload",
    "requirement_payload",
    "service_error",
    "validate",
]

FieldErrors = dict[str, str]
M = TypeVar("M", bound=BaseModel)

_PAIR = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[;,\s]\s*(-?\d+(?:\.\d+)?)\s*$")


def form_values(form: FormData) -> dict[str, str]:
    """Single-valued text fields, stripped (file uploads and the CSRF token left out)."""
    return {
        k: v.strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"
    }


def parse_home(text: str) -> Any:
    """``"lon;lat"`` (or comma / space separated) to a pair, else the text (a node id)."""
    m = _PAIR.match(text)
    if m:
        return [float(m.group(1)), float(m.group(2))]
    return text or None


def _number(text: str) -> Any:
    # Leave anything that is not a number as text so the schema names the field in its error.
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def pledge_payload(values: dict[str, str], form: FormData, *, new: bool) -> dict[str, Any]:
    """The JSON body a pledge form stands for (``PledgeCreate`` or ``PledgeUpdate``).

    The legacy label fields (``classification``, ``releasable_to``) are included only if
    posted (a form posted by hand: the pages post the label picker, ``web.label_picker``).
    """
    out: dict[str, Any] = {}
    keys = ("id", "nation") if new else ("version",)
    for key in (*keys, "capability", "quantity", "personnel", "notice_days", "cost"):
        if values.get(key, "") != "":
            text = values[key]
            out[key] = text if key in ("id", "nation", "capability") else _number(text)
    out["name"] = values.get("name") or None
    out["home"] = parse_home(values.get("home", ""))
    sectors = [s.strip() for s in values.get("caveat_sectors", "").split(",") if s.strip()]
    roles = [r for r in form.getlist("caveat_roles") if isinstance(r, str) and r]
    months = values.get("caveat_max_months", "")
    caveats: dict[str, Any] = {}
    if sectors:
        caveats["sectors"] = sectors
    if roles:
        caveats["roles"] = roles
    if months:
        caveats["max_months"] = _number(months)
    out["caveats"] = caveats or None
    out.update(label_payload(values))
    if new:
        out = {k: v for k, v in out.items() if v is not None}
    return out


def requirement_payload(values: dict[str, str], *, new: bool) -> dict[str, Any]:
    """The JSON body a requirement form stands for (``RequirementCreate`` or ``-Update``).

    Label fields as in :func:`pledge_payload`.
    """
    out: dict[str, Any] = {}
    keys = ("id",) if new else ("version",)
    for key in (*keys, "capability", "sector", "quantity", "priority", "notice_days", "months"):
        if values.get(key, "") != "":
            text = values[key]
            out[key] = text if key in ("id", "capability", "sector") else _number(text)
    out["start"] = values.get("start") or None
    out["name"] = values.get("name") or None
    if "certified" in values:
        # Comma-separated, as caveat sectors; a form without the field leaves them unchanged.
        certs = [c.strip() for c in values["certified"].split(",") if c.strip()]
        out["certified"] = certs or None
    out.update(label_payload(values))
    if new:
        out = {k: v for k, v in out.items() if v is not None}
    else:
        out.setdefault("months", None)
    return out


def field_errors(exc: ValidationError) -> FieldErrors:
    """First message per top-level field (``caveats.sectors.0`` is shown at ``caveats``)."""
    out: FieldErrors = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        name = loc[0] if loc else "form"
        if name == "caveats" and len(loc) > 1:
            name = f"caveat_{loc[1]}"
        msg = str(err.get("msg", "invalid value"))
        if err.get("type") == "missing":
            msg = "required"
        elif err.get("type") == "extra_forbidden":
            name, msg = "form", f"unexpected field {'.'.join(loc)}"
        elif name == "releasable_to" and err.get("type") == "string_pattern_mismatch":
            msg = f"{err.get('input')!r} is not a nation code (ISO alpha-3, e.g. FRA)"
        out.setdefault(name, msg)
    return out


def validate(schema: type[M], payload: dict[str, Any]) -> tuple[M | None, FieldErrors]:
    """``schema`` built from ``payload``, or ``None`` and the errors by field."""
    try:
        return schema.model_validate(payload), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def service_error(exc: WorkspaceError) -> FieldErrors:
    """A service's refusal (unknown capability, duplicate id ...) shown at its field."""
    # The API names nested fields (caveats.sectors); the form has flat ones (caveat_sectors).
    fld = (exc.field or "form").replace("caveats.", "caveat_")
    return {fld: exc.message}


def diffs(submitted: dict[str, str], current: dict[str, str],
          keys: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """``(field, what the user typed, what is stored now)`` where they differ."""
    return [(k, submitted.get(k, ""), current.get(k, "")) for k in keys
            if submitted.get(k, "") != current.get(k, "")]
