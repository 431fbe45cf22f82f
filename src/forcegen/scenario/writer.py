"""Write a scenario back as a folder (``scenario.yaml`` + CSV tables) or an ``.xlsx`` workbook.

Writes go to a temporary sibling first and are moved into place at the end, so a failure never
leaves a half-written export.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

from forcegen.exceptions import OptionError
from forcegen.scenario._scenario import Scenario
from forcegen.scenario._tables import (
    DEPLOYMENT_KEYS,
    FILE_KEYS,
    SECTIONS,
    escape_formula,
    flatten,
)
from forcegen.scenario._workbook import SUMMARY_SHEET, write_workbook
from forcegen.scenario.digest import scenario_digest

__all__ = [
    "SUMMARY_SHEET",
    "fixed_name",
    "scenario_to_bytes",
    "scenario_to_dict",
    "write_scenario",
    "write_workbook",
]



def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as a plain dict shaped like ``scenario.yaml`` with every section inline."""
    return scenario.data.model_dump(mode="json", exclude_none=True)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for row in rows:
        for k in row:
            if k not in cols:
                cols.append(k)
    return cols


#: Deployment sections that may name a CSV table (exported like the side tables); given
#: inline, a workbook holds each as a sheet of records.
_DEPLOYMENT_KEYS = DEPLOYMENT_KEYS

# Side tables keep their kind (a GeoJSON network stays GeoJSON); anything else is CSV.
_SIDE_SUFFIXES = (".csv", ".geojson", ".json")


def fixed_name(key: str, name: str) -> str:
    """The file name an export gives a side table: its key, never a name from the data.

    The kind is kept by the suffix: ``network: roads.geojson`` -> ``network.geojson``.
    """
    suffix = Path(name).suffix.lower()
    return key + (suffix if suffix in _SIDE_SUFFIXES else ".csv")


def _side_tables(scenario: Scenario) -> dict[str, tuple[str, bytes]]:
    """Network, nodes, costs (and deployment tables) that exist, by key.

    Each as ``(fixed file name, content)``.
    """
    out: dict[str, tuple[str, bytes]] = {}
    for key in (*FILE_KEYS, *_DEPLOYMENT_KEYS):
        name = getattr(scenario.data, key)
        if not isinstance(name, str):  # absent, or a deployment section given inline
            continue
        if name in scenario.tables:
            content = scenario.tables[name].encode("utf-8")
        else:
            src = scenario.path_of(name)
            if src is None or not src.is_file():
                continue
            content = src.read_bytes()  # byte for byte, as the source had it
        out[key] = (fixed_name(key, name), content)
    return out


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=_columns(rows) or ["id"])
    writer.writeheader()
    for row in rows:
        # Text a spreadsheet would run as a formula is written behind a ' (undone on read).
        writer.writerow({k: escape_formula(v) for k, v in row.items()})
    return buf.getvalue().encode("utf-8")


def _folder_files(scenario: Scenario) -> dict[str, bytes]:
    """The files of a scenario folder, by fixed name (never a name taken from the data)."""
    doc = scenario_to_dict(scenario)
    files: dict[str, bytes] = {}
    for section in SECTIONS:
        layout = scenario.layout.get(section, "inline")
        if layout in ("inline", "xlsx") or section not in doc:
            continue
        # A section read from a table file is written as one again, under a fixed name.
        name = f"{section}.csv"
        files[name] = _csv_bytes([flatten(r) for r in doc[section]])
        doc[section] = name
    head = {k: v for k, v in doc.items() if k not in SECTIONS}
    body = {k: doc[k] for k in SECTIONS if k in doc}
    for key, (name, content) in _side_tables(scenario).items():
        files[name] = content
        head[key] = name
    text = yaml.safe_dump(head, sort_keys=False, allow_unicode=True)
    if body:
        text += "\n" + yaml.safe_dump(body, sort_keys=False, allow_unicode=True,
                                      default_flow_style=None)
    files["scenario.yaml"] = text.encode("utf-8")
    return files


def _write_folder(scenario: Scenario, out: Path) -> None:
    for name, content in _folder_files(scenario).items():
        (out / name).write_bytes(content)


def _refuse_relief(scenario: Scenario, where: str) -> None:
    """Relief records nest too deep for a sheet: a folder export only."""
    if scenario.data.relief:
        raise OptionError(f"{where}: the relief section cannot be exported to .xlsx yet; export "
                          "to a folder")


def _write_xlsx(scenario: Scenario, out: Path | io.BytesIO) -> None:
    tables: dict[str, str] = {}
    for key in (*FILE_KEYS, *DEPLOYMENT_KEYS):
        name = getattr(scenario.data, key)
        text = scenario.table_text(name) if isinstance(name, str) else None
        if text is not None:
            tables[name] = text
    write_workbook(scenario_to_dict(scenario), tables, out, digest=scenario_digest(scenario))


def scenario_to_bytes(scenario: Scenario, fmt: str) -> bytes:
    """The scenario as one file in memory, nothing written to disk (for the web workspace).

    ``fmt``: ``"xlsx"`` (a workbook carrying the side tables as sheets), ``"zip"`` (the folder
    :func:`write_scenario` writes, under ``scenario/``), or ``"yaml"`` (every section inline;
    side tables are not included).

    Parameters
    ----------
    scenario
        The scenario to export.
    fmt
        ``"xlsx"``, ``"zip"`` or ``"yaml"``.

    Returns
    -------
    bytes
        The file's content.
    """
    if fmt == "xlsx":
        _refuse_relief(scenario, "xlsx export")
        buf = io.BytesIO()
        _write_xlsx(scenario, buf)
        return buf.getvalue()
    if fmt == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in sorted(_folder_files(scenario).items()):
                zf.writestr(f"scenario/{name}", content)
        return buf.getvalue()
    if fmt == "yaml":
        return yaml.safe_dump(scenario_to_dict(scenario), sort_keys=False,
                              allow_unicode=True).encode("utf-8")
    raise OptionError(f"unknown export format {fmt!r}; expected xlsx, zip or yaml")


def write_scenario(scenario: Scenario, path: str | Path, *, overwrite: bool = False) -> Path:
    """Export ``scenario`` to a folder or, if ``path`` ends in ``.xlsx``, a workbook.

    Files the scenario references (``network.csv``, ``nodes.csv``, ``costs.csv``) are copied
    beside it so the export is complete. Reading the export gives the same scenario back.

    Parameters
    ----------
    scenario
        The scenario to export.
    path
        A folder (``scenario.yaml`` and the tables it names are written in it) or an ``.xlsx``
        file name.
    overwrite
        Replace a workbook or a non-empty folder already there (refused otherwise).

    Returns
    -------
    Path
        The folder or workbook written.

    Raises
    ------
    forcegen.exceptions.OptionError
        When the path is taken (without ``overwrite``), or a workbook cannot hold the
        scenario's relief section (records nested too deep for a sheet).
    """
    out = Path(path)
    is_xlsx = out.suffix.lower() == ".xlsx"
    if out.exists() and not overwrite and (is_xlsx or any(out.iterdir())):
        raise OptionError(f"{out}: already exists (use overwrite to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    if is_xlsx:
        _refuse_relief(scenario, str(out))
        fd, tmp_name = tempfile.mkstemp(suffix=".xlsx", dir=out.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            _write_xlsx(scenario, tmp)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        return out
    tmp_dir = Path(tempfile.mkdtemp(prefix=".forcegen-export-", dir=out.parent))
    try:
        _write_folder(scenario, tmp_dir)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp_dir, out)
    finally:
        if tmp_dir.exists():
            shutil.rmtree(tmp_dir)
    return out
