"""Scenario workbooks (.xlsx): one sheet per section, side tables as CSV text.

Split from :mod:`forcegen.scenario._sources` (which re-exports :func:`read_xlsx`): nothing
here validates meaning; every record keeps its sheet and row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from forcegen.exceptions import Problem
from forcegen.scenario._origin import Origin, RawScenario
from forcegen.scenario._tables import (
    DEPLOYMENT_COORD_FIELDS,
    DEPLOYMENT_KEYS,
    DEPLOYMENT_LIST_FIELDS,
    EXERCISE_KEYS,
    EXERCISE_LIST_FIELDS,
    FILE_KEYS,
    SECTIONS,
    json_value,
    needs_value,
    unescape_formula,
    unflatten,
)
from forcegen.scenario.limits import (
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_UNPACKED_BYTES,
    unsafe_file_name,
)
from forcegen.scenario.xlsx_style import number_text

__all__ = ["read_exercise_sheets", "read_xlsx"]


def _csv_text(cell: Any) -> str:
    """A side-sheet cell as the CSV text it was written from.

    Numbers were written by :func:`forcegen.scenario.xlsx_style.number_cell`, text behind a
    ``'`` if formula-like.
    """
    v = getattr(cell, "value", None)
    if v is None:
        return ""
    if isinstance(v, str):
        return str(unescape_formula(v))
    if isinstance(v, int | float) and not isinstance(v, bool):
        return number_text(v, getattr(cell, "number_format", None))
    return str(v)


def _sheet_csv_text(ws: Any, rows_limit: int) -> str:
    """A sheet's rows as CSV text (header first), empty rows left out."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    for n, row in enumerate(ws.iter_rows()):
        if n > rows_limit:
            break
        if row is None or all(getattr(c, "value", None) is None for c in row):
            continue
        writer.writerow([_csv_text(c) for c in row[:MAX_TABLE_COLUMNS]])
    return buf.getvalue()


def _sheet_to_csv(text: str, key: str) -> Path:
    """Write a sheet's CSV into a private temporary folder removed at interpreter exit.

    The file is named after the key (``network.csv``), never after a name taken from the
    workbook.
    """
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="forcegen-sheet-"))
    atexit.register(shutil.rmtree, folder, True)
    out = folder / f"{key}.csv"
    out.write_text(text, encoding="utf-8", newline="")
    return out


def _cell(v: Any) -> Any:
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v


def _check_zip(path: Path | io.BytesIO) -> str | None:
    """Why the workbook's zip is too large to open, or ``None``.

    Sizes as declared, which :mod:`zipfile` enforces while reading: a member cannot unpack to
    more than it declares.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return f"not a readable .xlsx workbook ({exc})"
    if len(members) > MAX_XLSX_MEMBERS:
        return f"the workbook holds {len(members)} parts; at most {MAX_XLSX_MEMBERS} are read"
    total = sum(m.file_size for m in members)
    if total > MAX_XLSX_UNPACKED_BYTES:
        return (f"the workbook unpacks to {total} bytes; at most {MAX_XLSX_UNPACKED_BYTES} "
                "are read")
    return None


def _table_rows(ws: Any, where: str, problems: list[Problem]) -> Any:
    """A sheet's rows, at most the header plus ``MAX_TABLE_ROWS`` (then a problem)."""
    # No ``max_col``: openpyxl would pad every row to that width (slow); rows are cut below.
    for n, row in enumerate(ws.iter_rows(values_only=True)):
        if n > MAX_TABLE_ROWS:
            problems.append(Problem(where, f"more than {MAX_TABLE_ROWS} rows; the rest were "
                                    "not read", n + 1))
            return
        yield row[: MAX_TABLE_COLUMNS + 1] if row is not None else row


