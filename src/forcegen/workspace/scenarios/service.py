"""Scenario import and export between files and the database.

Import replaces the workspace's planning data (nations, sectors, capability types,
requirements, pledges, scenario settings) in the caller's single transaction: if anything fails
(invalid file, database error) the transaction is rolled back and the database is unchanged.
Nations still referenced by user accounts are kept even if the file no longer lists them.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from forcegen.exceptions import InputError, Problem, ScenarioError
from forcegen.scenario import Scenario, load_scenario, scenario_from_dict
from forcegen.workspace import labels
from forcegen.workspace.access import (
    ADMIN,
    PLANNERS,
    LabelScope,
    checked_label,
    clearance_of,
    require_may_loosen,
    require_role,
)
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import service as audit
from forcegen.workspace.database import utcnow
from forcegen.workspace.errors import Forbidden, Invalid
from forcegen.workspace.labelled import hides_anything
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.reference import Nation, WorkspaceMeta
from forcegen.workspace.requirements.models import CatalogEntry, Requirement, Sector
from forcegen.workspace.scenarios import files as files_mod
from forcegen.workspace.scenarios.checks import check_import

__all__ = [
    "EXPORT_FORMATS",
    "FILE_KEYS",
    "ImportSummary",
    "export_bytes",
    "file_sha256",
    "import_scenario",
    "parse_upload",
    "stored_files",
    "to_dict",
    "to_scenario",
]

EXPORT_FORMATS = ("zip", "xlsx", "yaml")
#: Scenario-file extension keys carrying a requirement's or pledge's label.
X_CLASSIFICATION = "x-classification"
X_RELEASABLE = "x-releasable-to"
FILE_KEYS = ("network", "nodes", "costs")
_MAX_MEMBERS = 200


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


# ----------------------------------------------------------------------------- reading uploads
def _kind(filename: str, content: bytes) -> str:
    if content[:4] == b"PK\x03\x04":
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except zipfile.BadZipFile as exc:
            raise InputError(f"{filename}: not a readable zip or xlsx file ({exc})") from exc
        return "xlsx" if "xl/workbook.xml" in names else "zip"
    if filename.lower().endswith((".xlsx", ".zip")):
        raise InputError(f"{filename}: not a readable {filename.rsplit('.', 1)[-1]} file")
    return "yaml"


def _safe_extract(content: bytes, dest: Path, max_bytes: int) -> None:
    """Unpack a zip refusing absolute paths, ``..``, links, too many or too large members."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable zip file ({exc})") from exc
    if len(members) > _MAX_MEMBERS:
        raise InputError(f"zip has {len(members)} files; at most {_MAX_MEMBERS} are accepted")
    total = 0
    for m in members:
        p = PurePosixPath(m.filename)
        if p.is_absolute() or ".." in p.parts or (m.external_attr >> 16) & 0o170000 == 0o120000:
            raise InputError(f"zip member {m.filename!r}: unsafe path")
        total += m.file_size
        if total > max_bytes:
            raise InputError(f"zip unpacks to more than {max_bytes} bytes")
    try:
        for m in members:
            target = dest.joinpath(*PurePosixPath(m.filename).parts)
            if m.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(m) as src:
                data = src.read(max_bytes + 1)
            if len(data) > m.file_size:
                raise InputError(f"zip member {m.filename!r} is larger than declared")
            target.write_bytes(data)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"zip could not be unpacked ({exc})") from exc


def _scenario_root(folder: Path) -> Path:
    if (folder / "scenario.yaml").is_file() or (folder / "scenario.yml").is_file():
        return folder
    subdirs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))]
    if len(subdirs) == 1:
        return _scenario_root(subdirs[0])
    raise ScenarioError([Problem("<zip>", "no scenario.yaml at the top of the zip")])


def parse_upload(
    filename: str, content: bytes, max_unpacked: int
) -> tuple[Scenario, dict[str, str]]:
    """Validate an uploaded scenario (zipped folder, ``.xlsx`` or ``.yaml``).

    Returns the scenario and the text of the files it references (network, nodes, costs), which
    the database keeps for export. Raises ``InputError`` (``ScenarioError`` with every problem)
    for anything unreadable or invalid; problems name the upload, never a server path.

    Every name the file gives a table is checked first (``files.check_name``): a plain name
    inside the scenario's own folder. The upload is unpacked under fixed names in a private
    temporary folder removed before returning; a workbook's side sheets are read from memory
    and placed there under their checked names, so the reader never creates folders of its own.
    """
    name = PurePosixPath(filename or "upload").name or "upload"
    kind = _kind(name, content)
    with tempfile.TemporaryDirectory(prefix="forcegen-import-") as tmp:
        root = Path(tmp)
        try:
            return _parse_in(root, name, kind, content, max_unpacked)
        except ScenarioError as exc:
            raise files_mod.sanitize_problems(exc, root, name) from None


