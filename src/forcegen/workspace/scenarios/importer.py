"""Scenario import: replace the workspace's planning data with a validated scenario.

Import replaces the workspace's planning data (nations, sectors, capability types,
requirements, pledges, scenario settings) in the caller's single transaction: if anything fails
(invalid file, database error) the transaction is rolled back and the database is unchanged.
Nations still referenced by user accounts are kept even if the file no longer lists them.
The items' labels are read and checked by ``import_labels``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column as sa_column
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy import table as sa_table
from sqlalchemy.orm import Session

from forcegen.deployment.held import section_rows
from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario import Scenario
from forcegen.scenario._tables import DEPLOYMENT_KEYS
from forcegen.workspace.access import (
    PLANNERS,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Forbidden
from forcegen.workspace.labelled import hides_anything
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.reference import Nation, WorkspaceMeta
from forcegen.workspace.requirements.capability import CatalogEntry
from forcegen.workspace.requirements.requirement import Requirement
from forcegen.workspace.requirements.sector import Sector
from forcegen.workspace.scenarios.checks import check_import
from forcegen.workspace.scenarios.import_labels import audit_labels, check_loosening, file_labels
from forcegen.workspace.scenarios.records import (
    FILE_KEYS,
    X_CLASSIFICATION,
    X_LABEL,
    X_RELEASABLE,
)

__all__ = ["ImportSummary", "import_scenario"]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import contains (or, with ``dry_run``, would write)."""

    name: str
    nations: int
    sectors: int
    capabilities: int
    requirements: int
    pledges: int
    sha256: str
    dry_run: bool


def _rows(models: list[Any], *, exclude: set[str] | None = None) -> list[dict[str, Any]]:
    out = []
    for m in models:
        d = m.model_dump(mode="python", exclude_none=False, exclude=exclude)
        # Extension keys may hold any YAML value (dates ...): store their JSON form.
        extra = json.loads(json.dumps(m.__pydantic_extra__ or {}, default=str))
        for k in extra:
            d.pop(k, None)
        d["extra"] = extra
        out.append(d)
    return out


def _write_nations(db: Session, nations: list[Any]) -> None:
    """Keep the nations users and relief offers belong to; update those listed, add the rest."""
    keep = {c for c in db.scalars(select(User.nation).where(User.nation.is_not(None)))}
    # Their foreign key. Named as a bare table: relief is a sibling domain package, which the
    # layer contract keeps this one from importing.
    offers = sa_table("relief_offers", sa_column("nation"))
    keep |= set(db.scalars(select(offers.c.nation).distinct()))
    wanted = {n.code for n in nations}
    db.execute(delete(Nation).where(Nation.code.not_in(keep | wanted)))
    existing = set(db.scalars(select(Nation.code)))
    for n in _rows(nations):
        ceiling = n.pop("ceiling") or {}
        n["ceiling_personnel"] = ceiling.get("personnel")
        if n["code"] in existing:
            # A new version: a change based on the nation as it was before the import is stale.
            db.execute(
                update(Nation)
                .where(Nation.code == n["code"])
                .values(**n, version=Nation.version + 1)
            )
        else:
            db.execute(insert(Nation), [n])


def _pledge_rows(pledges: list[Any], labels: list[dict[str, Any]], user: User,
                 now: dt.datetime) -> list[dict[str, Any]]:
    """Pledge rows to insert: label columns from the file's keys, version 1, by ``user``."""
    rows = _rows(pledges)
    for p, cols in zip(rows, labels, strict=True):
        p.update(**cols)
        for key in (X_CLASSIFICATION, X_RELEASABLE, X_LABEL):
            p["extra"].pop(key, None)
        home = p["home"]
        p["home"] = list(home) if isinstance(home, tuple) else home
        caveats = p["caveats"]
        p["caveats"] = (
            {k: v for k, v in caveats.items() if v is not None} if caveats is not None else None
        )
        p.update(
            version=1,
            created_at=now,
            updated_at=now,
            created_by=user.username,
            updated_by=user.username,
        )
    return rows