def read_xlsx(path: Path | bytes, name: str | None = None) -> RawScenario:
    """A workbook with one sheet per section; sheet ``scenario`` holds ``key | value`` rows.

    A sheet ``summary`` (the overview :func:`forcegen.scenario.write_scenario` puts first) is
    derived from the rest and not read.

    ``path`` may be the workbook's bytes (a web upload, ``name`` naming it in messages): then
    nothing is read or written on disk and side sheets come back as in-memory ``tables``.
    """
    import openpyxl

    from forcegen.exceptions import ScenarioError

    display = name or str(path) if isinstance(path, Path) else name or "<workbook>"
    source: Path | io.BytesIO = path if isinstance(path, Path) else io.BytesIO(path)
    too_big = _check_zip(source)
    if too_big is not None:
        raise ScenarioError([Problem(display, too_big)])
    try:
        wb = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises BadZipFile, KeyError, ... on a corrupt file
        problem = Problem(display, f"not a readable .xlsx workbook ({exc})")
        raise ScenarioError([problem]) from None
    try:
        return _read_workbook(wb, display, path.parent if isinstance(path, Path) else None)
    finally:
        wb.close()


def _meta_value(key: str, value: Any) -> Any:
    """A ``scenario`` sheet value; ``enablers``, ``standby``, ``command``, ``x-`` hold JSON."""
    if (key in ("enablers", "standby", "command") or key.startswith("x-")) and isinstance(
        value, str
    ):
        return json_value(value)
    return value


def _read_meta(names: dict[str, Any], path: str, problems: list[Problem]
               ) -> tuple[dict[str, Any], Origin]:
    """The ``key | value`` rows of sheet ``scenario`` (``forcegen: 1`` when there is none)."""
    meta: dict[str, Any] = {}
    meta_origin = Origin(f"{path}[scenario]", None)
    if "scenario" in names:
        rows = _table_rows(names["scenario"], meta_origin.file, problems)
        for i, row in enumerate(rows, start=1):
            if not row or row[0] is None:
                continue
            key = str(row[0]).strip()
            if i == 1 and key.lower() == "key":
                continue
            meta[key] = _meta_value(key, unescape_formula(_cell(row[1] if len(row) > 1 else None)))
            meta_origin.fields[key] = i
    else:
        meta["forcegen"] = 1  # a workbook of tables only is still readable
    return meta, meta_origin


def _read_section(ws: Any, where: str, problems: list[Problem], *, deployment: bool = False,
                  exercise: bool = False) -> list[tuple[dict[str, Any], Origin]] | None:
    """A section sheet's records with their rows; None when it has too many columns.

    ``deployment``: a deployment section (its own list and place fields); ``exercise``: an
    exercise section (``window``, ``area``, ``after``, ``certifies`` lists, ``needs``).
    """
    rows = _table_rows(ws, where, problems)
    header = next(rows, None)
    if header is None:
        return []
    cols = [str(h).strip() if h is not None else "" for h in header]
    if len(cols) > MAX_TABLE_COLUMNS:
        problems.append(Problem(where, f"more than {MAX_TABLE_COLUMNS} columns", 1))
        return None
    recs: list[tuple[dict[str, Any], Origin]] = []
    for r, row in enumerate(rows, start=2):
        if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        # Text written behind a ' (formula-like) comes back without it, as from CSV.
        flat = {c: unescape_formula(_cell(v)) for c, v in zip(cols, row, strict=False) if c}
        if exercise:
            needs = flat.pop("needs", None)
            rec = unflatten(flat, EXERCISE_LIST_FIELDS)
            if isinstance(rec.get("area"), list) and len(rec["area"]) == 1:
                rec["area"] = rec["area"][0]  # one area is written as the id alone
            if isinstance(needs, str) and needs.strip():
                rec["needs"] = needs_value(needs)
        elif deployment:
            rec = unflatten(flat, DEPLOYMENT_LIST_FIELDS, DEPLOYMENT_COORD_FIELDS)
        else:
            rec = unflatten(flat)
        recs.append((rec, Origin(where, r)))
    return recs


