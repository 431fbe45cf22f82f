"""Classification labels in the web UI: hidden above clearance, shown as cells, markings and
banners, set from the forms with errors inline at their field, kept by an untouched edit."""

from __future__ import annotations

import html
import re
from typing import Any

from forcegen.labels.legacy import legacy_to_label
from forcegen.workspace.database import session_scope
from forcegen.workspace.label_store import LABEL_COLUMNS, label_columns
from forcegen.workspace.models import Pledge, Requirement, User
from forcegen.workspace.runs import service as runs

from .conftest import Web, csrf_of, pledge_form

#: Raw SQL that sets the legacy columns returns the row to the legacy form (``label_store``).
LEGACY_FORM = ", ".join(f"{c} = NULL" for c in LABEL_COLUMNS)


def stored_label(level: int, rel: str | None, owner: str | None) -> dict[str, Any]:
    return label_columns(legacy_to_label(level, rel, owner), rel, legacy=True)

ROW = re.compile(r'data-pledge="([^"]+)"')


def _set_user(web: Web, name: str, clearance: int, nation: str | None = "keep") -> None:
    with session_scope(web.factory) as db:
        user = db.query(User).filter_by(username=name).one()
        user.clearance = clearance
        if nation != "keep":
            user.nation = nation


def _label(web: Web, model: Any, key: str, classification: int, rel: str | None) -> None:
    with session_scope(web.factory) as db:
        row = db.get(model, key)
        assert row is not None
        cols = stored_label(classification, rel, getattr(row, "nation", None))
        for key, value in cols.items():
            setattr(row, key, value)


def _stored(web: Web, model: Any, key: str) -> tuple[int, str | None, int] | None:
    with session_scope(web.factory) as db:
        row = db.get(model, key)
        return None if row is None else (row.classification, row.releasable_to, row.version)


def _error_at(page: str, field: str) -> str:
    m = re.search(rf'<p class="error"[^>]*data-field="{field}">([^<]*)</p>', page)
    assert m, f"no inline error at {field}"
    return html.unescape(m.group(1))


def _banners(page: str) -> list[str]:
    found = re.findall(r'<div class="cl-banner ([a-z-]+)"[^>]*>([^<]*)</div>', page)
    assert len(found) == 2, "a banner at the top and one at the bottom"
    return [f"{css}|{text}" for css, text in found]


def test_secret_pledge_is_hidden_below_clearance(web: Web) -> None:
    _label(web, Pledge, "P-GBR-01", 3, None)
    _set_user(web, "lead", 2)  # CONFIDENTIAL: one level short
    c = web.signed_in("lead")
    listed = ROW.findall(c.get("/pledges?nation=GBR").text)
    assert "P-GBR-02" in listed and "P-GBR-01" not in listed
    assert c.get("/pledges/P-GBR-01").status_code == 404
    # Owning a pledge does not beat the clearance: FRA's own SECRET pledge is hidden from it.
    _label(web, Pledge, "P-FRA-05", 3, None)
    f = web.signed_in("liaison_fra")
    assert "P-FRA-05" not in ROW.findall(f.get("/pledges").text)
    assert f.get("/pledges/P-FRA-05").status_code == 404
    # Cleared to SECRET, the lead sees it again.
    _set_user(web, "lead", 3)
    assert "P-GBR-01" in ROW.findall(c.get("/pledges?nation=GBR").text)
    assert c.get("/pledges/P-GBR-01").status_code == 200


