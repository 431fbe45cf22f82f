"""A ``scenario.yaml`` document split into raw records per section, each with its origin.

A section is given inline (a list of records) or as the name of a CSV table beside the file.
Split from :mod:`forcegen.scenario.reader`; nothing here validates meaning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forcegen.exceptions import Problem, ScenarioError
from forcegen.scenario._sources import Origin, RawScenario, read_csv_table
from forcegen.scenario._tables import SECTIONS
from forcegen.scenario.limits import FILE_NAME_RULE, unsafe_file_name

__all__ = ["_split_yaml"]

_Records = list[tuple[dict[str, Any], Origin]]


def _table_section(value: str, section: str, path: Path, root: Path | None,
                   line: int | None, problems: list[Problem]) -> _Records | None:
    """The records of a section given as a CSV file name; None (a problem reported) if unread."""
    if root is None:  # a scenario built in memory has no folder to read tables from
        problems.append(Problem(str(path), f"table file {value!r} cannot be read here; "
                                "give the records inline", line, section))
        return None
    table = root / value
    if not table.is_file():
        problems.append(
            Problem(str(path), f"table file {value!r} not found", line, section)
        )
        return None
    if table.suffix.lower() != ".csv":
        problems.append(
            Problem(str(path), "a table file must be a .csv", line, section)
        )
        return None
    try:
        return read_csv_table(table)
    except ScenarioError as exc:
        problems.extend(exc.problems)
    except (UnicodeDecodeError, OSError) as exc:
        problems.append(Problem(str(table), f"cannot read CSV ({exc})"))
    return None


def _inline_section(value: list[Any], section: str, path: Path, lines: dict[str, int],
                    problems: list[Problem]) -> _Records:
    """The records of a section given inline, each with its line and its fields' lines."""
    # Field lines per record in one pass over the line map (not one scan per record).
    per_item: dict[str, dict[str, int]] = {}
    head = section + "."
    for key, line in lines.items():
        if key.startswith(head):
            index, _, rest = key[len(head):].partition(".")
            if rest:
                per_item.setdefault(index, {})[rest] = line
    recs = []
    for i, item in enumerate(value):
        prefix = f"{section}.{i}"
        origin = Origin(str(path), lines.get(prefix), per_item.get(str(i), {}))
        if not isinstance(item, dict):
            problems.append(Problem(str(path), "expected a record (key: value)", origin.line))
            continue
        recs.append((item, origin))
    return recs


def _split_yaml(
    data: dict[str, Any], lines: dict[str, int], path: Path, root: Path | None
) -> RawScenario:
    problems: list[Problem] = []
    meta = {k: v for k, v in data.items() if k not in SECTIONS}
    meta_origin = Origin(str(path), None, {k: lines.get(k, 0) for k in meta if k in lines})
    sections: dict[str, _Records] = {}
    layout: dict[str, str] = {}
    for section in SECTIONS:
        if section not in data or data[section] is None:
            continue
        value = data[section]
        if isinstance(value, str):
            # The name is data: a plain file name beside the scenario, never a path.
            reason = unsafe_file_name(value)
            if reason is not None:
                problems.append(Problem(str(path), f"{reason}; expected {FILE_NAME_RULE}",
                                        lines.get(section), section))
                continue
            layout[section] = value
            recs = _table_section(value, section, path, root, lines.get(section), problems)
            if recs is not None:
                sections[section] = recs
            continue
        if not isinstance(value, list):
            problems.append(
                Problem(
                    str(path), "expected a list of records or a .csv file name",
                    lines.get(section), section,
                )
            )
            continue
        sections[section] = _inline_section(value, section, path, lines, problems)
        layout[section] = "inline"
    return RawScenario(meta, meta_origin, sections, layout, problems)