def _parse_in(
    root: Path, name: str, kind: str, content: bytes, max_unpacked: int
) -> tuple[Scenario, dict[str, str]]:
    files: dict[str, str] = {}
    if kind == "xlsx":
        tables = files_mod.workbook_side_tables(content, name)
        for ref, text_ in tables.items():
            target = root / ref
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text_, encoding="utf-8")
        path = root / "scenario.xlsx"
        path.write_bytes(content)
        scenario = _load(path, name)
        base = root
    elif kind == "zip":
        _safe_extract(content, root / "x", max_unpacked)
        base = _scenario_root(root / "x")
        for candidate in ("scenario.yaml", "scenario.yml"):
            if (base / candidate).is_file():
                files_mod.yaml_table_names(base / candidate, name)
                break
        scenario = _load(base, name)
    else:
        path = root / "scenario.yaml"
        path.write_bytes(content)
        files_mod.yaml_table_names(path, name)
        scenario = _load(path, name)
        base = root
    problems = []
    for section, table in scenario.layout.items():
        if table not in ("inline", "xlsx"):
            problems.append(files_mod.check_name(name, section, table))
    for key in FILE_KEYS:
        ref = getattr(scenario.data, key)
        if ref is not None:
            problems.append(files_mod.check_name(name, key, ref))
    found = [p for p in problems if p is not None]
    if found:
        raise ScenarioError(found)
    for key in FILE_KEYS:
        ref = getattr(scenario.data, key)
        if ref is None:
            continue
        # Never a sheet the reader attached: side sheets were placed under ``base`` above.
        p = (base / ref).resolve()
        if ref in scenario.attached or not p.is_relative_to(base.resolve()) or not p.is_file():
            raise ScenarioError(
                [Problem(name, f"{key}: file {ref!r} is not in the upload", field=key)]
            )
        try:
            files[ref] = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            raise ScenarioError(
                [Problem(name, f"{key}: cannot read {ref!r} as UTF-8 text ({exc})", field=key)]
            ) from exc
    return scenario, files


def _load(path: Path, display: str) -> Scenario:
    try:
        return load_scenario(path)
    except InputError:
        raise
    except Exception as exc:  # a malformed workbook or YAML must be a 4xx, never a crash
        raise ScenarioError([Problem(display, f"cannot read the file: {exc}")]) from exc


# ----------------------------------------------------------------------------- import
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


def _file_labels(
    user: User, section: str, items: list[Any], owner_key: str | None
) -> list[tuple[int, str | None]]:
    """Each item's label from its extension keys, checked against what ``user`` may set."""
    out = []
    for item in items:
        extra = item.__pydantic_extra__ or {}
        level = extra.get(X_CLASSIFICATION, "UNCLASSIFIED")
        rel = extra.get(X_RELEASABLE)
        if isinstance(rel, str):
            rel = [c for c in rel.replace(";", ",").replace(" ", ",").split(",") if c]
        where = f"{section}[{item.id}]"
        if rel is not None and not (
            isinstance(rel, list) and all(isinstance(c, str) and len(c) == 3 for c in rel)
        ):
            raise Invalid(
                f"{where}: {X_RELEASABLE} must list nation codes (ISO 3166 alpha-3)",
                field=f"{where}.{X_RELEASABLE}",
            )
        if not isinstance(level, str | int):
            level = str(level)
        try:
            out.append(
                checked_label(user, level, rel, getattr(item, owner_key) if owner_key else None)
            )
        except Invalid as exc:
            raise Invalid(f"{where}: {exc.message}", field=f"{where}.{exc.field}") from None
    return out