def test_label_cells_markings_and_banners_for_a_cleared_user(web: Web) -> None:
    _label(web, Pledge, "P-GBR-01", 3, ",FRA,GBR,")
    _label(web, Requirement, "R-002", 2, None)
    _set_user(web, "lead", 3, nation="GBR")
    c = web.signed_in("lead")

    table = c.get("/pledges?nation=GBR").text
    row = table[table.index('data-pledge="P-GBR-01"'):]
    row = row[: row.index("</tr>")]
    assert '<span class="cl cl-secret" title="SECRET // REL TO FRA, GBR"' in row
    assert ">S</span>" in row
    other = table[table.index('data-pledge="P-GBR-02"'):]
    assert 'title="UNCLASSIFIED"' in other[: other.index("</tr>")]
    # The table's banner: the high-water mark of the rows listed.
    assert _banners(table) == ["cl-secret|SECRET // REL TO FRA, GBR"] * 2

    detail = c.get("/pledges/P-GBR-01").text
    tag = '<span class="marking cl-secret" data-testid="marking">SECRET // REL TO FRA, GBR</span>'
    assert tag in detail
    assert _banners(detail) == ["cl-secret|SECRET // REL TO FRA, GBR"] * 2
    assert '<option value="SECRET" selected>' in detail  # the form shows the stored label
    assert 'name="releasable_to" type="text" value="FRA, GBR"' in detail
    assert '<option value="TOP SECRET"' not in detail  # levels up to the user's clearance

    lines = c.get("/requirements").text
    row = lines[lines.index('data-requirement="R-002"'):]
    assert '<span class="cl cl-confidential" title="CONFIDENTIAL"' in row[: row.index("</tr>")]
    assert "CONFIDENTIAL" in c.get("/requirements/R-002").text

    # A run is marked with its label (queued: its cap, released to its starter's nation).
    with session_scope(web.factory) as db:
        starter = db.query(User).filter_by(username="lead").one()
        run_id = runs.create(db, starter, [], "CONFIDENTIAL").id
    page = c.get(f"/runs/{run_id}").text
    assert 'data-testid="marking">CONFIDENTIAL // REL TO GBR</span>' in page
    assert _banners(page) == ["cl-confidential|CONFIDENTIAL // REL TO GBR"] * 2

    # Pages made from everything the user may see carry the user's ceiling.
    for path in ("/", "/orbat", "/map"):
        assert _banners(c.get(path).text) == ["cl-secret|Page may contain up to SECRET"] * 2
    account = c.get("/account").text
    assert 'data-testid="nation">GBR<' in account
    assert 'data-testid="clearance"><span class="marking cl-secret" data-testid="marking">SECRET' \
        in account
    assert "cl-banner" not in web.client().get("/login").text


def test_label_above_clearance_is_refused_inline_and_saves_nothing(web: Web) -> None:
    _set_user(web, "liaison_fra", 1)  # RESTRICTED
    c = web.signed_in("liaison_fra")
    form = c.get("/pledges/P-FRA-05").text
    assert '<option value="RESTRICTED"' in form and '<option value="CONFIDENTIAL"' not in form
    token = csrf_of(c, "/pledges/P-FRA-05")
    before = _stored(web, Pledge, "P-FRA-05")
    r = c.post("/pledges/P-FRA-05", data={"csrf_token": token, **pledge_form(
        web, "P-FRA-05", quantity="2", classification="SECRET", releasable_to="")})
    assert r.status_code == 422
    assert "above your clearance" in _error_at(r.text, "classification")
    assert 'id="f-classification"' in r.text and 'aria-describedby="e-classification"' in r.text
    assert _stored(web, Pledge, "P-FRA-05") == before == (0, None, 1)

    new = {"csrf_token": token, "id": "P-FRA-98", "nation": "FRA", "capability": "ROLE1-MED",
           "quantity": "1", "personnel": "60", "notice_days": "10"}
    r = c.post("/pledges/new", data={**new, "classification": "TOP SECRET"})
    assert r.status_code == 422 and "above your clearance" in _error_at(r.text, "classification")
    assert _stored(web, Pledge, "P-FRA-98") is None
    # Releasability errors land at their field too: a bad code, and (below) a list a
    # nationless planner sets, which would hide the line from them.
    r = c.post("/pledges/new", data={**new, "releasable_to": "GBR, fr"})
    assert r.status_code == 422 and "not a nation code" in _error_at(r.text, "releasable_to")
    assert _stored(web, Pledge, "P-FRA-98") is None

    lead = web.signed_in("lead")  # a planner without a nation cannot restrict release
    token = csrf_of(lead, "/requirements/new")
    r = lead.post("/requirements/new", data={
        "csrf_token": token, "id": "R-900", "capability": "ROLE1-MED", "sector": "kyiv",
        "quantity": "1", "priority": "1", "notice_days": "10", "releasable_to": "FRA"})
    assert r.status_code == 422 and "own nation" in _error_at(r.text, "releasable_to")
    assert _stored(web, Requirement, "R-900") is None


