"""Write a scenario back as a folder (``scenario.yaml`` + CSV tables) or an ``.xlsx`` workbook.

Writes go to a temporary sibling first and are moved into place at the end, so a failure never
leaves a half-written export.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from forcegen.exceptions import OptionError
from forcegen.scenario._scenario import Scenario
from forcegen.scenario._tables import FILE_KEYS, SECTIONS, flatten

__all__ = ["scenario_to_dict", "write_scenario"]



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


#: Deployment sections that may name a CSV table (copied on export like the side tables).
_DEPLOYMENT_KEYS = ("lift", "ports", "movements")


def _referenced_files(scenario: Scenario) -> list[str]:
    keys = (*FILE_KEYS, *_DEPLOYMENT_KEYS)
    return [n for n in (getattr(scenario.data, k) for k in keys) if isinstance(n, str)]


def _copy_referenced(scenario: Scenario, dest: Path) -> None:
    for name in _referenced_files(scenario):
        src = scenario.path_of(name)
        target = dest / name
        if src is not None and src.is_file() and not (
            target.exists() and target.resolve() == src.resolve()
        ):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)


def _write_folder(scenario: Scenario, out: Path) -> None:
    doc = scenario_to_dict(scenario)
    for section in SECTIONS:
        name = scenario.layout.get(section, "inline")
        if name in ("inline", "xlsx") or section not in doc:
            continue
        rows = [flatten(r) for r in doc[section]]
        with (out / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=_columns(rows) or ["id"])
            writer.writeheader()
            writer.writerows(rows)
        doc[section] = name
    head = {k: v for k, v in doc.items() if k not in SECTIONS}
    body = {k: doc[k] for k in SECTIONS if k in doc}
    with (out / "scenario.yaml").open("w", encoding="utf-8") as fh:
        yaml.safe_dump(head, fh, sort_keys=False, allow_unicode=True)
        if body:
            fh.write("\n")
            yaml.safe_dump(body, fh, sort_keys=False, allow_unicode=True, default_flow_style=None)
    _copy_referenced(scenario, out)


def _write_xlsx(scenario: Scenario, out: Path) -> None:
    import openpyxl

    doc = scenario_to_dict(scenario)
    wb = openpyxl.Workbook()
    meta = wb.active
    assert meta is not None
    meta.title = "scenario"
    meta.append(["key", "value"])
    for k, v in doc.items():
        if k not in SECTIONS:
            meta.append([k, v])
    for section in SECTIONS:
        ws = wb.create_sheet(section)
        rows = [flatten(r) for r in doc.get(section, [])]
        cols = _columns(rows)
        ws.append(cols)
        for row in rows:
            ws.append([row.get(c) for c in cols])
    # Side tables travel inside the workbook (sheets named by their key) so that one file
    # carries the whole scenario, e.g. through a web upload.
    for key in FILE_KEYS:
        src = scenario.path_of(getattr(scenario.data, key))
        if src is None or not src.is_file():
            continue
        ws = wb.create_sheet(key)
        with src.open(newline="", encoding="utf-8-sig") as fh:
            # Cells stay text: the sheet reproduces the CSV byte for byte when read back.
            for cells in csv.reader(fh):
                ws.append(cells)
    wb.save(out)


def write_scenario(scenario: Scenario, path: str | Path, *, overwrite: bool = False) -> Path:
    """Export ``scenario`` to a folder or, if ``path`` ends in ``.xlsx``, a workbook.

    Files the scenario references (``network.csv``, ``nodes.csv``, ``costs.csv``) are copied
    beside it so the export is complete. Reading the export gives the same scenario back.
    """
    out = Path(path)
    is_xlsx = out.suffix.lower() == ".xlsx"
    if out.exists() and not overwrite and (is_xlsx or any(out.iterdir())):
        raise OptionError(f"{out}: already exists (use overwrite to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    if is_xlsx and any(getattr(scenario.data, k) for k in _DEPLOYMENT_KEYS):
        raise OptionError(f"{out}: the deployment sections (lift, ports, movements) cannot be "
                          "exported to .xlsx yet; export to a folder")
    if is_xlsx:
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