def deployment_tables(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """Deployment sections named as CSV tables, as records: the workspace keeps no such file.

    The records stay as the table gives them; a deployment run checks them as a file's.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for key in ("lift", "ports", "movements"):
        if isinstance(getattr(scenario.data, key), str):
            problems: list[Problem] = []
            rows = section_rows(scenario, key, problems)
            if problems:
                raise ScenarioError(problems)
            out[key] = json.loads(json.dumps([rec for rec, _ in rows], default=str))
    return out


def _write_planning(db: Session, d: Any, req_labels: list[dict[str, Any]],
                    pledges: list[dict[str, Any]], now: dt.datetime) -> None:
    """Insert the sectors, catalog, requirements (with their label columns) and pledges."""
    sectors = _rows(d.sectors)
    for s in sectors:
        at = s.pop("at")
        s["lon"], s["lat"] = (at[0], at[1]) if at else (None, None)
    if sectors:
        db.execute(insert(Sector), sectors)
    if d.catalog:
        db.execute(insert(CatalogEntry), _rows(d.catalog))
    reqs = _rows(d.requirements)
    for r, cols in zip(reqs, req_labels, strict=True):
        r.update(version=1, created_at=now, updated_at=now, **cols)
        for key in (X_CLASSIFICATION, X_RELEASABLE, X_LABEL):
            r["extra"].pop(key, None)
    if reqs:
        db.execute(insert(Requirement), reqs)
    if pledges:
        db.execute(insert(Pledge), pledges)


def import_scenario(
    db: Session,
    user: User,
    scenario: Scenario,
    files: dict[str, str],
    *,
    sha256: str = "",
    dry_run: bool = False,
    filename: str = "scenario",
) -> ImportSummary:
    """Replace the workspace's planning data with ``scenario`` (planners).

    Runs in the caller's transaction: commit to keep it, roll back to undo it. Labels come
    from each item's ``x-classification`` and ``x-releasable-to`` keys; nobody imports data
    labelled above their clearance, nor replaces a workspace holding data they may not see.
    """
    require_role(user, *PLANNERS)
    d = scenario.data
    check_import(scenario, files, filename)
    req_labels = file_labels(user, "requirements", d.requirements, None, scenario.where)
    pledge_labels = file_labels(user, "pledges", d.pledges, "nation", scenario.where)
    if hides_anything(db, user):
        # No count: how many items are hidden is itself something the caller may not learn.
        raise Forbidden(
            "the workspace holds requirements or pledges your clearance or nation does not "
            "allow you to see; an import would delete them unseen"
        )
    check_loosening(db, user, d.requirements, req_labels, d.pledges, pledge_labels)
    summary = ImportSummary(
        name=d.name,
        nations=len(d.nations),
        sectors=len(d.sectors),
        capabilities=len(d.catalog),
        requirements=len(d.requirements),
        pledges=len(d.pledges),
        sha256=sha256,
        dry_run=dry_run,
    )
    if dry_run:
        return summary
    # The counts go into the audit trail, which lead planners of every clearance read: each
    # snapshot carries the label of the data it counts (the caller sees all of it, checked
    # above), so a reader who may not see all of it is not shown a count that includes what
    # is hidden from them (issue 8: the count of hidden items is itself hidden).
    before, after_label = audit_labels(db, user, d.pledges, req_labels, pledge_labels)
    for model in (Pledge, Requirement, Sector, CatalogEntry, WorkspaceMeta):
        db.execute(delete(model))
    now = utcnow()
    _write_nations(db, d.nations)
    _write_planning(db, d, req_labels, _pledge_rows(d.pledges, pledge_labels, user, now), now)
    meta = d.model_dump(
        mode="json",
        exclude_none=True,
        include={"name", "currency", "depot_sites", "c_day", "enablers", "command", *FILE_KEYS,
                 *DEPLOYMENT_KEYS},
    )
    meta.update(deployment_tables(scenario))
    meta.update(json.loads(json.dumps(d.__pydantic_extra__ or {}, default=str)))
    meta["files"] = files
    db.execute(insert(WorkspaceMeta), [{"key": k, "value": v} for k, v in meta.items()])
    db.flush()
    if db.get_bind().dialect.name == "postgresql":
        # Every row was just replaced: without fresh statistics PostgreSQL plans the pledge
        # list as a full sort of the table until autovacuum gets round to it (measured 3 ms a
        # page instead of 0.7 ms on 5,000 pledges). ANALYZE is transactional: a rolled-back
        # import leaves the old statistics.
        for table in ("pledges", "requirements", "nations"):
            db.execute(text(f"ANALYZE {table}"))
    audit.record(
        db,
        user.username,
        "import",
        "scenario",
        sha256 or None,
        before,
        {
            "name": d.name,
            "nations": summary.nations,
            "sectors": summary.sectors,
            "requirements": summary.requirements,
            "pledges": summary.pledges,
            "sha256": sha256,
            **after_label,
        },
    )
    return summary