def test_new_pledge_releasable_to_deu_is_stored(web: Web) -> None:
    c = web.signed_in("liaison_deu")
    token = csrf_of(c, "/pledges/new")
    r = c.post("/pledges/new", data={
        "csrf_token": token, "id": "P-DEU-99", "nation": "DEU", "capability": "ROLE1-MED",
        "quantity": "1", "personnel": "60", "notice_days": "10",
        "classification": "UNCLASSIFIED", "releasable_to": " deu "})
    assert r.status_code == 303, r.text
    assert _stored(web, Pledge, "P-DEU-99") == (0, ",DEU,", 1)
    api = c.get("/api/v1/pledges/P-DEU-99")
    assert api.status_code == 200
    assert api.json()["releasable_to"] == ["DEU"]
    assert "UNCLASSIFIED // REL TO DEU" in c.get("/pledges/P-DEU-99").text
    # Released to Germany only: a planner with no nation does not see it.
    assert web.signed_in("lead").get("/pledges/P-DEU-99").status_code == 404


def test_untouched_label_fields_keep_the_label(web: Web) -> None:
    _set_user(web, "liaison_fra", 1)
    # Not releasable to anyone but its owner: the form cannot spell that (empty means the
    # coalition), so resubmitting it untouched must not widen it.
    _label(web, Pledge, "P-FRA-05", 1, ",")
    _label(web, Pledge, "P-FRA-09", 1, ",FRA,GBR,")
    c = web.signed_in("liaison_fra")
    token = csrf_of(c, "/pledges/P-FRA-05")
    form = c.get("/pledges/P-FRA-05").text
    assert 'name="releasable_to" type="text" value=""' in form
    r = c.post("/pledges/P-FRA-05", data={"csrf_token": token, **pledge_form(
        web, "P-FRA-05", quantity="2", classification="RESTRICTED", releasable_to="")})
    assert r.status_code == 303
    assert _stored(web, Pledge, "P-FRA-05") == (1, ",", 3)  # saved (labelling made it v2)
    # Same codes typed in another order and case: unchanged.
    r = c.post("/pledges/P-FRA-09", data={"csrf_token": token, **pledge_form(
        web, "P-FRA-09", quantity="2", classification="RESTRICTED", releasable_to="gbr,FRA")})
    assert r.status_code == 303
    assert _stored(web, Pledge, "P-FRA-09") == (1, ",FRA,GBR,", 3)
    # A real change is saved: down to UNCLASSIFIED, released to the coalition.
    r = c.post("/pledges/P-FRA-09", data={"csrf_token": token, **pledge_form(
        web, "P-FRA-09", classification="UNCLASSIFIED", releasable_to="")})
    assert r.status_code == 303
    assert _stored(web, Pledge, "P-FRA-09") == (0, None, 4)


def test_run_form_caps_the_data_a_run_may_use(web: Web) -> None:
    _set_user(web, "lead", 2, nation="GBR")
    c = web.signed_in("lead")
    form = c.get("/runs").text
    offered = re.findall(r'<option value="([A-Z ]+)"', form[form.index("run-max-classification"):])
    assert offered[:3] == ["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL"] and len(offered) == 3
    token = csrf_of(c, "/runs")
    r = c.post("/runs", data={"csrf_token": token, "max_classification": "RESTRICTED"})
    assert r.status_code == 303
    run_id = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
    with session_scope(web.factory) as db:
        run = db.get(runs.SourcingRun, run_id)
        assert run is not None and run.classification == 1  # capped, not the lead's clearance
    # A level above the user's clearance is refused, and no run is queued for it.
    with session_scope(web.factory) as db:
        before = db.query(runs.SourcingRun).count()
    r = c.post("/runs", data={"csrf_token": token, "max_classification": "SECRET"})
    assert r.status_code == 422
    with session_scope(web.factory) as db:
        assert db.query(runs.SourcingRun).count() == before


def _wait_for_runs(web: Web) -> None:
    import time

    deadline = time.monotonic() + 120
    while True:
        with session_scope(web.factory) as db:
            if all(r.state in ("done", "failed") for r in db.query(runs.SourcingRun)):
                return
        assert time.monotonic() < deadline, "sourcing runs did not finish"
        time.sleep(0.3)


