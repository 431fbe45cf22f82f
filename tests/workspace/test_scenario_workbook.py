"""The workspace's scenario workbook is the core's (``forcegen export --to X.xlsx``): summary
sheet first, formatted tables, and the same cells as the core writes for the same scenario."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl

from forcegen.scenario import load_scenario, scenario_to_bytes
from forcegen.scenario.digest import scenario_digest

from .conftest import Workspace

API = "/api/v1"


def _export(ws: Workspace, fmt: str) -> bytes:
    r = ws.client("lead").get(f"{API}/scenario/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    return r.content


def _cells(book: Any, sheet: str) -> list[tuple[Any, ...]]:
    return list(book[sheet].iter_rows(values_only=True))


def _records(book: Any, sheet: str) -> list[list[tuple[str, Any]]]:
    """Each row as sorted (column, value) pairs, empty cells left out (column order aside)."""
    head, *rows = _cells(book, sheet)
    return sorted(sorted((str(h), v) for h, v in zip(head, r, strict=True) if v is not None)
                  for r in rows)


def test_workspace_workbook_is_the_core_writers(ws: Workspace, tmp_path: Path) -> None:
    content = _export(ws, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(content))
    # The same scenario through the core's own export (read back from the workspace's folder).
    with zipfile.ZipFile(io.BytesIO(_export(ws, "zip"))) as zf:
        zf.extractall(tmp_path)
    scenario = load_scenario(tmp_path / "scenario")
    core = openpyxl.load_workbook(io.BytesIO(scenario_to_bytes(scenario, "xlsx")))
    assert book.sheetnames[0] == "summary"
    assert book.sheetnames == core.sheetnames
    for name in book.sheetnames[1:]:
        assert _records(book, name) == _records(core, name), name
    # The summary counts the same records; only the core's digest row is extra.
    summary = dict(r for r in _cells(book, "summary")[1:] if r[0] is not None)
    core_summary = dict(r for r in _cells(core, "summary")[1:] if r[0] is not None)
    digest_row = "scenario digest (SHA-256 of the content)"
    assert core_summary.pop(digest_row) == scenario_digest(scenario)
    assert summary == core_summary
    assert summary["pledges"] == len(scenario.data.pledges) > 0
    assert summary["capability lines (requirements)"] == len(scenario.data.requirements)


def test_workspace_workbook_is_formatted(ws: Workspace) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_export(ws, "xlsx")))
    for name in ("scenario", "pledges", "requirements", "nations"):
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet["A1"].font.b, name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
    pledges = _cells(book, "pledges")
    col = pledges[0].index("quantity")
    assert all(isinstance(r[col], int) for r in pledges[1:])  # numbers as numbers, not text
    # Settings that are mappings or lists are JSON, never a Python printout.
    meta = {r[0]: r[1] for r in _cells(book, "scenario")[1:]}
    assert not any(isinstance(v, str) and v.startswith("{'") for v in meta.values())
