"""The workspace's rows as the core's :class:`~forcegen.scenario.Scenario` for a sourcing run.

Each row is validated into its core model (``forcegen.scenario.models``) and the references
between them checked; the scenario is assembled from the models (``scenario_from_models``): no
dict shaped like a scenario file, no file reader, no folder, nothing written to disk.

Data entered through the API, forms or imports is checked on entry; a record can still become
invalid later (a sector renamed or removed after a pledge named it in a caveat, a side table
replaced so that a home node is gone). Such a record is left out of the run and named, so that
one nation's bad entry never stops the coalition's run (issue 9 §4).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario import Scenario, builtin_catalog, scenario_from_models
from forcegen.scenario import models as core
from forcegen.workspace.access import LabelScope
from forcegen.workspace.reference import node_ids, one_of
from forcegen.workspace.scenarios.records import (
    FILE_KEYS,
    meta_record,
    section_records,
    stored_files,
)

__all__ = ["SOURCE", "runnable_scenario"]

#: How messages name a scenario built from the workspace.
SOURCE = "<workspace>"

_MODELS: dict[str, type[BaseModel]] = {
    "nations": core.Nation,
    "catalog": core.Capability,
    "sectors": core.Sector,
    "requirements": core.Requirement,
    "pledges": core.Pledge,
}

Excluded = dict[str, Any]


def runnable_scenario(
    db: Session, *, reader: LabelScope | None = None
) -> tuple[Scenario, list[Excluded]]:
    """The workspace (``reader``'s part of it) as a scenario, records no longer valid left out.

    Returns the scenario and the records left out, each as ``{"kind", "id", "nation",
    "field", "value", "message"}``.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        When the scenario's own settings are invalid, or a reference the run cannot do without
        is broken (the same checks as a scenario file's).
    """
    records = section_records(db, reader)
    meta = {k: v for k, v in meta_record(db).items() if v not in ([], None)}
    nodes = node_ids({k: meta[k] for k in FILE_KEYS if k in meta}, stored_files(db))
    excluded: list[Excluded] = []
    kept: dict[str, list[Any]] = {}
    for section in ("nations", "catalog", "sectors"):
        kept[section] = _valid(section, records[section], excluded)
    nations = {n.code for n in kept["nations"]}
    sectors = {s.id for s in kept["sectors"]}
    catalog = set(builtin_catalog()) | {c.code for c in kept["catalog"]}
    for section in ("requirements", "pledges"):
        kept[section] = [
            m
            for m, rec in _valid_pairs(section, records[section], excluded)
            if not _drop_reference(section, m, rec, nations, sectors, catalog, nodes, excluded)
        ]
    try:
        settings = core.ScenarioData.model_validate(meta)
    except ValidationError as exc:
        raise ScenarioError([
            Problem(SOURCE, f"{_where(e)}: {e['msg']}", field=_where(e)) for e in exc.errors()
        ]) from None
    return scenario_from_models(settings.model_copy(update=kept), SOURCE), excluded


def _where(err: Any) -> str:
    loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith(("function", "tuple")))
    return loc or "?"


def _exclude(
    excluded: list[Excluded], section: str, rec: dict[str, Any], fld: str, message: str
) -> None:
    value: Any = rec
    for part in fld.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    excluded.append({
        "kind": section.rstrip("s"),
        "id": str(rec.get("id", rec.get("code", "?"))),
        "nation": rec.get("nation"),
        "field": fld,
        "value": value if isinstance(value, str | int | float | list) else None,
        "message": message,
    })


def _valid_pairs(
    section: str, recs: list[dict[str, Any]], excluded: list[Excluded]
) -> list[tuple[Any, dict[str, Any]]]:
    """Each record that validates as its core model, with the model; the others excluded."""
    out = []
    for rec in recs:
        try:
            out.append((_MODELS[section].model_validate(rec), rec))
        except ValidationError as exc:
            err = exc.errors()[0]
            _exclude(excluded, section, rec, _where(err), str(err["msg"]))
    return out


def _valid(section: str, recs: list[dict[str, Any]], excluded: list[Excluded]) -> list[Any]:
    return [m for m, _ in _valid_pairs(section, recs, excluded)]


def _drop_reference(
    section: str,
    m: Any,
    rec: dict[str, Any],
    nations: set[str],
    sectors: set[str],
    catalog: set[str],
    nodes: set[str] | None,
    excluded: list[Excluded],
) -> bool:
    """Whether ``m`` names something the run does not have (and is then excluded)."""
    problem = _reference(section, m, nations, sectors, catalog, nodes)
    if problem is not None:
        _exclude(excluded, section, rec, *problem)
    return problem is not None


def _reference(
    section: str,
    m: Any,
    nations: set[str],
    sectors: set[str],
    catalog: set[str],
    nodes: set[str] | None,
) -> tuple[str, str] | None:
    if m.capability not in catalog:
        return "capability", f"unknown capability {m.capability!r}"
    if section == "requirements":
        if m.sector not in sectors:
            return "sector", f"unknown sector {m.sector!r}; expected {one_of(sectors)}"
        return None
    if m.nation not in nations:
        return "nation", f"nation {m.nation!r} is not listed under nations"
    for sector in (m.caveats.sectors if m.caveats else None) or []:
        if sector not in sectors:
            return "caveats.sectors", (
                f"caveat names unknown sector {sector!r}; expected {one_of(sectors)}"
            )
    if isinstance(m.home, str) and (nodes is None or m.home not in nodes):
        return "home", f"home {m.home!r} is not a network node"
    return None