def _side_tables(names: dict[str, Any], meta: dict[str, Any], folder: Path | None
                 ) -> tuple[dict[str, Path], dict[str, str]]:
    """Side sheets (network, nodes, ...) as CSV files attached, or as text in memory."""
    attached: dict[str, Path] = {}
    tables: dict[str, str] = {}
    for key in (*FILE_KEYS, *DEPLOYMENT_KEYS):
        ref = meta.get(key)
        if not isinstance(ref, str) or key not in names:
            continue
        # The name is data: only a plain file name is attached (validation of the scenario
        # sheet reports any other, with its row); ``is_file`` is only asked of a plain name.
        if unsafe_file_name(ref) is not None:
            continue
        text = _sheet_csv_text(names[key], MAX_TABLE_ROWS)
        if folder is None:
            tables[ref] = text
        elif not (folder / ref).is_file():  # a file of that name beside the workbook wins
            attached[ref] = _sheet_to_csv(text, key)
    return attached, tables


def _read_workbook(wb: Any, path: str, folder: Path | None) -> RawScenario:
    problems: list[Problem] = []
    sections: dict[str, list[tuple[dict[str, Any], Origin]]] = {}
    names = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    meta, meta_origin = _read_meta(names, path, problems)
    for section in SECTIONS:
        ws = names.get(section)
        if ws is None:
            continue
        recs = _read_section(ws, f"{path}[{ws.title}]", problems)
        if recs is not None:
            sections[section] = recs
    deployment: dict[str, list[tuple[dict[str, Any], Origin]]] = {}
    for key in DEPLOYMENT_KEYS:
        # A deployment section given inline was written as a sheet of records (one named as a
        # CSV table in the ``scenario`` sheet is a side sheet, attached below).
        if key in names and key not in meta:
            recs = _read_section(names[key], f"{path}[{names[key].title}]", problems,
                                 deployment=True)
            if recs is not None:
                meta[key] = [rec for rec, _ in recs]
                deployment[key] = recs
    for key in EXERCISE_KEYS:  # records kept for validate and source; checked by exercises
        if key in names:
            recs = _read_section(names[key], f"{path}[{names[key].title}]", problems,
                                 exercise=True)
            if recs is not None:
                meta[key] = [rec for rec, _ in recs]
    attached, tables = _side_tables(names, meta, folder)
    # "summary" is the overview the writer puts first: derived from the rest, so not read.
    unknown = [t for t in names
               if t not in SECTIONS and t not in FILE_KEYS and t not in DEPLOYMENT_KEYS
               and t not in EXERCISE_KEYS and t not in ("scenario", "summary")
               and not t.startswith("x-")]
    for t in unknown:
        problems.append(
            Problem(str(path), f"unknown sheet {t!r}; expected: scenario, "
                    f"{', '.join((*SECTIONS, *FILE_KEYS, *DEPLOYMENT_KEYS, *EXERCISE_KEYS))}")
        )
    return RawScenario(meta, meta_origin, sections, {s: "xlsx" for s in sections}, problems,
                       attached, tables, deployment)


def read_exercise_sheets(path: Path) -> tuple[dict[str, Any], Origin,
                                              dict[str, list[tuple[dict[str, Any], Origin]]],
                                              list[Problem]]:
    """The ``scenario`` sheet and the exercise sections' records, each with its sheet and row.

    For :mod:`forcegen.exercises`, which checks them against the scenario already read by
    :func:`read_xlsx` (that reader keeps the records but not their rows).
    """
    import openpyxl

    problems: list[Problem] = []
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        meta, origin = _read_meta(names, str(path), problems)
        out: dict[str, list[tuple[dict[str, Any], Origin]]] = {}
        for key in EXERCISE_KEYS:
            if key in names:
                out[key] = _read_section(names[key], f"{path}[{names[key].title}]", problems,
                                         exercise=True) or []
    finally:
        wb.close()
    return meta, origin, out, problems