def _check_loosening(
    db: Session,
    user: User,
    reqs: list[Any],
    req_labels: list[tuple[int, str | None]],
    pledges: list[Any],
    pledge_labels: list[tuple[int, str | None]],
) -> None:
    """403 if the file loosens the label of an existing item the user may not loosen.

    The same rule as an edit (``access.require_may_loosen``): an import is not a way round it.
    """
    if user.role == ADMIN:
        return
    old_r = {r.id: (r.classification, r.releasable_to) for r in db.execute(
        select(Requirement.id, Requirement.classification, Requirement.releasable_to))}
    for item, label in zip(reqs, req_labels, strict=True):
        if item.id in old_r:
            try:
                require_may_loosen(user, old_r[item.id], label, None)
            except Forbidden as exc:
                raise Forbidden(f"requirements[{item.id}]: {exc.message}") from None
    old_p = {p.id: ((p.classification, p.releasable_to), p.nation) for p in db.execute(
        select(Pledge.id, Pledge.classification, Pledge.releasable_to, Pledge.nation))}
    for item, label in zip(pledges, pledge_labels, strict=True):
        if item.id in old_p:
            old, owner = old_p[item.id]
            try:
                require_may_loosen(user, old, label, owner)
            except Forbidden as exc:
                raise Forbidden(f"pledges[{item.id}]: {exc.message}") from None


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
    req_labels = _file_labels(user, "requirements", d.requirements, None)
    pledge_labels = _file_labels(user, "pledges", d.pledges, "nation")
    if hides_anything(db, user):
        # No count: how many items are hidden is itself something the caller may not learn.
        raise Forbidden(
            "the workspace holds requirements or pledges your clearance or nation does not "
            "allow you to see; an import would delete them unseen"
        )
    _check_loosening(db, user, d.requirements, req_labels, d.pledges, pledge_labels)
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
    before = {
        "requirements": db.query(Requirement).count(),
        "pledges": db.query(Pledge).count(),
        "nations": db.query(Nation).count(),
    }
    for model in (Pledge, Requirement, Sector, CatalogEntry, WorkspaceMeta):
        db.execute(delete(model))
    keep = {c for c in db.scalars(select(User.nation).where(User.nation.is_not(None)))}
    wanted = {n.code for n in d.nations}
    db.execute(delete(Nation).where(Nation.code.not_in(keep | wanted)))
    existing = set(db.scalars(select(Nation.code)))
    now = utcnow()
    for n in _rows(d.nations):
        ceiling = n.pop("ceiling") or {}
        n["ceiling_personnel"] = ceiling.get("personnel")
        if n["code"] in existing:
            db.execute(update(Nation).where(Nation.code == n["code"]).values(**n))
        else:
            db.execute(insert(Nation), [n])
    sectors = _rows(d.sectors)
    for s in sectors:
        at = s.pop("at")
        s["lon"], s["lat"] = (at[0], at[1]) if at else (None, None)
    if sectors:
        db.execute(insert(Sector), sectors)
    if d.catalog:
        db.execute(insert(CatalogEntry), _rows(d.catalog))
    reqs = _rows(d.requirements)
    for r, (rank, rel) in zip(reqs, req_labels, strict=True):
        r.update(version=1, created_at=now, updated_at=now, classification=rank, releasable_to=rel)
        r["extra"].pop(X_CLASSIFICATION, None)
        r["extra"].pop(X_RELEASABLE, None)
    if reqs:
        db.execute(insert(Requirement), reqs)
    pledges = _rows(d.pledges)
    for p, (rank, rel) in zip(pledges, pledge_labels, strict=True):
        p.update(classification=rank, releasable_to=rel)
        p["extra"].pop(X_CLASSIFICATION, None)
        p["extra"].pop(X_RELEASABLE, None)
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
    if pledges:
        db.execute(insert(Pledge), pledges)
    meta = d.model_dump(
        mode="json",
        exclude_none=True,
        include={"name", "currency", "depot_sites", *FILE_KEYS},
    )
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
        },
    )
    return summary


