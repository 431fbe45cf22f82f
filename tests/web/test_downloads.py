"""Download buttons: the plan of a run (workbook, CSV tables, JSON) as the reader may see it, and
the scenario (planners), from the pages that show them."""

from __future__ import annotations

import io
import json
import re
import time
import zipfile

import openpyxl

from .conftest import Web, csrf_of


def _finished_run(web: Web) -> int:
    c = web.signed_in("lead")
    r = c.post("/runs", data={"csrf_token": csrf_of(c, "/runs"), "include": "provisional"})
    run = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
    deadline = time.monotonic() + 90
    while 'data-testid="run-state">done' not in c.get(f"/runs/{run}").text:
        assert time.monotonic() < deadline, "the sourcing run did not finish"
        time.sleep(0.3)
    return run


def _workbook_text(content: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                     for v in row if v is not None)


def test_run_page_downloads_hold_only_what_the_reader_sees(web: Web) -> None:
    run = _finished_run(web)
    lead = web.signed_in("lead")
    page = lead.get(f"/runs/{run}").text
    links = re.findall(rf'href="(/runs/{run}/download/\w+)" download', page)
    assert links == [f"/runs/{run}/download/{f}" for f in ("xlsx", "csv", "json")]
    full = {f: lead.get(f"/runs/{run}/download/{f}") for f in ("xlsx", "csv", "json")}
    plan = json.loads(full["json"].content)
    others = {a["pledge"] for a in plan["assignments"] if a["nation"] != "FRA"}
    assert others and any(a["nation"] == "FRA" for a in plan["assignments"])
    assert full["xlsx"].headers["content-disposition"] == (
        f'attachment; filename="run-{run}-plan.xlsx"')
    for who in ("liaison_fra", "observer_fra"):
        c = web.signed_in(who)
        assert f"/runs/{run}/download/xlsx" in c.get(f"/runs/{run}").text
        mine = json.loads(c.get(f"/runs/{run}/download/json").content)
        assert mine["assignments"] and {a["nation"] for a in mine["assignments"]} == {"FRA"}
        book = _workbook_text(c.get(f"/runs/{run}/download/xlsx").content)
        with zipfile.ZipFile(io.BytesIO(c.get(f"/runs/{run}/download/csv").content)) as zf:
            tables = "\n".join(zf.read(n).decode() for n in zf.namelist())
        for text in (book, tables, json.dumps(mine)):
            leaked = [p for p in others if re.search(rf"\b{re.escape(p)}\b", text)]
            assert not leaked, (who, leaked[:5])
        assert "P-FRA-" in book and "P-FRA-" in tables
    # A bad format is an error page, not a file.
    assert lead.get(f"/runs/{run}/download/pdf").status_code == 422


def test_scenario_downloads_are_for_planners(web: Web) -> None:
    lead = web.signed_in("lead")
    page = lead.get("/").text
    assert 'data-testid="scenario-downloads"' in page
    for fmt in ("xlsx", "csv", "json", "zip"):
        assert f'href="/scenario/download/{fmt}"' in page
        r = lead.get(f"/scenario/download/{fmt}")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"], fmt
    doc = json.loads(lead.get("/scenario/download/json").content)
    assert len(doc["pledges"]) == 291
    with zipfile.ZipFile(io.BytesIO(lead.get("/scenario/download/csv").content)) as zf:
        assert "scenario/pledges.csv" in zf.namelist()
    liaison = web.signed_in("liaison_fra")
    assert 'data-testid="scenario-downloads"' not in liaison.get("/").text
    assert liaison.get("/scenario/download/json").status_code == 403
