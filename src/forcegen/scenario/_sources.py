"""Read raw scenario records from YAML, CSV and XLSX, remembering where each value came from.

Nothing here validates meaning: it produces plain dicts plus a :class:`Origin` per record so that
validation can name the file, line (or sheet row) and field of every problem.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from forcegen.exceptions import Problem
from forcegen.scenario._tables import FILE_KEYS, SECTIONS, unflatten

__all__ = ["Origin", "RawScenario", "read_csv_table", "read_xlsx", "read_yaml"]


@dataclass
class Origin:
    """Where a record came from; ``fields`` maps a dotted key path to its own line."""

    file: str
    line: int | None
    fields: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        # The longest known prefix of the path: a bad list item points at its list's line.
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if key in self.fields:
                return self.fields[key]
        return self.line


@dataclass
class RawScenario:
    meta: dict[str, Any]
    meta_origin: Origin
    sections: dict[str, list[tuple[dict[str, Any], Origin]]]
    layout: dict[str, str]
    problems: list[Problem]
    attached: dict[str, Path] = field(default_factory=dict)


def _sheet_to_csv(ws: Any, name: str) -> Path:
    """Write a sheet as CSV into a private temporary folder removed at interpreter exit."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="forcegen-sheet-"))
    atexit.register(shutil.rmtree, folder, True)
    out = folder / Path(name).name
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        for row in ws.iter_rows(values_only=True):
            if row is None or all(v is None for v in row):
                continue
            writer.writerow(["" if v is None else v for v in row])
    return out


# --------------------------------------------------------------------------- YAML with lines
# libyaml's composer is an order of magnitude faster and gives the same node marks.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader; we walk composed nodes ourselves to keep line numbers."""


def _construct(node: yaml.Node, path: str, lines: dict[str, int], loader: yaml.SafeLoader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            sub = f"{path}.{key}" if path else key
            out[key] = _construct(value_node, sub, lines, loader)
            lines[sub] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(item, f"{path}.{i}" if path else str(i), lines, loader)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def read_yaml(path: Path) -> tuple[Any, dict[str, int]]:
    """Parse a YAML file into plain objects and a map ``dotted.path -> line``.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        On a syntax error, naming the line and column.
    """
    from forcegen.exceptions import ScenarioError

    text = path.read_text(encoding="utf-8")
    loader = _LineLoader(text)
    try:
        root = loader.get_single_node()
        lines: dict[str, int] = {}
        data = _construct(root, "", lines, loader) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = f"malformed YAML: {exc.problem or exc.context}"
        if mark is not None:
            msg += f" (column {mark.column + 1})"
        raise ScenarioError([Problem(str(path), msg, line)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(str(path), f"malformed YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return data, lines


# --------------------------------------------------------------------------- CSV
def read_csv_table(path: Path) -> list[tuple[dict[str, Any], Origin]]:
    """Rows of a CSV table as nested records, each with its file line."""
    out: list[tuple[dict[str, Any], Origin]] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        line = reader.line_num
        for row in reader:
            extra = row.pop(None, None)
            rec = unflatten(row)
            if extra:
                rec["__extra_cells__"] = extra
            out.append((rec, Origin(str(path), line + 1)))
            line = reader.line_num
    return out


# --------------------------------------------------------------------------- XLSX
def _cell(v: Any) -> Any:
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v


def read_xlsx(path: Path) -> RawScenario:
    """A workbook with one sheet per section; sheet ``scenario`` holds ``key | value`` rows."""
    import openpyxl

    from forcegen.exceptions import ScenarioError

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises BadZipFile, KeyError, ... on a corrupt file
        problem = Problem(str(path), f"not a readable .xlsx workbook ({exc})")
        raise ScenarioError([problem]) from None
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    meta_origin = Origin(f"{path}[scenario]", None)
    sections: dict[str, list[tuple[dict[str, Any], Origin]]] = {}
    names = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    if "scenario" in names:
        for i, row in enumerate(names["scenario"].iter_rows(values_only=True), start=1):
            if not row or row[0] is None:
                continue
            key = str(row[0]).strip()
            if i == 1 and key.lower() == "key":
                continue
            meta[key] = _cell(row[1] if len(row) > 1 else None)
            meta_origin.fields[key] = i
    else:
        meta["forcegen"] = 1  # a workbook of tables only is still readable
    for section in SECTIONS:
        ws = names.get(section)
        if ws is None:
            continue
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            sections[section] = []
            continue
        cols = [str(h).strip() if h is not None else "" for h in header]
        recs: list[tuple[dict[str, Any], Origin]] = []
        for r, row in enumerate(rows, start=2):
            if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            flat = {c: _cell(v) for c, v in zip(cols, row, strict=False) if c}
            recs.append((unflatten(flat), Origin(f"{path}[{ws.title}]", r)))
        sections[section] = recs
    attached: dict[str, Path] = {}
    for key in FILE_KEYS:
        ref = meta.get(key)
        if isinstance(ref, str) and key in names and not (path.parent / ref).is_file():
            attached[ref] = _sheet_to_csv(names[key], ref)
    unknown = [t for t in names
               if t not in SECTIONS and t not in FILE_KEYS and t != "scenario"
               and not t.startswith("x-")]
    for t in unknown:
        problems.append(
            Problem(str(path), f"unknown sheet {t!r}; expected: scenario, {', '.join(SECTIONS)}")
        )
    wb.close()
    return RawScenario(meta, meta_origin, sections, {s: "xlsx" for s in sections}, problems,
                       attached)
