"""Issue 8 (critical): a name read from an uploaded file never chooses where the server writes.

The attack: export the workbook, add a ``scenario``-sheet row ``costs | nodir/../../<target>``
and a ``costs`` sheet, import it; the next run or zip export wrote the sheet to ``<target>``.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from sqlalchemy import update

from forcegen.workspace.database import session_scope
from forcegen.workspace.reference import WorkspaceMeta

from .conftest import Workspace
from .test_runs import wait

API = "/api/v1"


def _export(ws: Workspace, fmt: str) -> bytes:
    r = ws.client("lead").get(f"{API}/scenario/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    return r.content


def _evil_workbook(ws: Workspace, key: str, name: str, sheet: list[list[str]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(_export(ws, "xlsx")))
    wb["scenario"].append([key, name])
    ws_ = wb.create_sheet(key)
    for row in sheet:
        ws_.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _targets(tmp_path: Path) -> list[str]:
    target = tmp_path / "victim" / "pwned.pth"
    return [f"nodir/../../../../../../../..{target}", str(target), "../pwned.csv", "a\\..\\b.csv"]


@pytest.mark.parametrize("key", ["costs", "network"])
def test_side_sheet_name_outside_the_folder_is_refused(
    ws: Workspace, tmp_path: Path, key: str
) -> None:
    before = _export(ws, "yaml")
    for name in _targets(tmp_path):
        book = _evil_workbook(ws, key, name, [["site", "sector", "cost"], ["import os", "x", "1"]])
        r = ws.client("lead").post(
            f"{API}/scenario/import", files={"file": ("s.xlsx", book)}
        )
        assert r.status_code == 422, (name, r.text)
        err = r.json()["error"]
        assert err["field"] == key and "plain file name" in err["message"]
        assert _export(ws, "yaml") == before
    # And nothing a run or an export does writes there either.
    rid = ws.client("lead").post(f"{API}/runs", json={}).json()["id"]
    assert wait(ws, rid)["state"] == "done"
    _export(ws, "zip")
    _export(ws, "xlsx")
    assert not (tmp_path / "victim").exists()


def _plant(ws: Workspace, key: str, name: str) -> None:
    """A malicious name already in the database (stored before the fix, or by hand)."""
    with session_scope(ws.factory) as db:
        db.add(WorkspaceMeta(key=key, value=name))
        db.execute(
            update(WorkspaceMeta)
            .where(WorkspaceMeta.key == "files")
            .values(value={name: "from,to,hours\nA,B,1\n"})
        )
        if db.get(WorkspaceMeta, "files") is None:
            db.add(WorkspaceMeta(key="files", value={name: "from,to,hours\nA,B,1\n"}))


def test_runs_and_exports_never_write_stored_names(ws: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "victim" / "pwned.pth"
    _plant(ws, "network", f"nodir/../../../../../../../..{target}")
    rid = ws.client("lead").post(f"{API}/runs", json={}).json()["id"]
    assert wait(ws, rid)["state"] == "done"
    with zipfile.ZipFile(io.BytesIO(_export(ws, "zip"))) as zf:
        names = zf.namelist()
        doc = yaml.safe_load(zf.read("scenario/scenario.yaml"))
    # Fixed member names: the scenario and its table, whatever name the data held.
    assert sorted(names) == ["scenario/network.csv", "scenario/scenario.yaml"]
    assert doc["network"] == "network.csv"
    book = openpyxl.load_workbook(io.BytesIO(_export(ws, "xlsx")))
    meta = {r[0]: r[1] for r in book["scenario"].iter_rows(values_only=True)}
    assert meta["network"] == "network.csv" and "network" in book.sheetnames
    assert not (tmp_path / "victim").exists()


def test_uploads_leave_no_temporary_folders(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8 Low: each workbook with a side sheet left a ``forcegen-sheet-*`` folder."""
    book = _evil_workbook(ws, "network", "network.csv", [["from", "to", "hours"], ["A", "B", "1"]])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    r = ws.client("lead").post(f"{API}/scenario/import", files={"file": ("s.xlsx", book)})
    assert r.status_code == 200, r.text
    bad = _evil_workbook(ws, "network", "network.csv", [["from", "to", "hours"], ["A", "B", "1"]])
    wb = openpyxl.load_workbook(io.BytesIO(bad))
    wb["pledges"].append(["P-BAD", "FRA", "X-ROLE2", 0])
    buf = io.BytesIO()
    wb.save(buf)
    r = ws.client("lead").post(f"{API}/scenario/import", files={"file": ("s.xlsx", buf.getvalue())})
    assert r.status_code == 422
    # Problems name the upload, never the server's temporary folder.
    assert str(scratch) not in r.text and "forcegen-" not in r.text
    assert any(p["file"].startswith("s.xlsx") for p in r.json()["error"]["problems"])
    assert list(scratch.iterdir()) == []
    # The stored side table round-trips through the database.
    with zipfile.ZipFile(io.BytesIO(_export(ws, "zip"))) as zf:
        assert zf.read("scenario/network.csv").decode().splitlines() == ["from,to,hours", "A,B,1"]


def test_stale_temporary_folders_are_swept(tmp_path: Path) -> None:
    import os

    from forcegen.workspace.scenarios.files import sweep_temp

    old = tmp_path / "forcegen-sheet-abc"
    old.mkdir()
    (old / "x.csv").write_text("x")
    os.utime(old, (1, 1))
    fresh = tmp_path / "forcegen-import-new"
    fresh.mkdir()
    other = tmp_path / "someone-else"
    other.mkdir()
    os.utime(other, (1, 1))
    assert sweep_temp(folder=tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forcegen-import-new", "someone-else"]


def test_yaml_table_names_outside_the_upload_are_refused_before_reading(
    ws: Workspace, tmp_path: Path
) -> None:
    """``pledges: /srv/secret.csv`` made the server read a file of its own into the import."""
    from .sample import sample_scenario

    secret = tmp_path / "secret" / "pledges.csv"
    secret.parent.mkdir()
    # Were it read, the reader would quote the bad cell back in its problem list.
    secret.write_text("id,nation,capability,quantity,personnel,notice_days\n"
                      "P-FRA-77,FRA,X-ROLE2,SERVER-SECRET,1,1\n")
    before = _export(ws, "yaml")
    for ref in (str(secret), f"../../../../../../../..{secret}"):
        doc = sample_scenario()
        doc["pledges"] = ref
        r = ws.client("lead").post(
            f"{API}/scenario/import", files={"file": ("s.yaml", yaml.safe_dump(doc).encode())}
        )
        assert r.status_code == 422, (ref, r.text)
        assert r.json()["error"]["field"] == "pledges" and "SERVER-SECRET" not in r.text
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("s/scenario.yaml", yaml.safe_dump(doc))
        r = ws.client("lead").post(
            f"{API}/scenario/import", files={"file": ("s.zip", buf.getvalue())}
        )
        assert r.status_code == 422 and r.json()["error"]["field"] == "pledges", r.text
        assert "SERVER-SECRET" not in r.text
    assert _export(ws, "yaml") == before