# ----------------------------------------------------------------------------- export
def _clean(d: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    extra = d.pop("extra", None) or {}
    out = {k: v for k, v in d.items() if v is not None and k not in drop}
    out.update(extra)
    return out


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    """Label columns as the scenario file's extension keys (left out when the default)."""
    rank = row.pop("classification", 0) or 0
    rel = row.pop("releasable_to", None)
    if rank:
        row[X_CLASSIFICATION] = labels.level_name(rank)
    if rel is not None:
        row[X_RELEASABLE] = labels.decode_releasable(rel)
    return row


def to_dict(db: Session, reader: LabelScope | None = None) -> dict[str, Any]:
    """The workspace's planning data as a dict shaped like ``scenario.yaml`` (all inline).

    With ``reader``, only the requirements and pledges in its label scope; without, all of
    them (for system use: tests, backups).
    """
    meta = {m.key: m.value for m in db.scalars(select(WorkspaceMeta))}
    meta.pop("files", None)
    doc: dict[str, Any] = {
        "forcegen": 1,
        "name": meta.pop("name", "workspace"),
        "currency": meta.pop("currency", "EUR"),
    }
    nations = []
    for n in db.scalars(select(Nation).order_by(Nation.code)):
        row = _clean(audit.snapshot(n), ("ceiling_personnel",))
        if not row.get("groups"):
            row.pop("groups", None)
        if n.ceiling_personnel is not None:
            row["ceiling"] = {"personnel": n.ceiling_personnel}
        nations.append(row)
    doc["nations"] = nations
    doc["catalog"] = [
        _clean(audit.snapshot(c))
        for c in db.scalars(select(CatalogEntry).order_by(CatalogEntry.code))
    ]
    sectors = []
    for s in db.scalars(select(Sector).order_by(Sector.id)):
        row = _clean(audit.snapshot(s), ("lon", "lat"))
        if s.lon is not None and s.lat is not None:
            row["at"] = [s.lon, s.lat]
        sectors.append(row)
    doc["sectors"] = sectors
    skip = (
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "status_changed_at",
        "status_changed_by",
    )
    reqs = select(Requirement).order_by(Requirement.id)
    pledges = select(Pledge).order_by(Pledge.id)
    if reader is not None:
        reqs = reqs.where(reader.clause(Requirement.__table__))
        pledges = pledges.where(reader.clause(Pledge.__table__, Pledge.__table__.c.nation))
    doc["requirements"] = [_labelled(_clean(audit.snapshot(r), skip)) for r in db.scalars(reqs)]
    doc["pledges"] = [_labelled(_clean(audit.snapshot(p), skip)) for p in db.scalars(pledges)]
    doc.update(meta)
    # Side tables go by fixed names (``network.csv``) whatever name was stored: a name that
    # came from a file is data, and one planted in the database must not stop every run.
    for key in FILE_KEYS:
        if isinstance(doc.get(key), str):
            doc[key] = files_mod.fixed_name(key, doc[key])
    return {k: v for k, v in doc.items() if v not in ([], None)}


def _stored_files(db: Session) -> dict[str, str]:
    """Side tables' text by the fixed name :func:`to_dict` gives them."""
    row = db.get(WorkspaceMeta, "files")
    files = dict(row.value or {}) if row is not None else {}
    out: dict[str, str] = {}
    for key in FILE_KEYS:
        ref = db.get(WorkspaceMeta, key)
        if ref is not None and isinstance(ref.value, str) and ref.value in files:
            out[files_mod.fixed_name(key, ref.value)] = files[ref.value]
    return out


def to_scenario(db: Session, *, reader: LabelScope | None = None) -> Scenario:
    """The workspace (``reader``'s part of it, see :func:`to_dict`) as a :class:`Scenario`.

    Built in memory (no ``root``): nothing is written to disk, whatever names the data holds.
    The side tables' text is in :func:`stored_files` for analyses that need them.
    """
    return scenario_from_dict(to_dict(db, reader), source="<workspace>")


def stored_files(db: Session) -> dict[str, str]:
    """The side tables (network, nodes, costs) kept from the last import, by their name."""
    return _stored_files(db)


def export_bytes(db: Session, user: User, fmt: str) -> tuple[bytes, str, str]:
    """The workspace as a file: ``(content, filename, media type)`` (planners).

    ``zip``: a scenario folder (``scenario.yaml`` + referenced files), ``xlsx``: one sheet per
    section, ``yaml``: a single ``scenario.yaml`` with every section inline. Built in memory
    under fixed names (``files.py``).
    """
    require_role(user, *PLANNERS)
    reader = LabelScope(user, clearance_of(user))
    doc = to_dict(db, reader)
    if fmt == "yaml":
        text_ = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        return text_.encode(), "scenario.yaml", "application/yaml"
    if fmt == "xlsx":
        return (
            files_mod.export_xlsx(doc, _stored_files(db)),
            "scenario.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return files_mod.export_zip(doc, _stored_files(db)), "scenario.zip", "application/zip"


def file_sha256(content: bytes) -> str:
    """Hex SHA-256 of an uploaded file (recorded in the audit trail)."""
    return hashlib.sha256(content).hexdigest()
