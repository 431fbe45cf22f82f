"""Side tables (network, nodes, costs) and exports, handled in memory.

A name read from an uploaded file is data, never a path on the server (issue 8): the workspace
checks every table name an upload gives, keeps the tables' text in the database, and builds
runs and exports from memory. Exports use fixed member names (``scenario/network.csv``), so
nothing a file says can choose where bytes go.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import yaml

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario._tables import FILE_KEYS, SECTIONS, escape_formula, flatten
from forcegen.scenario.limits import FILE_NAME_RULE, unsafe_file_name
from forcegen.scenario.writer import fixed_name, write_workbook

__all__ = [
    "TEMP_PREFIXES",
    "check_name",
    "export_csv_zip",
    "export_xlsx",
    "export_zip",
    "fixed_name",
    "sanitize_problems",
    "sweep_temp",
    "workbook_side_tables",
    "yaml_table_names",
]

#: Prefixes of the temporary folders forcegen creates (swept at start-up when stale).
TEMP_PREFIXES = ("forcegen-import-", "forcegen-sheet-", "forcegen-run-", "forcegen-export-")
#: Characters an XLSX cell cannot hold (openpyxl raises on them).
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def check_name(source: str, key: str, name: object, line: int | None = None) -> Problem | None:
    """A problem if ``name`` (a table name read from a file) is not a plain file name.

    The scenario reader's own rule (:func:`forcegen.scenario.limits.unsafe_file_name`),
    checked here before the reader opens anything.
    """
    reason = unsafe_file_name(name)
    if reason is None:
        return None
    shown = name[:80] if isinstance(name, str) else name
    return Problem(source, f"{key}: {shown!r}: {reason}; expected {FILE_NAME_RULE}", line, key)


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def workbook_side_tables(content: bytes, display: str) -> dict[str, str]:
    """The side tables a workbook carries as sheets: ``{name: csv text}``.

    Read from memory; names are checked before anything uses them (422 otherwise).
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # the scenario reader reports an unreadable workbook with its problems
        return {}
    try:
        sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
        refs: dict[str, str] = {}
        if "scenario" in sheets:
            for i, row in enumerate(sheets["scenario"].iter_rows(values_only=True), start=1):
                if row and row[0] is not None and str(row[0]).strip() in FILE_KEYS:
                    key = str(row[0]).strip()
                    value = row[1] if len(row) > 1 else None
                    problem = check_name(f"{display}[scenario]", key, value, i)
                    if problem is not None:
                        raise ScenarioError([problem])
                    refs[key] = str(value)
        tables: dict[str, str] = {}
        for key, name in refs.items():
            if key not in sheets:
                continue
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n")
            for row in sheets[key].iter_rows(values_only=True):
                if row is None or all(v is None for v in row):
                    continue
                writer.writerow([_text(v) for v in row])
            tables[name] = buf.getvalue()
        return tables
    finally:
        wb.close()


def yaml_table_names(path: Path, display: str) -> None:
    """Check the table names a ``scenario.yaml`` gives before the reader opens any of them.

    ``pledges: /srv/secret.csv`` would otherwise make the server read (and report on) a file
    outside the upload. Only the top-level mapping is composed (no values constructed, so an
    alias bomb is not expanded here); a file that does not compose is left to the reader,
    which reports it properly.
    """
    try:
        loader = _Loader(path.read_text(encoding="utf-8"))
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except Exception:  # malformed YAML: the scenario reader names line and column
        return
    if not isinstance(root, yaml.MappingNode):
        return
    problems = []
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value in (*SECTIONS, *FILE_KEYS)
            and isinstance(value, yaml.ScalarNode)
            and value.tag.endswith(":str")
        ):
            problem = check_name(display, key.value, value.value, key.start_mark.line + 1)
            if problem is not None:
                problems.append(problem)
    if problems:
        raise ScenarioError(problems)


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def sanitize_problems(exc: ScenarioError, root: Path, display: str) -> ScenarioError:
    """The same problems naming the upload instead of the server's temporary folder."""
    prefixes = sorted({str(root), str(root.resolve())}, key=len, reverse=True)

    def clean(text: str) -> str:
        for pre in prefixes:
            text = text.replace(pre + "/", "").replace(pre, display)
        return text

    out = []
    for p in exc.problems:
        file = clean(p.file)
        if file in ("scenario.yaml", "scenario.xlsx") or file.startswith("scenario.xlsx["):
            file = display + file[len("scenario.xlsx"):] if file.startswith("scenario.xlsx") \
                else display
        out.append(Problem(file, clean(p.message), p.line, p.field))
    return ScenarioError(out)


