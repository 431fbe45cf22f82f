"""The workspace as a scenario a sourcing run can use, leaving out records no longer valid.

Data entered through the API, forms or imports is checked on entry; a record can still become
invalid later (a sector renamed or removed after a pledge named it in a caveat, a side table
replaced so that a home node is gone). Such a record is left out of the run and named, so that
one nation's bad entry never stops the coalition's run (issue 9 §4).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from forcegen.scenario import Scenario, builtin_catalog, scenario_from_dict
from forcegen.scenario import models as scenario_models
from forcegen.workspace.access import LabelScope
from forcegen.workspace.reference import node_ids, one_of
from forcegen.workspace.scenarios.service import FILE_KEYS, stored_files, to_dict

__all__ = ["runnable_scenario"]

_MODELS: dict[str, Any] = {
    "nations": scenario_models.Nation,
    "catalog": scenario_models.Capability,
    "sectors": scenario_models.Sector,
    "requirements": scenario_models.Requirement,
    "pledges": scenario_models.Pledge,
}


def runnable_scenario(
    db: Session, *, reader: LabelScope | None = None
) -> tuple[Scenario, list[dict[str, Any]]]:
    """Like ``service.to_scenario``, but a record that is no longer valid is left out.

    Returns the scenario and the records left out, each as ``{"kind", "id", "nation",
    "field", "value", "message"}``. Built in memory: nothing is written to disk.
    """
    doc = to_dict(db, reader)
    meta = {k: doc.get(k) for k in FILE_KEYS if doc.get(k)}
    nodes = node_ids(meta, stored_files(db))
    excluded: list[dict[str, Any]] = []

    def drop(kind: str, rec: dict[str, Any], fld: str, message: str) -> None:
        value = rec
        for part in fld.split("."):
            value = value.get(part) if isinstance(value, dict) else None  # type: ignore[assignment]
        excluded.append({
            "kind": kind.rstrip("s"),
            "id": str(rec.get("id", rec.get("code", "?"))),
            "nation": rec.get("nation"),
            "field": fld,
            "value": value if isinstance(value, str | int | float | list) else None,
            "message": message,
        })

    for section in ("nations", "catalog", "sectors"):
        kept = []
        for rec in doc.get(section, []):
            problem = _structural(section, rec)
            if problem:
                drop(section, rec, *problem)
            else:
                kept.append(rec)
        doc[section] = kept
    nations = {n["code"] for n in doc.get("nations", [])}
    sectors = {s["id"] for s in doc.get("sectors", [])}
    catalog = set(builtin_catalog()) | {c["code"] for c in doc.get("catalog", [])}
    for section in ("requirements", "pledges"):
        kept = []
        for rec in doc.get(section, []):
            problem = _structural(section, rec) or _reference(
                section, rec, nations, sectors, catalog, nodes
            )
            if problem:
                drop(section, rec, *problem)
            else:
                kept.append(rec)
        doc[section] = kept
    return scenario_from_dict(
        {k: v for k, v in doc.items() if v not in ([], None)}, source="<workspace>"
    ), excluded


def _structural(section: str, rec: dict[str, Any]) -> tuple[str, str] | None:
    try:
        _MODELS[section].model_validate(rec)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith(("function", "tuple")))
        return loc or "?", str(err["msg"])
    return None


def _reference(
    section: str,
    rec: dict[str, Any],
    nations: set[str],
    sectors: set[str],
    catalog: set[str],
    nodes: set[str] | None,
) -> tuple[str, str] | None:
    if rec.get("capability") not in catalog:
        return "capability", f"unknown capability {rec.get('capability')!r}"
    if section == "requirements":
        if rec.get("sector") not in sectors:
            return "sector", f"unknown sector {rec.get('sector')!r}; expected {one_of(sectors)}"
        return None
    if rec.get("nation") not in nations:
        return "nation", f"nation {rec.get('nation')!r} is not listed under nations"
    for sector in (rec.get("caveats") or {}).get("sectors") or []:
        if sector not in sectors:
            return "caveats.sectors", (
                f"caveat names unknown sector {sector!r}; expected {one_of(sectors)}"
            )
    home = rec.get("home")
    if isinstance(home, str) and (nodes is None or home not in nodes):
        return "home", f"home {home!r} is not a network node"
    return None