def _readable(response: Any) -> str:
    """A response as text: a page, a CSV, a zip's members, a workbook's cells."""
    import io
    import zipfile

    import openpyxl

    kind = response.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        wb = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(str(v) for ws in wb.worksheets
                         for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    if "zip" in kind:
        with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
            return "\n".join(zf.read(n).decode() for n in zf.namelist())
    return str(response.text)


def test_no_page_leaks_what_labels_hide(web: Web) -> None:
    """Every page a user can open, for every user not cleared: no trace of TOP SECRET items
    (names, and the ids of hidden pledges and requirements)."""
    from sqlalchemy import text

    from .conftest import USERS

    _set_user(web, "admin", 4, nation="FRA")
    with session_scope(web.factory) as db:
        db.execute(text("UPDATE pledges SET name = 'ZZLEAK-' || id, classification = 4, "
                        + LEGACY_FORM + " WHERE id IN ('P-FRA-05', 'P-GBR-01', 'P-POL-01')"))
        db.execute(text("UPDATE requirements SET name = 'ZZLEAK-' || id, classification = 4, "
                        + LEGACY_FORM
                        + " WHERE id IN (SELECT id FROM requirements ORDER BY id LIMIT 3)"))
        hidden_req = [r[0] for r in db.execute(
            text("SELECT id FROM requirements WHERE classification = 4"))]
    admin = web.signed_in("admin")
    assert "ZZLEAK" in admin.get("/pledges?nation=FRA").text  # the sweep can see one
    # A run over everything (admin) and one over what the lead may see: the first is hidden.
    token = csrf_of(admin, "/runs")
    assert admin.post("/runs", data={"csrf_token": token}).status_code == 303
    # And one the others may see, to sweep its pages and downloads.
    lead = web.signed_in("lead")
    assert lead.post("/runs", data={"csrf_token": csrf_of(lead, "/runs")}).status_code == 303
    _wait_for_runs(web)
    # An audited change of a hidden pledge: its entry (and snapshots) must stay hidden too.
    r = admin.post("/pledges/P-FRA-05", data={
        **pledge_form(web, "P-FRA-05", quantity="2"), "csrf_token": token})
    assert r.status_code == 303, r.text
    with session_scope(web.factory) as db:
        audit_seq = db.execute(text("SELECT max(seq) FROM audit_log")).scalar()
    assert "P-FRA-05" in admin.get(f"/audit/{audit_seq}").text  # the sweep can see it
    pages = ["/", "/pledges", "/pledges?nation=FRA", "/requirements", "/runs", "/orbat",
             "/map", "/account", "/import", "/pledges/new", "/requirements/new",
             "/pledges/P-FRA-05", *(f"/requirements/{r}" for r in hidden_req),
             # searches, downloads and account pages
             # (searched for parts of the secrets: the search box shows what was typed)
             "/pledges?q=LEAK", "/pledges?q=FRA-05", "/pledges?q=P-", "/requirements?q=R-",
             "/requirements?q=LEAK", "/runs?q=admin", "/pledges.csv", "/pledges.csv?q=P-",
             "/requirements.csv", "/requirements.csv?q=LEAK", "/admin/users",
             "/admin/users/new", "/scenario/download/json", "/scenario/download/csv",
             "/scenario/download/xlsx",
             # the nations page (pledge counts) and the audit trail (entries, chain head)
             "/nations", "/nations?q=fra", "/nations/FRA", "/nations/GBR", "/audit",
             "/audit?entity=pledge", "/audit?actor=admin&entity=pledge", "/audit?actor=admin",
             f"/audit/{audit_seq}", "/audit/verify"]
    with session_scope(web.factory) as db:
        pages += [f"/runs/{r.id}" for r in db.query(runs.SourcingRun)]
        # Issue 11 part B: the pledge merge page, the comparison and the map of a run.
        pages += ["/import/pledges", "/compare"]
        pages += [f"/compare?a={r.id}&b={r.id}" for r in db.query(runs.SourcingRun)]
        pages += [f"/map?run={r.id}" for r in db.query(runs.SourcingRun)]
        for r in db.query(runs.SourcingRun):
            pages += [f"/runs/{r.id}", *(f"/runs/{r.id}/download/{f}"
                                         for f in ("json", "csv", "xlsx"))]
    # The sweep reads every download too (a zip's members, a workbook's cells).
    assert "ZZLEAK" in _readable(admin.get("/pledges.csv?q=LEAK"))
    assert "P-FRA-05" in _readable(admin.get("/pledges?q=FRA-05"))
    assert "ZZLEAK" in _readable(admin.get("/scenario/download/xlsx"))
    leaks = []
    for who in USERS:
        if who == "admin":
            continue
        c = web.signed_in(who)
        for path in pages:
            body = _readable(c.get(path))
            for secret in ("ZZLEAK", "P-FRA-05", "P-GBR-01", *hidden_req):
                if secret in body:
                    leaks.append(f"{who} {path}: {secret}")
    assert not leaks, "\n".join(leaks)
