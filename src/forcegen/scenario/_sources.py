"""Read raw scenario records from YAML, CSV and XLSX, remembering where each value came from.

Nothing here validates meaning: it produces plain dicts plus a :class:`Origin` per record so that
validation can name the file, line (or sheet row) and field of every problem.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

from forcegen._gc import gc_paused
from forcegen.exceptions import Problem
from forcegen.scenario._tables import FILE_KEYS, SECTIONS, unescape_formula, unflatten
from forcegen.scenario.limits import (
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_UNPACKED_BYTES,
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_ALIASES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    unsafe_file_name,
)
from forcegen.scenario.xlsx_style import number_text

__all__ = ["Origin", "RawScenario", "parse_yaml", "read_csv_table", "read_xlsx", "read_yaml"]


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
    #: Side tables held in memory (a workbook read from bytes), by the name the scenario gives.
    tables: dict[str, str] = field(default_factory=dict)


def _csv_text(cell: Any) -> str:
    """A side-sheet cell as the CSV text it was written from (numbers written by
    :func:`forcegen.scenario.xlsx_style.number_cell`, text behind a ``'`` if formula-like)."""
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


# --------------------------------------------------------------------------- YAML with lines
# libyaml's composer is an order of magnitude faster than the pure-Python one and gives the
# same node marks; the pure-Python loader stays as the fallback where libyaml is missing.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_FLOAT_CHARS = "0123456789.eE"


def _first_char_resolvers() -> dict[str, list[tuple[str, Any]]]:
    table = _Base.yaml_implicit_resolvers
    wild = list(table.get(None, []))
    return {k: [*v, *wild] for k, v in table.items() if k is not None}


class _LineLoader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader; we walk composed nodes ourselves to keep line numbers.

    libyaml's composer calls back into Python to resolve the tag of every node (a fifth of
    the parse of a large file): the safe loader has no path resolvers, so the path hooks do
    nothing and ``resolve`` is PyYAML's with its per-call list building done once.
    """

    _by_first: ClassVar[dict[str, list[tuple[str, Any]]]] = _first_char_resolvers()
    _wild: ClassVar[list[tuple[str, Any]]] = list(_Base.yaml_implicit_resolvers.get(None, []))

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self._by_first.get(value[:1], self._wild):
                    if regexp.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1


class _Walker:
    """Composed nodes -> plain objects plus a line per dotted path, within the parse limits.

    An alias is the same node object met again; expanding it copies the anchor's value, so
    aliases, their expansion and nesting depth are counted here (libyaml itself composes a
    few hundred bytes of nested aliases instantly; it is the expansion that explodes).
    """

    def __init__(self, loader: yaml.SafeLoader, lines: dict[str, int] | None) -> None:
        self.loader = loader
        self.lines = lines  # None: no line map wanted (no dotted paths built either)
        self.constructors = loader.yaml_constructors
        self.seen: set[int] = set()  # collection nodes already expanded once
        self.open: set[int] = set()  # collection nodes on the current path (cycle check)
        self.aliases = 0
        self.alias_depth = 0  # > 0 while expanding an alias
        self.alias_nodes = 0
        self.nodes = 0

    def scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        # Plain decimal numbers (most values in a large file) without PyYAML's general
        # constructors; anything else (signs, "_", 0x, 0o, 1:30, .inf) takes the full path.
        if tag == _INT:
            v = node.value
            if v.isascii() and v.isdigit() and (v[0] != "0" or len(v) == 1):
                return int(v)
        elif tag == _FLOAT:
            v = node.value
            if v.isascii() and not v.strip(_FLOAT_CHARS):
                return float(v)
        ctor = self.constructors.get(node.tag)
        if ctor is None or not isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)  # refuses unknown tags
        return ctor(self.loader, node)

    def walk(self, node: yaml.Node, path: str, depth: int) -> Any:
        lines = self.lines
        if lines is not None:
            lines[path] = node.start_mark.line + 1
        self.nodes += 1
        if self.alias_depth:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_YAML_ALIAS_NODES:
                raise _TooBig(node, f"aliases expand to more than {MAX_YAML_ALIAS_NODES} values")
        if self.nodes > MAX_YAML_NODES:
            raise _TooBig(node, f"more than {MAX_YAML_NODES} values")
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return self.scalar(node)
        key = id(node)
        if key in self.open:
            raise _TooBig(node, "an alias refers to the collection that contains it")
        if depth > MAX_YAML_DEPTH:
            raise _TooBig(node, f"nested more than {MAX_YAML_DEPTH} levels deep")
        alias = key in self.seen
        if alias:
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise _TooBig(node, f"more than {MAX_YAML_ALIASES} alias uses")
            self.alias_depth += 1
        self.seen.add(key)
        self.open.add(key)
        try:
            if isinstance(node, yaml.SequenceNode):
                if lines is None:
                    return [self.walk(item, "", depth + 1) for item in node.value]
                head = f"{path}." if path else ""
                return [self.walk(item, f"{head}{i}", depth + 1)
                        for i, item in enumerate(node.value)]
            if lines is None:
                return self._mapping_plain(node, depth)
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    k = str(self.scalar(key_node))
                else:  # a complex key: constructed by PyYAML (bounded by the checks above)
                    k = str(self.walk(key_node, path, depth + 1))
                if lines is None:
                    out[k] = self.walk(value_node, "", depth + 1)
                    continue
                sub = f"{path}.{k}" if path else k
                out[k] = self.walk(value_node, sub, depth + 1)
                lines[sub] = key_node.start_mark.line + 1
            return out
        finally:
            self.open.discard(key)
            if alias:
                self.alias_depth -= 1


    def _mapping_plain(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        """A mapping without the line map: :meth:`walk` with its scalar values read in line
        (the records of a large file are flat mappings; a call per value was a fifth of the
        parse). Counts and limits are those of :meth:`walk`."""
        out: dict[str, Any] = {}
        scalar_node = yaml.ScalarNode
        for key_node, value_node in node.value:
            if type(key_node) is scalar_node:
                k = key_node.value if key_node.tag == _STR else str(self.scalar(key_node))
            else:  # a complex key: constructed by PyYAML (bounded by the checks in walk)
                k = str(self.walk(key_node, "", depth + 1))
            if type(value_node) is scalar_node and not self.alias_depth:
                self.nodes += 1
                if self.nodes > MAX_YAML_NODES:
                    raise _TooBig(value_node, f"more than {MAX_YAML_NODES} values")
                out[k] = value_node.value if value_node.tag == _STR else self.scalar(value_node)
            else:
                out[k] = self.walk(value_node, "", depth + 1)
        return out


def read_yaml(path: Path, *, lines: bool = True) -> tuple[Any, dict[str, int]]:
    """Parse a YAML file into plain objects and a map ``dotted.path -> line``.

    With ``lines=False`` the map is left empty (and no dotted path is built): a third faster
    on large files, for a caller that parses again with lines only when it has a problem to
    report (the data and the parse limits are the same either way).

    Raises
    ------
    forcegen.exceptions.ScenarioError
        On a syntax error, naming the line and column, or when the file exceeds a parse limit
        (aliases, nesting, size; see :mod:`forcegen.scenario.limits`).
    """
    return parse_yaml(path.read_text(encoding="utf-8"), str(path), lines=lines)


def parse_yaml(text: str, source: str, *, lines: bool = True) -> tuple[Any, dict[str, int]]:
    """:func:`read_yaml` on text already in memory; ``source`` names it in messages."""
    # The parse allocates a few objects per value and frees none of them: the cyclic garbage
    # collector would only rescan the growing heap again and again (a third of the time on a
    # 5,000-pledge file), so it pauses for the parse (nesting- and thread-safe, see _gc).
    with gc_paused():
        return _parse_yaml(text, source, lines)


def _parse_yaml(text: str, source: str, want_lines: bool) -> tuple[Any, dict[str, int]]:
    from forcegen.exceptions import ScenarioError

    loader = _LineLoader(text)
    lines: dict[str, int] = {}
    try:
        root = loader.get_single_node()
        walker = _Walker(loader, lines if want_lines else None)
        data = walker.walk(root, "", 0) if root is not None else None
    except _TooBig as exc:
        problem = Problem(source, f"YAML exceeds a parse limit: {exc}", exc.line)
        raise ScenarioError([problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = f"malformed YAML: {exc.problem or exc.context}"
        if mark is not None:
            msg += f" (column {mark.column + 1})"
        raise ScenarioError([Problem(source, msg, line)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(source, f"malformed YAML: {exc}")]) from None
    except (RecursionError, ValueError, OverflowError) as exc:
        # PyYAML's own constructors (timestamps, complex keys) on hostile input.
        raise ScenarioError([Problem(source, f"malformed YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return data, lines


# --------------------------------------------------------------------------- CSV
def read_csv_table(path: Path) -> list[tuple[dict[str, Any], Origin]]:
    """Rows of a CSV table as nested records, each with its file line (header = line 1).

    Raises
    ------
    forcegen.exceptions.ScenarioError
        When the table has more rows or columns than the limits allow, or is not valid CSV.
    """
    from forcegen.exceptions import ScenarioError

    out: list[tuple[dict[str, Any], Origin]] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        line = 0  # the last line read; a row starts on the next one
        try:
            header = reader.fieldnames  # reads the header, so line_num is where it ended
            if header is not None and len(header) > MAX_TABLE_COLUMNS:
                raise ScenarioError([Problem(
                    str(path), f"{len(header)} columns; at most {MAX_TABLE_COLUMNS} are read", 1
                )])
            line = reader.line_num
            for row in reader:
                if len(out) >= MAX_TABLE_ROWS:
                    raise ScenarioError([Problem(
                        str(path), f"more than {MAX_TABLE_ROWS} rows; split the table or "
                        "remove rows", line + 1
                    )])
                extra = row.pop(None, None)
                rec = unflatten({k: unescape_formula(v) for k, v in row.items()})
                if extra:
                    rec["__extra_cells__"] = extra
                out.append((rec, Origin(str(path), line + 1)))
                line = reader.line_num
        except csv.Error as exc:
            raise ScenarioError(
                [Problem(str(path), f"not valid CSV ({exc})", line + 1)]
            ) from None
    return out


# --------------------------------------------------------------------------- XLSX
def _cell(v: Any) -> Any:
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v


def _check_zip(path: Path | io.BytesIO) -> str | None:
    """Why the workbook's zip is too large to open, or ``None`` (sizes as declared, which
    :mod:`zipfile` enforces while reading: a member cannot unpack to more than it declares)."""
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


def _read_workbook(wb: Any, path: str, folder: Path | None) -> RawScenario:
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    meta_origin = Origin(f"{path}[scenario]", None)
    sections: dict[str, list[tuple[dict[str, Any], Origin]]] = {}
    names = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    if "scenario" in names:
        rows = _table_rows(names["scenario"], meta_origin.file, problems)
        for i, row in enumerate(rows, start=1):
            if not row or row[0] is None:
                continue
            key = str(row[0]).strip()
            if i == 1 and key.lower() == "key":
                continue
            meta[key] = unescape_formula(_cell(row[1] if len(row) > 1 else None))
            meta_origin.fields[key] = i
    else:
        meta["forcegen"] = 1  # a workbook of tables only is still readable
    for section in SECTIONS:
        ws = names.get(section)
        if ws is None:
            continue
        where = f"{path}[{ws.title}]"
        rows = _table_rows(ws, where, problems)
        header = next(rows, None)
        if header is None:
            sections[section] = []
            continue
        cols = [str(h).strip() if h is not None else "" for h in header]
        if len(cols) > MAX_TABLE_COLUMNS:
            problems.append(Problem(where, f"more than {MAX_TABLE_COLUMNS} columns", 1))
            continue
        recs: list[tuple[dict[str, Any], Origin]] = []
        for r, row in enumerate(rows, start=2):
            if row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            # Text written behind a ' (formula-like) comes back without it, as from CSV.
            flat = {c: unescape_formula(_cell(v)) for c, v in zip(cols, row, strict=False) if c}
            recs.append((unflatten(flat), Origin(where, r)))
        sections[section] = recs
    attached: dict[str, Path] = {}
    tables: dict[str, str] = {}
    for key in FILE_KEYS:
        ref = meta.get(key)
        if ref is None or key not in names:
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
    unknown = [t for t in names
               if t not in SECTIONS and t not in FILE_KEYS and t != "scenario"
               and not t.startswith("x-")]
    for t in unknown:
        problems.append(
            Problem(str(path), f"unknown sheet {t!r}; expected: scenario, {', '.join(SECTIONS)}")
        )
    return RawScenario(meta, meta_origin, sections, {s: "xlsx" for s in sections}, problems,
                       attached, tables)