# ----------------------------------------------------------------------------- exports
def _side(doc: dict[str, Any], files: dict[str, str]) -> dict[str, tuple[str, str]]:
    """``{key: (fixed name, text)}`` of the side tables to export; ``doc`` renamed in place."""
    out: dict[str, tuple[str, str]] = {}
    for key in FILE_KEYS:
        ref = doc.get(key)
        if not isinstance(ref, str):
            continue
        if ref in files:
            out[key] = (fixed_name(key, ref), files[ref])
            doc[key] = out[key][0]
        else:
            doc.pop(key)  # nothing stored under that name: do not point at a missing file
    return out


def export_zip(doc: dict[str, Any], files: dict[str, str]) -> bytes:
    """A zipped scenario folder built in memory: ``scenario/scenario.yaml`` + side tables."""
    doc = dict(doc)
    side = _side(doc, files)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        zf.writestr("scenario/scenario.yaml", text)
        for name, content in side.values():
            zf.writestr(f"scenario/{name}", content)
    return buf.getvalue()


def _section_csv(rows: list[dict[str, Any]]) -> str:
    flat = [flatten(r) for r in rows]
    cols: list[str] = []
    for row in flat:
        cols += [k for k in row if k not in cols]
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=cols or ["id"])
    writer.writeheader()
    for row in flat:
        # Text a spreadsheet would run as a formula is written behind a ' (undone on read).
        writer.writerow({k: escape_formula(v) for k, v in row.items()})
    return buf.getvalue()


def export_csv_zip(doc: dict[str, Any], files: dict[str, str]) -> bytes:
    """A zipped scenario folder whose tables are CSV files (``scenario/pledges.csv`` ...).

    ``scenario.yaml`` names each table file, so the folder reads back as the same scenario;
    every file name is fixed (the section's or side table's key).
    """
    doc = dict(doc)
    side = _side(doc, files)
    tables: dict[str, str] = {}
    for section in SECTIONS:
        if doc.get(section):
            tables[f"{section}.csv"] = _section_csv(doc[section])
            doc[section] = f"{section}.csv"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("scenario/scenario.yaml", yaml.safe_dump(doc, sort_keys=False,
                                                              allow_unicode=True))
        for name, content in [*tables.items(), *side.values()]:
            zf.writestr(f"scenario/{name}", content)
    return buf.getvalue()


def _clean(v: Any) -> Any:
    """``v`` with characters a workbook cannot hold replaced by U+FFFD, nested values too.

    Legacy rows may hold such characters (now refused on entry); an export must still work.
    """
    if isinstance(v, str):
        return _XLSX_ILLEGAL.sub("\ufffd", v)
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, dict):
        return {_clean(k): _clean(x) for k, x in v.items()}
    return v


def export_xlsx(doc: dict[str, Any], files: dict[str, str]) -> bytes:
    """The scenario workbook, built in memory by the core's writer (``write_workbook``).

    The same workbook as ``forcegen export --to X.xlsx``: summary sheet first, formatted
    tables, side tables as sheets by key under fixed names.
    """
    doc = dict(doc)
    side = _side(doc, files)
    tables = {name: _clean(text) for name, text in side.values()}
    buf = io.BytesIO()
    write_workbook(_clean(doc), tables, buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- start-up
def sweep_temp(max_age_s: float = 3600.0, folder: Path | None = None) -> int:
    """Remove forcegen's temporary folders older than ``max_age_s`` (left by a killed server).

    Returns how many were removed. Only folders with forcegen's prefixes, owned by this
    user and not modified for ``max_age_s``: never a folder another process still works in.
    """
    base = folder or Path(tempfile.gettempdir())
    now = time.time()
    removed = 0
    try:
        entries = list(base.iterdir())
    except OSError:
        return 0
    for p in entries:
        try:
            if (
                p.name.startswith(TEMP_PREFIXES)
                and p.is_dir()
                and not p.is_symlink()
                and now - p.stat().st_mtime > max_age_s
            ):
                shutil.rmtree(p, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed
