"""Full labels (``x-label``) in scenario files: a CSV column and a workbook cell carry the
4774 label's JSON form without loss, through the library and through the workspace's export
and import; a bad one is refused naming the file, the row and the field, nothing stored."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import text

from forcegen.labels.label import label_to_json, make_label
from forcegen.scenario.reader import load_scenario
from forcegen.scenario.writer import write_scenario
from forcegen.workspace.label_store import label_columns

from .conftest import Workspace

API = "/api/v1"
REL, SH = "Releasable To", "Special Handling"
EXAMPLE = Path(__file__).parents[2] / "examples" / "reassurance-force"
FULL = make_label("NATO", "NATO SECRET", {SH: ["ATOMAL"], REL: ["FRA", "POL"],
                                          "Community": ["INTEL"]}, originator="FRA")


@pytest.mark.parametrize("out", ["folder", "scenario.xlsx"])
def test_library_round_trip_of_x_label_in_csv_and_xlsx(tmp_path: Path, out: str) -> None:
    s = load_scenario(EXAMPLE)
    first, second = s.pledges[0], s.requirements[0]
    assert first.__pydantic_extra__ is not None and second.__pydantic_extra__ is not None
    first.__pydantic_extra__["x-label"] = label_to_json(FULL)
    uk = make_label("GBR", "OFFICIAL-SENSITIVE", {SH: ["UK EYES ONLY"]})
    second.__pydantic_extra__["x-label"] = label_to_json(uk)
    target = tmp_path / out
    write_scenario(s, target)
    back = load_scenario(target)
    got = {p.id: (p.__pydantic_extra__ or {}).get("x-label") for p in back.pledges}
    assert got[first.id] == label_to_json(FULL)
    assert sum(v is not None for v in got.values()) == 1
    req = next(r for r in back.requirements if r.id == second.id)
    assert (req.__pydantic_extra__ or {})["x-label"] == label_to_json(uk)


def _set_label(ws: Workspace) -> None:
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE users SET clearance = 4, nation = 'FRA', memberships = :m "
                          "WHERE username = 'admin'"),
                     {"m": json.dumps({SH: ["ATOMAL"], "Community": ["INTEL"]})})
        cols = label_columns(FULL)
        conn.execute(text("UPDATE pledges SET " + ", ".join(f"{k} = :{k}" for k in cols)
                          + " WHERE id = 'P-FRA-1'"), cols)


def _forget_label(ws: Workspace) -> None:
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE pledges SET label = NULL, label_policy = NULL, "
                          "label_restrictive = NULL, label_permissive = NULL, label_rank = NULL, "
                          "label_open = NULL, classification = 0, releasable_to = NULL "
                          "WHERE id = 'P-FRA-1'"))


def _zip_with(content: bytes, name: str, edit: Any) -> bytes:
    """The exported zip with member ``name`` (a CSV) rewritten by ``edit(rows)``."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for member in src.namelist():
            data = src.read(member)
            if member.endswith(name):
                rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
                edit(rows)
                buf = io.StringIO()
                w = csv.DictWriter(buf, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
                data = buf.getvalue().encode()
            dst.writestr(member, data)
    return out.getvalue()


def _pledge_label(ws: Workspace) -> Any:
    return ws.client("admin").get(f"{API}/pledges/P-FRA-1").json()["label"]


def test_workspace_csv_export_and_import_keep_the_label(ws: Workspace) -> None:
    _set_label(ws)
    admin = ws.client("admin")
    content = admin.get(f"{API}/scenario/export?format=csv").content
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    pledges = next(n for n in names if n.endswith("pledges.csv"))
    rows = list(csv.DictReader(io.StringIO(
        zipfile.ZipFile(io.BytesIO(content)).read(pledges).decode())))
    row = next(r for r in rows if r["id"] == "P-FRA-1")
    assert json.loads(row["x-label"]) == label_to_json(FULL)  # one cell, the JSON form
    _forget_label(ws)
    r = admin.post(f"{API}/scenario/import", files={"file": ("scenario.zip", content)})
    assert r.status_code == 200, r.text
    assert _pledge_label(ws) == label_to_json(FULL)

    # A bad label in a cell: named by file, row and field; nothing imported.
    line = rows.index(row) + 2  # the header is row 1
    for bad, reason in (("not json", "expected an object"),
                        (json.dumps({**label_to_json(FULL), "classification": "SECRETISH"}),
                         "SECRETISH"),
                        (json.dumps(label_to_json(make_label("NATO", "NATO SECRET",
                                                              {SH: ["CRYPTO"]}))), "CRYPTO")):
        def edit(rows: list[dict[str, str]], bad: str = bad) -> None:
            next(x for x in rows if x["id"] == "P-FRA-1")["x-label"] = bad
            next(x for x in rows if x["id"] != "P-FRA-1")["quantity"] = "77"

        r = admin.post(f"{API}/scenario/import",
                       files={"file": ("scenario.zip", _zip_with(content, "pledges.csv", edit))})
        assert r.status_code == 422, r.text
        text_ = r.text
        assert f"pledges.csv row {line}" in text_, text_
        assert "P-FRA-1" in text_ and "field x-label" in text_ and reason in text_, text_
        assert _pledge_label(ws) == label_to_json(FULL)  # nothing changed
        quantities = {p["id"]: p["quantity"]
                      for p in admin.get(f"{API}/pledges?limit=500").json()["items"]}
        assert 77 not in quantities.values()


def test_workspace_xlsx_export_and_import_keep_the_label(ws: Workspace) -> None:
    _set_label(ws)
    admin = ws.client("admin")
    content = admin.get(f"{API}/scenario/export?format=xlsx").content
    wb = openpyxl.load_workbook(io.BytesIO(content))
    sheet = wb["pledges"]
    header = [c.value for c in sheet[1]]
    col = header.index("x-label") + 1
    row_no = next(r for r in range(2, sheet.max_row + 1)
                  if sheet.cell(r, header.index("id") + 1).value == "P-FRA-1")
    assert json.loads(sheet.cell(row_no, col).value) == label_to_json(FULL)
    _forget_label(ws)
    r = admin.post(f"{API}/scenario/import", files={"file": ("scenario.xlsx", content)})
    assert r.status_code == 200, r.text
    assert _pledge_label(ws) == label_to_json(FULL)

    sheet.cell(row_no, col).value = json.dumps({**label_to_json(FULL), "policyIdentifier": "XX"})
    buf = io.BytesIO()
    wb.save(buf)
    r = admin.post(f"{API}/scenario/import", files={"file": ("scenario.xlsx", buf.getvalue())})
    assert r.status_code == 422, r.text
    text_ = r.text
    assert f"[pledges] row {row_no}" in text_ and "field x-label" in text_, text_
    assert "unknown policy" in text_ and "P-FRA-1" in text_
    assert _pledge_label(ws) == label_to_json(FULL)


@pytest.mark.parametrize("fmt", ["folder", "scenario.xlsx"])
def test_validate_names_the_file_row_and_field_of_a_bad_x_label(tmp_path: Path,
                                                               fmt: str) -> None:
    from typer.testing import CliRunner

    from forcegen.cli.main import app

    s = load_scenario(EXAMPLE)
    bad = {**label_to_json(FULL), "classification": "NATO SECRETISH"}
    target = s.pledges[2]
    assert target.__pydantic_extra__ is not None
    target.__pydantic_extra__["x-label"] = bad
    out = tmp_path / fmt
    write_scenario(s, out)
    r = CliRunner().invoke(app, ["validate", str(out)])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    place = "pledges.csv:4" if fmt == "folder" else "[pledges]:4"
    assert place in r.output and "[x-label]" in r.output, r.output
    assert f"pledges[{target.id}]" in r.output and "NATO SECRETISH" in r.output
