"""Issue 9 §4 in the browser: a misspelt caveat sector is refused at its field, listing the
sectors; a record that became invalid later is named on the run page, and the run is done."""

from __future__ import annotations

import re

from sqlalchemy import text

from .conftest import Web, csrf_of
from .test_views import _run


def _error_at(html: str, field: str) -> str:
    m = re.search(rf'<p class="error"[^>]*data-field="{field}">([^<]*)</p>', html)
    return m.group(1) if m else ""


def test_form_refuses_unknown_caveat_sector_and_free_text_home(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    token = csrf_of(c, "/pledges/new")
    base = {"csrf_token": token, "id": "P-FRA-99", "nation": "FRA", "capability": "ROLE1-MED",
            "quantity": "1", "personnel": "60", "notice_days": "10"}
    r = c.post("/pledges/new", data={**base, "caveat_sectors": "kiev"})
    assert r.status_code == 422
    assert "kiev" in _error_at(r.text, "caveat_sectors")
    assert "kyiv" in _error_at(r.text, "caveat_sectors")
    r = c.post("/pledges/new", data={**base, "home": "Tallinn"})
    assert r.status_code == 422 and "Tallinn" in _error_at(r.text, "home")


def test_run_page_names_records_left_out(web: Web) -> None:
    with web.app.state.engine.begin() as conn:
        pid = conn.execute(text("SELECT id FROM pledges WHERE nation = 'FRA' ORDER BY id")).scalar()
        conn.execute(text("UPDATE pledges SET caveats = :c WHERE id = :i"),
                     {"c": '{"sectors": ["kiev"]}', "i": pid})
    _, page = _run(web)
    assert 'data-testid="excluded"' in page
    section = page.split('data-testid="excluded"')[1].split("</section>")[0]
    assert pid in section and "kiev" in section and "caveats.sectors" in section
