"""The deployment sections of a scenario workbook (``.xlsx``), as :mod:`.model` reads YAML.

A workbook carries the sections as ``forcegen export --to X.xlsx`` writes them
(``docs/scenario.md``, "Tables"): ``c_day`` and ``enablers`` as rows of sheet ``scenario``, the
sections ``lift``, ``ports`` and ``movements`` as sheets of records, or named in the
``scenario`` sheet as CSV tables travelling as side sheets (a file of that name beside the
workbook wins, as for the sourcing loader). Every record keeps its sheet and row
(``book.xlsx[movements]:12``) so that each problem names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forcegen.exceptions import Problem
from forcegen.scenario._sources import Origin, read_csv_table, read_xlsx

__all__ = ["WorkbookSections", "read_book"]

#: The deployment sections read as records.
_SECTIONS = ("lift", "ports", "movements")


@dataclass(frozen=True)
class WorkbookSections:
    """The deployment keys of a workbook: top-level values and each section's records."""

    file: Path
    data: dict[str, Any]
    lines: dict[str, int]  # row of each key in sheet ``scenario``
    records: dict[str, list[tuple[dict[str, Any], Origin]]]


def _side_sheet(
    file: Path, ref: str, attached: dict[str, Path], key: str, problems: list[Problem]
) -> list[tuple[dict[str, Any], Origin]]:
    """A section named as a CSV table: the file beside the workbook, else its side sheet."""
    beside = file.parent / ref
    if ref in attached:
        where = f"{file}[{key}]"
        # The side sheet was written out as CSV under a private temporary name: its rows are
        # the sheet's rows (header = row 1), so only the file is renamed in messages.
        rows = [(rec, Origin(where, o.line)) for rec, o in read_csv_table(attached[ref])]
    elif beside.suffix.lower() == ".csv" and beside.is_file():
        rows = read_csv_table(beside)
    else:
        problems.append(
            Problem(
                f"{file}[scenario]",
                f"table {ref!r} not found (expected a "
                f"sheet {key!r} in the workbook or a .csv beside it)",
                None,
                key,
            )
        )
        return []
    for rec, _ in rows:
        if isinstance(rec.get("after"), str):  # list cells separate items with ";"
            rec["after"] = [t.strip() for t in rec["after"].split(";") if t.strip()]
        if isinstance(rec.get("sectors"), str):
            rec["sectors"] = [t.strip() for t in rec["sectors"].split(";") if t.strip()]
    return rows


def read_book(file: Path, problems: list[Problem]) -> WorkbookSections:
    """Read the deployment keys of the workbook ``file``; problems are appended to ``problems``.

    Raises
    ------
    forcegen.exceptions.ScenarioError
        When the file is not a readable workbook (or too large to open).
    """
    from forcegen.scenario.limits import unsafe_file_name

    raw = read_xlsx(file)
    problems.extend(raw.problems)
    data = dict(raw.meta)
    lines = dict(raw.meta_origin.fields)
    records: dict[str, list[tuple[dict[str, Any], Origin]]] = {}
    for key in _SECTIONS:
        value = data.get(key)
        if key in raw.deployment:
            records[key] = raw.deployment[key]
        elif isinstance(value, str):
            bad_name = unsafe_file_name(value)
            if bad_name is not None:  # the name is data: never a path outside the folder
                problems.append(
                    Problem(
                        f"{file}[scenario]", f"table {value!r}: {bad_name}", lines.get(key), key
                    )
                )
                records[key] = []
            else:
                records[key] = _side_sheet(file, value, raw.attached, key, problems)
        elif value is not None:
            problems.append(
                Problem(
                    f"{file}[scenario]",
                    "expected a sheet of records or a .csv table name",
                    lines.get(key),
                    key,
                )
            )
            records[key] = []
    rules = data.get("command")
    if isinstance(rules, list):  # JSON text in sheet ``scenario``: its row names each rule
        where = Origin(f"{file}[scenario]", lines.get("command"))
        records["command"] = [(r if isinstance(r, dict) else {"?": r}, where) for r in rules]
    elif rules is not None:
        problems.append(Problem(f"{file}[scenario]", "expected a JSON list of command rules",
                                lines.get("command"), "command"))
        records["command"] = []
    return WorkbookSections(file, data, lines, records)
