"""An uploaded pledge table (``pledges.csv`` or a workbook's ``pledges`` sheet) as checked rows.

Read entirely in memory: nothing is written to disk and no name from the file becomes a path.
Each row is validated with the scenario's own pledge model (``forcegen.scenario.models``), so
the same rules hold as for a whole scenario; every problem names the upload, its line (CSV) or
sheet row, and the field.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pydantic import ValidationError

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario._sources import read_xlsx
from forcegen.scenario._tables import unescape_formula, unflatten
from forcegen.scenario._xlsx import _check_zip
from forcegen.scenario.limits import MAX_TABLE_COLUMNS, MAX_TABLE_ROWS
from forcegen.scenario.models import Pledge

__all__ = ["MAX_PROBLEMS", "PledgeRow", "is_pledge_table", "problems_from", "read_pledge_table"]

#: Problems listed per upload; the rest are counted in one more line.
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class PledgeRow:
    """One valid row of the table.

    Attributes
    ----------
    line
        The CSV line (header = 1) or sheet row it came from.
    pledge
        The row as the scenario's pledge model (extension keys ``x-...`` kept).
    """

    line: int
    pledge: Pledge


#: Sheets of which a workbook holding any is a scenario, not a pledge table.
_SCENARIO_SHEETS = frozenset({"scenario", "nations", "catalog", "sectors", "requirements"})


def is_pledge_table(filename: str, content: bytes) -> bool:
    """Whether an upload is a pledge table rather than a whole scenario.

    A ``.csv`` file, or a workbook whose only table sheet is ``pledges``.
    """
    if not content.startswith(b"PK\x03\x04"):
        return PurePosixPath(filename or "").suffix.lower() == ".csv"
    if _check_zip(io.BytesIO(content)) is not None:
        return False  # too large to look into: the scenario import reports it
    try:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    except Exception:  # not a workbook: the scenario import reports it
        return False
    try:
        names = {n.strip().lower() for n in wb.sheetnames}
    finally:
        wb.close()
    return "pledges" in names and not names & _SCENARIO_SHEETS


def _csv_records(display: str, content: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(display, f"not UTF-8 text (byte {exc.start})")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    out: list[tuple[int, dict[str, Any]]] = []
    line = 0
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        if len(header) > MAX_TABLE_COLUMNS:
            raise ScenarioError([Problem(display, f"{len(header)} columns; at most "
                                         f"{MAX_TABLE_COLUMNS} are read", 1)])
        if "id" not in header:
            raise ScenarioError([Problem(display, "no 'id' column: a pledge table's first line "
                                         "names its columns (id, nation, capability, ...)", 1)])
        reader.fieldnames = header
        line = reader.line_num
        for row in reader:
            if len(out) >= MAX_TABLE_ROWS:
                raise ScenarioError(
                    [Problem(display, f"more than {MAX_TABLE_ROWS} rows", line + 1)])
            extra = row.pop(None, None)
            rec = unflatten({k: unescape_formula(v) for k, v in row.items()})
            if extra:
                rec["__extra_cells__"] = extra
            if rec:
                out.append((line + 1, rec))
            line = reader.line_num
    except csv.Error as exc:
        raise ScenarioError([Problem(display, f"not valid CSV ({exc})", line + 1)]) from None
    return out


def _sheet_records(display: str, content: bytes) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    raw = read_xlsx(content, display)
    if "pledges" not in raw.sections:
        raise ScenarioError([Problem(display, "the workbook has no 'pledges' sheet")])
    where = next(o.file for _, o in raw.sections["pledges"]) if raw.sections["pledges"] else (
        f"{display}[pledges]")
    # The reader's own problems with the pledges sheet (too many rows or columns); other sheets
    # are not read for a merge.
    own = [p for p in raw.problems if p.file.lower() == where.lower()]
    if own:
        raise ScenarioError(own)
    return where, [(o.line or 0, rec) for rec, o in raw.sections["pledges"]]


def problems_from(exc: ValidationError, where: str, line: int) -> list[Problem]:
    """A pydantic error on one row as problems naming its field."""
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"] if not (isinstance(x, str) and ("[" in x or x == "str"))]
        field = ".".join(loc) or str((err.get("ctx") or {}).get("field", "")) or None
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "required field is missing"
        elif "input" in err and not isinstance(err["input"], dict | list):
            message += f" (got {str(err['input'])[:50]!r})"
        out.append(Problem(where, message, line, field))
    return out


def read_pledge_table(filename: str, content: bytes) -> tuple[str, list[PledgeRow]]:
    """The rows of an uploaded pledge table and the name its problems use.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        With every problem (at most :data:`MAX_PROBLEMS`, then a count): unreadable file,
        invalid value (line and field), an id given twice.
    """
    display = PurePosixPath(filename or "upload").name or "upload"
    if content.startswith(b"PK\x03\x04"):
        where, records = _sheet_records(display, content)
    else:
        where, records = display, _csv_records(display, content)
    problems: list[Problem] = []
    rows: list[PledgeRow] = []
    first_line: dict[str, int] = {}
    for line, rec in records:
        if "__extra_cells__" in rec:
            problems.append(Problem(where, "more cells than the header has columns", line))
            continue
        ident = str(rec.get("id", "")).strip()
        if ident and ident in first_line:
            problems.append(Problem(where, f"pledge id {ident[:50]!r} is also on line "
                                    f"{first_line[ident]}", line, "id"))
            continue
        first_line.setdefault(ident, line)
        try:
            rows.append(PledgeRow(line, Pledge.model_validate(rec)))
        except ValidationError as exc:
            problems.extend(problems_from(exc, where, line))
    if not records and not problems:
        problems.append(Problem(where, "the table has no pledge rows"))
    if problems:
        raise ScenarioError(capped(problems, where))
    return where, rows


def capped(problems: list[Problem], where: str) -> list[Problem]:
    """At most :data:`MAX_PROBLEMS` problems, then one counting the rest."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], Problem(where, f"... and {rest} more problem(s)")]
