"""Where the record sections of a scenario file come from: a YAML list or a CSV table.

Shared by the deployment, exercise and relief loaders (each validates its own records).

Kept apart from those packages so that reading relief (say) does not import the deployment
planner and its solver stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario._sources import Origin, read_csv_table
from forcegen.scenario.limits import unsafe_file_name

__all__ = ["records_of", "scenario_file"]


def scenario_file(path: Path, sections: str = "deployment") -> Path:
    """The YAML file of a scenario folder or path whose ``sections`` are read (not from .xlsx).

    ``sections="deployment"`` also takes a workbook; the exercise and relief sections
    (``"exercise"``, ``"relief"``) are read from YAML only.
    """
    if not path.exists():
        raise ScenarioError([Problem(str(path), "no such file or folder")])
    if path.is_dir():
        for name in ("scenario.yaml", "scenario.yml"):
            if (path / name).is_file():
                return path / name
        if sections == "deployment" and (path / "scenario.xlsx").is_file():
            return path / "scenario.xlsx"
        raise ScenarioError([Problem(str(path), "folder has no scenario.yaml")])
    if path.suffix.lower() == ".xlsx" and sections == "deployment":
        return path
    if path.suffix.lower() not in (".yaml", ".yml"):
        what = ("a scenario folder, a .yaml file or an .xlsx workbook" if sections ==
                "deployment" else f"a scenario folder or a .yaml file ({sections} sections "
                "are not read from .xlsx yet)")
        raise ScenarioError([Problem(str(path), f"expected {what}")])
    return path


def records_of(data: dict[str, Any], lines: dict[str, int], path: Path, section: str,
             problems: list[Problem]) -> list[tuple[dict[str, Any], Origin]]:
    """The records of ``section`` with their origins: a YAML list, or a CSV table beside it.

    Problems (a missing or unsafe table name, a non-list, a non-record item) are appended to
    ``problems`` naming the file, line and section; the records that read are returned.
    """
    value = data.get(section)
    if value is None:
        return []
    if isinstance(value, str):  # a CSV table beside scenario.yaml, as for the other sections
        table = path.parent / value
        if unsafe_file_name(value) is not None or table.suffix.lower() != ".csv" \
                or not table.is_file():
            problems.append(Problem(str(path), f"table file {value!r} not found (expected a .csv "
                                    "beside scenario.yaml)", lines.get(section), section))
            return []
        out = read_csv_table(table)
        for rec, _ in out:
            if isinstance(rec.get("after"), str):  # list cells separate items with ";"
                rec["after"] = [t.strip() for t in rec["after"].split(";") if t.strip()]
        return out
    if not isinstance(value, list):
        problems.append(Problem(str(path), "expected a list of records or a .csv file name",
                                lines.get(section), section))
        return []
    out = []
    head = section + "."
    per_item: dict[str, dict[str, int]] = {}
    for key, line in lines.items():
        if key.startswith(head):
            index, _, rest = key[len(head):].partition(".")
            if rest:
                per_item.setdefault(index, {})[rest] = line
    file = str(path)
    for i, item in enumerate(value):
        # Without line numbers (the first, fast read of a large file) no item has any.
        origin = Origin(file, lines.get(f"{section}.{i}"), per_item.get(str(i), {})) \
            if lines else Origin(file, None, {})
        if not isinstance(item, dict):
            problems.append(Problem(str(path), "expected a record (key: value)", origin.line,
                                    f"{section}[{i + 1}]"))
            continue
        out.append((item, origin))
    return out
