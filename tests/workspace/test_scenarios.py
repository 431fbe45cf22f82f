"""Scenario import and export: round trips, and a failed import changes nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from .conftest import Workspace
from .sample import sample_scenario

API = "/api/v1"


def export(ws: Workspace, fmt: str = "yaml") -> bytes:
    r = ws.client("lead").get(f"{API}/scenario/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    return r.content


def upload(ws: Workspace, name: str, content: bytes, **params: str):
    return ws.client("lead").post(
        f"{API}/scenario/import", params=params, files={"file": (name, content)}
    )


def test_yaml_export_matches_the_imported_scenario(ws: Workspace) -> None:
    doc = yaml.safe_load(export(ws))
    src = sample_scenario()
    assert doc["name"] == src["name"] and doc["x-note"] == "kept on export"
    assert [p["id"] for p in doc["pledges"]] == sorted(p["id"] for p in src["pledges"])
    fra1 = next(p for p in doc["pledges"] if p["id"] == "P-FRA-1")
    assert fra1["home"] == [2.35, 48.85] and fra1["status"] == "approved"
    fra2 = next(p for p in doc["pledges"] if p["id"] == "P-FRA-2")
    assert fra2["caveats"] == {"sectors": ["south"]}
    assert next(n for n in doc["nations"] if n["code"] == "FRA")["ceiling"] == {"personnel": 5000}
    r2 = next(r for r in doc["requirements"] if r["id"] == "R-002")
    assert str(r2["start"]) == "2026-03-01" and r2["months"] == 6


@pytest.mark.parametrize("fmt", ["zip", "xlsx", "yaml"])
def test_round_trip_through_every_format(ws: Workspace, fmt: str) -> None:
    before = yaml.safe_load(export(ws))
    content = export(ws, fmt)
    ws.client("lead").patch(f"{API}/pledges/P-POL-1", json={"version": 1, "quantity": 9})
    r = upload(ws, f"scenario.{fmt}", content)
    assert r.status_code == 200, r.text
    assert r.json()["pledges"] == 5 and not r.json()["dry_run"]
    assert yaml.safe_load(export(ws)) == before


def _bad_files() -> dict[str, tuple[str, bytes]]:
    bad_ref = sample_scenario()
    bad_ref["pledges"][0]["nation"] = "ESP"  # not a participating nation
    bad_ref["requirements"][0]["quantity"] = 0
    wb = openpyxl.Workbook()
    wb.active.title = "pledges"  # type: ignore[union-attr]
    wb.active.append(["id", "nation"])  # type: ignore[union-attr]
    wb.active.append(["P-1", "FRA"])  # type: ignore[union-attr]
    buf = io.BytesIO()
    wb.save(buf)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as zf:
        zf.writestr("../evil/scenario.yaml", "forcegen: 1\n")
    return {
        "invalid-references": ("s.yaml", yaml.safe_dump(bad_ref).encode()),
        "not-yaml": ("s.yaml", b"forcegen: [1\n  nations: {"),
        "truncated-xlsx": ("s.xlsx", b"PK\x03\x04\x14\x00\x00\x00garbage"),
        "incomplete-xlsx": ("s.xlsx", buf.getvalue()),
        "zip-traversal": ("s.zip", zbuf.getvalue()),
        "binary": ("s.bin", bytes(range(256)) * 4),
        "empty": ("s.yaml", b""),
    }


@pytest.mark.parametrize("case", sorted(_bad_files()))
def test_bad_file_is_422_and_changes_nothing(ws: Workspace, case: str) -> None:
    before = export(ws)
    audit_before = ws.client("lead").get(f"{API}/audit").json()["total"]
    name, content = _bad_files()[case]
    r = upload(ws, name, content)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] in ("invalid_scenario", "invalid_input") and err["message"]
    # The refused upload wrote nothing; the export below appends its own read entries only.
    assert ws.client("lead").get(f"{API}/audit").json()["total"] == audit_before
    assert export(ws) == before
    since = ws.client("lead").get(f"{API}/audit", params={"limit": 100}).json()
    new = since["items"][: since["total"] - audit_before]
    assert new and all(e["action"] == "read" and e["after"]["via"] == "api export yaml"
                       for e in new)


def test_problems_name_place_and_field(ws: Workspace) -> None:
    name, content = _bad_files()["invalid-references"]
    err = upload(ws, name, content).json()["error"]
    fields = {p["field"] for p in err["problems"]}
    assert any(f and "nation" in f for f in fields) and any(f and "quantity" in f for f in fields)
    assert all(p["message"] for p in err["problems"])


def test_database_failure_mid_import_rolls_back(ws: Workspace, monkeypatch) -> None:
    """An error after rows were deleted and inserted leaves the database as it was."""
    from forcegen.workspace.scenarios import importer

    before = export(ws)
    real = importer.audit.record

    def boom(db, actor, action, *a, **k):
        if action == "import":
            raise RuntimeError("disk full")
        return real(db, actor, action, *a, **k)

    monkeypatch.setattr(importer.audit, "record", boom)
    doc = sample_scenario()
    doc["pledges"] = doc["pledges"][:1]
    r = upload(ws, "s.yaml", yaml.safe_dump(doc).encode())
    assert r.status_code == 500
    monkeypatch.setattr(importer.audit, "record", real)
    assert export(ws) == before


def test_dry_run_validates_without_saving(ws: Workspace) -> None:
    doc = sample_scenario()
    doc["pledges"] = doc["pledges"][:2]
    before = export(ws)
    r = upload(ws, "s.yaml", yaml.safe_dump(doc).encode(), dry_run="true")
    assert r.status_code == 200 and r.json()["dry_run"] and r.json()["pledges"] == 2
    assert export(ws) == before


def test_import_keeps_nations_that_users_belong_to(ws: Workspace) -> None:
    doc = sample_scenario()
    doc["nations"] = [n for n in doc["nations"] if n["code"] != "DEU"]
    doc["pledges"] = [p for p in doc["pledges"] if p["nation"] != "DEU"]
    assert upload(ws, "s.yaml", yaml.safe_dump(doc).encode()).status_code == 200
    codes = {n["code"] for n in ws.client("lead").get(f"{API}/nations").json()}
    assert "DEU" in codes  # liaison_deu still belongs to it
    assert ws.client("liaison_deu").get(f"{API}/pledges").json()["total"] == 0


def test_lone_workbook_with_side_tables_imports(ws: Workspace, tmp_path: Path) -> None:
    """A workbook exported by forcegen carries network/nodes as sheets: one upload suffices."""
    from forcegen.scenario import load_scenario, write_scenario

    example = Path(__file__).resolve().parents[2] / "examples" / "reassurance-force"
    book = write_scenario(load_scenario(example), tmp_path / "sub" / "example.xlsx")
    r = upload(ws, "example.xlsx", book.read_bytes())
    assert r.status_code == 200, r.text
    assert r.json()["pledges"] > 200
