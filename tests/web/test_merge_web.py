"""The pledge merge pages: a pledges.csv upload previews added/changed/removed and applies only
what was previewed; liaisons merge their own nation's; observers may not."""

from __future__ import annotations

import re

from forcegen.workspace.database import session_scope
from forcegen.workspace.models import Pledge

from .conftest import EXAMPLE, Web, csrf_of

CSV = (EXAMPLE / "pledges.csv").read_bytes()


def _edit(content: bytes, pledge_id: str, column: str, value: str) -> bytes:
    lines = content.decode().splitlines()
    header = lines[0].split(",")
    col = header.index(column)
    out = []
    for line in lines:
        cells = line.split(",")
        if cells[0] == pledge_id:
            cells[col] = value
        out.append(",".join(cells))
    return ("\n".join(out) + "\n").encode()


def _only(content: bytes, nation: str) -> bytes:
    lines = content.decode().splitlines()
    keep = [lines[0], *(ln for ln in lines[1:] if ln.split(",")[1] == nation)]
    return ("\n".join(keep) + "\n").encode()


def _hidden(page: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert m, f"no hidden {name}"
    return m.group(1)


def _quantity(web: Web, pledge_id: str) -> int | None:
    with session_scope(web.factory) as db:
        p = db.get(Pledge, pledge_id)
        return None if p is None else p.quantity


def test_the_example_pledges_csv_merges_as_unchanged(web: Web) -> None:
    c = web.signed_in("lead")
    token = csrf_of(c, "/import")
    r = c.post("/import", data={"csrf_token": token},
               files={"file": ("pledges.csv", CSV, "text/csv")})
    assert r.status_code == 200, r.text
    assert "expected a mapping" not in r.text
    assert "0 to add, 0 to change, 0 to remove, 291 unchanged" in r.text
    assert 'data-testid="merge-confirm"' not in r.text


def test_preview_then_confirm_applies_the_change_and_a_stale_preview_is_refused(web: Web) -> None:
    c = web.signed_in("lead")
    token = csrf_of(c, "/import/pledges")
    content = _edit(CSV, "P-FRA-05", "quantity", "7")
    r = c.post("/import/pledges", data={"csrf_token": token},
               files={"file": ("pledges.csv", content, "text/csv")})
    assert r.status_code == 200, r.text
    assert 'data-pledge="P-FRA-05" data-field="quantity"' in r.text
    row = r.text[r.text.index('data-field="quantity"'):]
    assert re.search(r'class="old">\d+</td><td class="new">7<', row)
    form = {"csrf_token": token, "token": _hidden(r.text, "token"),
            "preview": _hidden(r.text, "preview")}
    # Someone else changes the pledge before the confirmation: the preview is stale.
    other = web.signed_in("admin")
    before = _quantity(web, "P-FRA-05")
    with session_scope(web.factory) as db:
        p = db.get(Pledge, "P-FRA-05")
        assert p is not None
        p.personnel += 1
    r = c.post("/import/pledges/confirm", data=form)
    assert r.status_code == 409 and 'data-testid="stale"' in r.text
    assert _quantity(web, "P-FRA-05") == before
    # Preview again (the personnel change now shows too) and confirm.
    r = c.post("/import/pledges", data={"csrf_token": token},
               files={"file": ("pledges.csv", content, "text/csv")})
    assert 'data-pledge="P-FRA-05" data-field="personnel"' in r.text
    form = {"csrf_token": token, "token": _hidden(r.text, "token"),
            "preview": _hidden(r.text, "preview")}
    r = c.post("/import/pledges/confirm", data=form)
    assert r.status_code == 303, r.text
    assert "1 changed" in r.headers["location"] or "1%20changed" in r.headers["location"]
    assert _quantity(web, "P-FRA-05") == 7
    assert other.get("/pledges/P-FRA-05").status_code == 200


def test_liaison_replaces_own_nation_only_and_observer_is_refused(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    page = c.get("/import/pledges")
    assert page.status_code == 200 and 'href="/import/pledges"' in page.text
    token = csrf_of(c, "/import/pledges")
    fra = _only(CSV, "FRA")
    first = fra.decode().splitlines()[1].split(",")[0]
    smaller = fra.replace((fra.decode().splitlines()[1] + "\n").encode(), b"")
    r = c.post("/import/pledges", data={"csrf_token": token, "replace": "FRA"},
               files={"file": ("pledges.csv", smaller, "text/csv")})
    assert r.status_code == 200, r.text
    assert re.findall(r'data-merge="removed" data-pledge="([^"]+)"', r.text) == [first]
    r = c.post("/import/pledges", data={"csrf_token": token, "replace": "DEU"},
               files={"file": ("pledges.csv", smaller, "text/csv")})
    assert r.status_code == 403
    r = c.post("/import/pledges", data={"csrf_token": token},
               files={"file": ("pledges.csv", CSV, "text/csv")})
    assert r.status_code == 422 and 'data-testid="problems"' in r.text
    assert "your own nation" in r.text
    # Another user cannot confirm this user's preview.
    r = c.post("/import/pledges", data={"csrf_token": token},
               files={"file": ("pledges.csv", _edit(fra, first, "quantity", "9"), "text/csv")})
    form = {"token": _hidden(r.text, "token"), "preview": _hidden(r.text, "preview")}
    deu = web.signed_in("liaison_deu")
    r = deu.post("/import/pledges/confirm", data={**form, "csrf_token": csrf_of(deu, "/")})
    assert r.status_code == 410 and _quantity(web, first) != 9
    obs = web.signed_in("observer_fra")
    assert obs.get("/import/pledges").status_code == 403
    obs_token = csrf_of(obs, "/")
    r = obs.post("/import/pledges", data={"csrf_token": obs_token},
                 files={"file": ("pledges.csv", fra, "text/csv")})
    assert r.status_code == 403
    assert c.post("/import/pledges", files={"file": ("pledges.csv", fra)}).status_code == 403


def test_a_workbook_of_pledges_only_on_the_import_page_is_merged(web: Web) -> None:
    import csv
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Pledges"
    for row in csv.reader(io.StringIO(_edit(CSV, "P-FRA-05", "quantity", "7").decode())):
        sheet.append([int(v) if v.isdigit() else v or None for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    c = web.signed_in("lead")
    r = c.post("/import", data={"csrf_token": csrf_of(c, "/import")},
               files={"file": ("pledges.xlsx", buf.getvalue())})
    assert r.status_code == 200, r.text
    assert "0 to add, 1 to change, 0 to remove, 290 unchanged" in r.text
    assert 'data-pledge="P-FRA-05" data-field="quantity"' in r.text
