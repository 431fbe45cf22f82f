"""Write a scenario back as a folder (``scenario.yaml`` + CSV tables) or an ``.xlsx`` workbook.

Writes go to a temporary sibling first and are moved into place at the end, so a failure never
leaves a half-written export.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

from forcegen.exceptions import OptionError, Problem, ScenarioError
from forcegen.scenario._scenario import Scenario
from forcegen.scenario._tables import (
    DEPLOYMENT_KEYS,
    EXERCISE_KEYS,
    FILE_KEYS,
    SECTIONS,
    escape_formula,
    flatten,
)
from forcegen.scenario.digest import scenario_digest
from forcegen.scenario.limits import control_character
from forcegen.scenario.models import PLEDGE_STATUSES
from forcegen.scenario.xlsx_style import (
    append_row,
    fit_widths,
    format_numbers,
    number_cell,
    style_header,
    write_table,
)

__all__ = ["fixed_name", "scenario_to_bytes", "scenario_to_dict", "write_scenario"]



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
#: Exercise sections (docs/scenario.md "Exercises"): a sheet each, ``needs`` as ``CAP:2;CAP``.
_EXERCISE_KEYS = EXERCISE_KEYS

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


def _record_sheet(wb: Any, name: str, records: list[dict[str, Any]]) -> None:
    """A sheet of flattened records (header ``id`` alone when there are none)."""
    rows = [flatten(r) for r in records]
    ws = wb.create_sheet(name)
    cols = _columns(rows) or ["id"]
    write_table(ws, cols, ([row.get(c) for c in cols] for row in rows))
    format_numbers(ws)


def _side_sheet(wb: Any, key: str, name: str, text: str) -> None:
    """A side table's CSV text as a sheet that reads back as the same text."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(key)
    # Numbers are stored as numbers only where they write back as the same text, so the
    # sheet reproduces the CSV byte for byte when read back.
    width = 1
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    for n, cells in enumerate(reader):
        bad = next((c for c in map(control_character, cells) if c), None)
        if bad is not None:  # openpyxl would raise deep inside; say where instead
            raise ScenarioError([Problem(
                str(name), f"holds the control character {bad}, which a workbook "
                "cannot store", n + 1, key)])
        if not n:
            append_row(ws, cells)
        else:
            typed = [number_cell(c) for c in cells]
            append_row(ws, [v for v, _ in typed])
            for col, (_, fmt) in enumerate(typed, start=1):
                if fmt:
                    ws.cell(row=ws._current_row, column=col).number_format = fmt
        width = max(width, len(cells))
    style_header(ws)
    ws.auto_filter.ref = f"A1:{get_column_letter(width)}{ws._current_row}"
    fit_widths(ws)


def _meta_cell(value: Any) -> Any:
    """A ``scenario`` sheet value: a mapping or list (``enablers``, ``x-``) as JSON text."""
    if isinstance(value, dict | list):
        # Dates inside (``standby.start``) as ISO text, which the models read back.
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _exercise_record(rec: dict[str, Any]) -> dict[str, Any]:
    """An exercise record with ``needs`` as one cell (``CAP:2;CAP2:1``), as the reader takes."""
    needs = rec.get("needs")
    if not isinstance(needs, list) or not all(isinstance(n, dict) for n in needs):
        return rec
    return {**rec, "needs": ";".join(f"{n.get('capability')}:{n.get('quantity', 1)}"
                                     for n in needs)}


def _refuse_relief(scenario: Scenario, where: str) -> None:
    """Relief records nest too deep for a sheet: a folder export only."""
    if scenario.data.relief:
        raise OptionError(f"{where}: the relief section cannot be exported to .xlsx yet; export "
                          "to a folder")


#: Name of the first sheet: a reader's overview, ignored when the workbook is read back.
SUMMARY_SHEET = "summary"

_HOW_TO_READ = (
    "Sheet 'scenario' holds the settings (key | value); one sheet per section (nations, "
    "sectors, requirements, pledges, ...) holds its records, one a row, nested fields as "
    "dotted column names (e.g. at.lon); sheets named after a side table (e.g. network) carry "
    "that CSV file. Edit any of them and import the workbook back; this summary sheet is "
    "rebuilt on export and ignored on import."
)


def _summary_rows(scenario: Scenario) -> list[list[Any]]:
    """``item | value`` rows: the scenario at a glance, counted from its records."""
    data = scenario.data
    rows: list[list[Any]] = [
        ["scenario", data.name],
        ["nations", len(data.nations)],
        ["sectors", len(data.sectors)],
        ["capability lines (requirements)", len(data.requirements)],
    ]
    for priority in sorted({r.priority for r in data.requirements}):
        lines = [r for r in data.requirements if r.priority == priority]
        rows.append([f"  lines of priority {priority}", len(lines)])
        rows.append([f"  units required at priority {priority}", sum(r.quantity for r in lines)])
    rows.append(["pledges", len(data.pledges)])
    for status in PLEDGE_STATUSES:
        rows.append([f"  pledges {status}", sum(p.status == status for p in data.pledges)])
    rows.append(["scenario digest (SHA-256 of the content)", scenario_digest(scenario)])
    rows.append(["how to read this workbook", _HOW_TO_READ])
    return rows


def _write_summary(scenario: Scenario, ws: Any) -> None:
    from openpyxl.styles import Alignment

    write_table(ws, ["item", "value"], _summary_rows(scenario))
    ws.column_dimensions["B"].width = 80
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _write_xlsx(scenario: Scenario, out: Path | io.BytesIO) -> None:
    import openpyxl

    doc = scenario_to_dict(scenario)
    wb = openpyxl.Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = SUMMARY_SHEET
    _write_summary(scenario, summary)
    meta = wb.create_sheet("scenario")
    # Deployment sections given inline are sheets of their own, not ``key | value`` rows.
    write_table(meta, ["key", "value"], [
        [k, _meta_cell(v)] for k, v in doc.items()
        if k not in SECTIONS and not (k in (*_DEPLOYMENT_KEYS, *_EXERCISE_KEYS)
                                      and isinstance(v, list))])
    for section in SECTIONS:
        if doc.get(section):  # no empty sheets (an absent sheet reads back as empty)
            _record_sheet(wb, section, doc[section])
    for key in _DEPLOYMENT_KEYS:
        if isinstance(doc.get(key), list):  # an empty list stays a (header-only) sheet
            _record_sheet(wb, key, doc[key])
    for key in _EXERCISE_KEYS:
        if isinstance(doc.get(key), list):
            _record_sheet(wb, key, [_exercise_record(r) for r in doc[key]])
    # Side tables (and deployment sections named as CSV tables) travel inside the workbook,
    # sheets named by their key, so that one file carries the whole scenario, e.g. through a
    # web upload.
    for key in (*FILE_KEYS, *_DEPLOYMENT_KEYS):
        name = getattr(scenario.data, key)
        text = scenario.table_text(name) if isinstance(name, str) else None
        if text is not None:
            _side_sheet(wb, key, str(name), text)
    wb.save(out)


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
