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


def _user_with(web: Web, name: str, **fields: Any) -> None:
    with session_scope(web.factory) as db:
        user = db.query(User).filter_by(username=name).one()
        for key, value in fields.items():
            setattr(user, key, value)


def _full_label(web: Web, model: Any, key: str, label: Any) -> None:
    with session_scope(web.factory) as db:
        row = db.get(model, key)
        assert row is not None
        for col, value in label_columns(label).items():
            setattr(row, col, value)


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
    row = table[table.index('data-pledge="P-GBR-01"') :]
    row = row[: row.index("</tr>")]
    # Each row shows its full display marking (policy, classification, categories).
    assert '<span class="cl cl-secret" data-marking="NATO SECRET REL TO FRA, GBR">' in row
    other = table[table.index('data-pledge="P-GBR-02"') :]
    assert 'data-marking="NATO UNCLASSIFIED"' in other[: other.index("</tr>")]
    # The table's banner: the high-water mark of the rows listed.
    assert _banners(table) == ["cl-secret|NATO SECRET REL TO FRA, GBR"] * 2

    detail = c.get("/pledges/P-GBR-01").text
    tag = '<span class="marking cl-secret" data-testid="marking">NATO SECRET REL TO FRA, GBR</span>'
    assert tag in detail
    assert _banners(detail) == ["cl-secret|NATO SECRET REL TO FRA, GBR"] * 2
    # The picker shows the stored label, and offers only what the lead may grant.
    assert ('<option value="NATO|NATO SECRET" data-marking="NATO SECRET" data-css="cl-secret" '
            "selected>") in detail
    assert 'value="NATO|Releasable To|FRA" checked' in detail
    assert 'value="NATO|Releasable To|GBR" checked' in detail
    assert 'value="NATO|COSMIC TOP SECRET"' not in detail  # above the lead's clearance
    assert 'value="GBR|TOP SECRET"' not in detail  # nor its equivalent under the UK policy
    assert "ATOMAL" not in detail  # a caveat the lead does not hold

    lines = c.get("/requirements").text
    row = lines[lines.index('data-requirement="R-002"') :]
    assert 'data-marking="NATO CONFIDENTIAL"' in row[: row.index("</tr>")]
    assert "NATO CONFIDENTIAL" in c.get("/requirements/R-002").text

    # A run is marked with its label (queued: its cap, released to its starter's nation).
    with session_scope(web.factory) as db:
        starter = db.query(User).filter_by(username="lead").one()
        run_id = runs.create(db, starter, [], "CONFIDENTIAL").id
    page = c.get(f"/runs/{run_id}").text
    assert 'data-testid="marking">NATO CONFIDENTIAL REL TO GBR</span>' in page
    assert _banners(page) == ["cl-confidential|NATO CONFIDENTIAL REL TO GBR"] * 2

    # Pages made from everything the user may see carry the user's ceiling.
    for path in ("/", "/orbat", "/map"):
        assert _banners(c.get(path).text) == ["cl-secret|Page may contain up to SECRET"] * 2
    account = c.get("/account").text
    assert 'data-testid="nation">GBR<' in account
    assert (
        'data-testid="clearance"><span class="marking cl-secret" data-testid="marking">SECRET'
        in account
    )
    assert "cl-banner" not in web.client().get("/login").text


def test_other_policies_and_caveats_show_in_full(web: Web) -> None:
    """A UK label with a caveat and a NATO one with a community: each page says it all."""
    from forcegen.labels.label import make_label

    _user_with(
        web,
        "lead",
        clearance=3,
        nation="GBR",
        clearances=[{"policy": "GBR", "classification": "SECRET"}],
        memberships={"Special Handling": ["CRYPTO", "UK EYES ONLY"], "Community": ["INTEL"]},
    )
    uk = make_label("GBR", "SECRET", {"Special Handling": ["CRYPTO"]})
    nato = make_label(
        "NATO", "NATO RESTRICTED", {"Community": ["INTEL"], "Releasable To": ["GBR", "NZL"]}
    )
    _full_label(web, Pledge, "P-GBR-01", uk)
    _full_label(web, Pledge, "P-GBR-02", nato)
    c = web.signed_in("lead")
    table = c.get("/pledges?nation=GBR").text
    assert 'data-marking="UK SECRET CRYPTO"' in table
    assert 'data-marking="NATO RESTRICTED REL TO GBR, NZL COI INTEL"' in table
    # The banner joins them under the default policy (their policies differ): the highest
    # level, every caveat, and the nations and communities every labelled row allows.
    assert _banners(table) == ["cl-secret|NATO SECRET REL TO GBR, NZL CRYPTO COI INTEL"] * 2
    detail = c.get("/pledges/P-GBR-01").text
    assert _banners(detail) == ["cl-secret|UK SECRET CRYPTO"] * 2
    assert ('<option value="GBR|SECRET" data-marking="UK SECRET" data-css="cl-secret" '
            "selected>") in detail
    assert 'value="GBR|Special Handling|CRYPTO" checked' in detail
    # A caveat with no NATO equivalent cannot be stored on a pledge: not offered.
    assert "UK EYES ONLY" not in detail


def _picker(level: str, *values: str, policy: str = "NATO", **more: str) -> dict[str, Any]:
    """What the label picker posts: classification and ticked ``tag|value`` pairs."""
    out: dict[str, Any] = {
        "label_class": f"{policy}|{level}",
        "label_cat": [f"{policy}|{v}" for v in values],
    }
    out.update({f"label_more|{policy}|{tag.replace('_', ' ')}": text for tag, text in more.items()})
    return out


def test_label_above_clearance_is_refused_inline_and_saves_nothing(web: Web) -> None:
    _set_user(web, "liaison_fra", 1)  # RESTRICTED
    c = web.signed_in("liaison_fra")
    form = c.get("/pledges/P-FRA-05").text
    assert 'value="NATO|NATO RESTRICTED"' in form and 'value="NATO|NATO CONFIDENTIAL"' not in form
    token = csrf_of(c, "/pledges/P-FRA-05")
    before = _stored(web, Pledge, "P-FRA-05")
    # A forged post: a classification the picker did not offer.
    r = c.post(
        "/pledges/P-FRA-05",
        data={
            "csrf_token": token,
            **pledge_form(web, "P-FRA-05", quantity="2"),
            **_picker("NATO SECRET"),
        },
    )
    assert r.status_code == 422
    assert "may not grant" in _error_at(r.text, "label") and "NATO SECRET" in _error_at(
        r.text, "label"
    )
    assert 'aria-describedby="e-label"' in r.text
    assert _stored(web, Pledge, "P-FRA-05") == before == (0, None, 1)
    # A caveat and a community the liaison does not hold, each refused, naming it.
    for forged, named in (
        (("Special Handling|ATOMAL",), "ATOMAL"),
        (("Community|INTEL",), "INTEL"),
    ):
        r = c.post(
            "/pledges/P-FRA-05",
            data={
                "csrf_token": token,
                **pledge_form(web, "P-FRA-05", quantity="2"),
                **_picker("NATO RESTRICTED", *forged),
            },
        )
        assert r.status_code == 422 and named in _error_at(r.text, "label")
        assert _stored(web, Pledge, "P-FRA-05") == before
    # Not a value of the policy at all.
    r = c.post(
        "/pledges/P-FRA-05",
        data={
            "csrf_token": token,
            **pledge_form(web, "P-FRA-05", quantity="2"),
            **_picker("NATO RESTRICTED", Releasable_To="fr"),
        },
    )
    assert r.status_code == 422 and "Releasable To" in _error_at(r.text, "label")
    assert _stored(web, Pledge, "P-FRA-05") == before
    # The TLP policy has no place on the common scale: not for pledges.
    r = c.post(
        "/pledges/P-FRA-05",
        data={
            "csrf_token": token,
            **pledge_form(web, "P-FRA-05", quantity="2"),
            **_picker("CLEAR", policy="TLP"),
        },
    )
    assert r.status_code == 422 and "not TLP" in _error_at(r.text, "label")

    new = {
        "csrf_token": token,
        "id": "P-FRA-98",
        "nation": "FRA",
        "capability": "ROLE1-MED",
        "quantity": "1",
        "personnel": "60",
        "notice_days": "10",
    }
    r = c.post("/pledges/new", data={**new, **_picker("COSMIC TOP SECRET")})
    assert r.status_code == 422 and "may not grant" in _error_at(r.text, "label")
    assert _stored(web, Pledge, "P-FRA-98") is None
    # The legacy fields posted by hand go through the service's own check.
    r = c.post("/pledges/new", data={**new, "classification": "TOP SECRET"})
    assert r.status_code == 422 and "above your clearance" in _error_at(r.text, "label")
    assert _stored(web, Pledge, "P-FRA-98") is None

    lead = web.signed_in("lead")  # a planner without a nation cannot restrict release
    token = csrf_of(lead, "/requirements/new")
    r = lead.post(
        "/requirements/new",
        data={
            "csrf_token": token,
            "id": "R-900",
            "capability": "ROLE1-MED",
            "sector": "kyiv",
            "quantity": "1",
            "priority": "1",
            "notice_days": "10",
            **_picker("NATO UNCLASSIFIED", "Releasable To|FRA"),
        },
    )
    assert r.status_code == 422 and "hide the item from you" in _error_at(r.text, "label")
    assert _stored(web, Requirement, "R-900") is None


def test_new_pledge_releasable_to_deu_is_stored(web: Web) -> None:
    c = web.signed_in("liaison_deu")
    token = csrf_of(c, "/pledges/new")
    form = c.get("/pledges/new").text
    assert 'value="NATO|Releasable To|DEU"' in form and 'value="NATO|Releasable To|FVEY"' in form
    # A new item starts at the lowest level of the default policy, which is listed first.
    assert re.findall(r'<option value="([^"]+)"[^>]*selected>', form) == [
        "NATO|NATO UNCLASSIFIED"]
    assert form.index('label="NATO security policy') < form.index('label="UK government')
    r = c.post(
        "/pledges/new",
        data={
            "csrf_token": token,
            "id": "P-DEU-99",
            "nation": "DEU",
            "capability": "ROLE1-MED",
            "quantity": "1",
            "personnel": "60",
            "notice_days": "10",
            **_picker("NATO UNCLASSIFIED", Releasable_To=" deu "),
        },
    )
    assert r.status_code == 303, r.text
    assert _stored(web, Pledge, "P-DEU-99") == (0, ",DEU,", 1)
    api = c.get("/api/v1/pledges/P-DEU-99")
    assert api.status_code == 200
    assert api.json()["releasable_to"] == ["DEU"]
    assert "NATO UNCLASSIFIED REL TO DEU" in c.get("/pledges/P-DEU-99").text
    # Released to Germany only: a planner with no nation does not see it.
    assert web.signed_in("lead").get("/pledges/P-DEU-99").status_code == 404


def test_picker_sets_a_full_label_under_another_policy(web: Web) -> None:
    _user_with(
        web,
        "liaison_fra",
        clearance=3,
        nation="FRA",
        clearances=[{"policy": "GBR", "classification": "SECRET"}],
        memberships={"Special Handling": ["CRYPTO"], "Community": ["LOGISTICS"]},
    )
    c = web.signed_in("liaison_fra")
    form = c.get("/pledges/P-FRA-05").text
    assert 'value="GBR|SECRET"' in form and 'value="GBR|TOP SECRET"' not in form
    assert 'value="NATO|Special Handling|CRYPTO"' in form
    assert 'value="NATO|Special Handling|ATOMAL"' not in form
    assert 'value="NATO|Community|LOGISTICS"' in form and "NATO|Community|INTEL" not in form
    token = csrf_of(c, "/pledges/P-FRA-05")
    r = c.post(
        "/pledges/P-FRA-05",
        data={
            "csrf_token": token,
            **pledge_form(web, "P-FRA-05"),
            **_picker(
                "NATO CONFIDENTIAL",
                "Special Handling|CRYPTO",
                "Community|LOGISTICS",
                "Releasable To|GBR",
            ),
        },
    )
    assert r.status_code == 303, r.text
    api = c.get("/api/v1/pledges/P-FRA-05").json()
    assert api["label"]["classification"] == "NATO CONFIDENTIAL"
    cats = {x["tagName"]: x["values"] for x in api["label"]["categories"]}
    # The owner is always in its own pledge's releasability.
    assert cats == {
        "Community": ["LOGISTICS"],
        "Releasable To": ["FRA", "GBR"],
        "Special Handling": ["CRYPTO"],
    }
    page = c.get("/pledges/P-FRA-05").text
    assert "NATO CONFIDENTIAL REL TO FRA, GBR CRYPTO COI LOGISTICS" in page
    # Under the UK policy: the categories of the other policies are not read.
    r = c.post(
        "/pledges/P-FRA-05",
        data={
            "csrf_token": token,
            **pledge_form(web, "P-FRA-05"),
            "label_class": "GBR|SECRET",
            "label_cat": ["NATO|Special Handling|CRYPTO", "GBR|Special Handling|CRYPTO"],
        },
    )
    assert r.status_code == 303, r.text
    assert c.get("/api/v1/pledges/P-FRA-05").json()["label"]["policyIdentifier"] == "GBR"
    assert "UK SECRET CRYPTO" in c.get("/pledges/P-FRA-05").text


def test_untouched_label_fields_keep_the_label(web: Web) -> None:
    _set_user(web, "liaison_fra", 1)
    # Not releasable to anyone but its owner: resubmitting the picker as shown keeps it.
    _label(web, Pledge, "P-FRA-05", 1, ",")
    _label(web, Pledge, "P-FRA-09", 1, ",FRA,GBR,")
    c = web.signed_in("liaison_fra")
    token = csrf_of(c, "/pledges/P-FRA-05")
    form = c.get("/pledges/P-FRA-05").text
    assert 'value="NATO|Releasable To|FRA" checked' in form
    r = c.post(
        "/pledges/P-FRA-05",
        data={
            "csrf_token": token,
            **pledge_form(web, "P-FRA-05", quantity="2"),
            **_picker("NATO RESTRICTED", "Releasable To|FRA"),
        },
    )
    assert r.status_code == 303
    assert _stored(web, Pledge, "P-FRA-05") == (1, ",", 3)  # saved (labelling made it v2)
    # The same label, the owner left out (it is always in): unchanged.
    r = c.post(
        "/pledges/P-FRA-09",
        data={
            "csrf_token": token,
            **pledge_form(web, "P-FRA-09", quantity="2"),
            **_picker("NATO RESTRICTED", "Releasable To|GBR"),
        },
    )
    assert r.status_code == 303
    assert _stored(web, Pledge, "P-FRA-09")[:2] == (1, ",FRA,GBR,")
    # A real change is saved: down to NATO UNCLASSIFIED, released to the coalition.
    r = c.post(
        "/pledges/P-FRA-09",
        data={"csrf_token": token, **pledge_form(web, "P-FRA-09"), **_picker("NATO UNCLASSIFIED")},
    )
    assert r.status_code == 303
    assert _stored(web, Pledge, "P-FRA-09")[:2] == (0, None)


def test_run_form_caps_the_data_a_run_may_use(web: Web) -> None:
    _set_user(web, "lead", 2, nation="GBR")
    c = web.signed_in("lead")
    form = c.get("/runs").text
    offered = re.findall(r'<option value="([A-Z ]+)"', form[form.index("run-max-classification") :])
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
        return "\n".join(
            str(v)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    if "zip" in kind:
        with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
            return "\n".join(zf.read(n).decode() for n in zf.namelist())
    return str(response.text)


def _hidden_relief(web: Web) -> None:
    """A relief event with a visible request and offer, and a TOP SECRET request and offer;
    the hidden offer is committed to the visible request (its steps are in that history); a
    TOP SECRET event with its own relief item."""
    from forcegen.workspace.relief import events, offers, requests
    from forcegen.workspace.relief.schemas import (
        EventCreate,
        OfferCreate,
        OfferStatusChange,
        RequestCreate,
    )

    with session_scope(web.factory) as db:
        admin = db.query(User).filter_by(username="admin").one()
        events.create(db, admin, EventCreate(id="EV-SWEEP", name="Cyclone", items=[
            {"id": "WATER"}]))
        # A hidden event: neither it nor its items may show (the request form's item list).
        events.create(db, admin, EventCreate(id="EV-ZZLEAK", name="ZZLEAK event", items=[
            {"id": "ZZLEAK-ITEM", "name": "ZZLEAK item"}], classification="TOP SECRET"))
        # Labelled when made (the audit trail's snapshots carry the label from the start).
        for rid, level in (("RQ-SWEEP", "UNCLASSIFIED"), ("RQ-ZZLEAK", "TOP SECRET")):
            requests.create(db, admin, RequestCreate(
                id=rid, event="EV-SWEEP", capability="WATER", quantity=4,
                at=(-175.2, -21.1), place=f"{rid} place", by_hours=72, classification=level))
        for oid, level in (("FRA-SWEEP", "UNCLASSIFIED"), ("FRA-ZZLEAK", "TOP SECRET")):
            offers.create(db, admin, OfferCreate(
                id=oid, event="EV-SWEEP", nation="FRA", capability="WATER", quantity=1,
                home=(166.4, -22.3), name=f"{oid} name", classification=level))
        offers.transition(db, admin, "FRA-ZZLEAK", OfferStatusChange(
            status="committed", version=1, request="RQ-SWEEP", note="ZZLEAK note"))


def test_no_page_leaks_what_labels_hide(web: Web) -> None:
    """Every page a user can open, for every user not cleared: no trace of TOP SECRET items
    (names, and the ids of hidden pledges and requirements)."""
    from sqlalchemy import text

    from .conftest import USERS

    _set_user(web, "admin", 4, nation="FRA")
    with session_scope(web.factory) as db:
        db.execute(
            text(
                "UPDATE pledges SET name = 'ZZLEAK-' || id, classification = 4, "
                + LEGACY_FORM
                + " WHERE id IN ('P-FRA-05', 'P-GBR-01', 'P-POL-01')"
            )
        )
        db.execute(
            text(
                "UPDATE requirements SET name = 'ZZLEAK-' || id, classification = 4, "
                + LEGACY_FORM
                + " WHERE id IN (SELECT id FROM requirements ORDER BY id LIMIT 3)"
            )
        )
        hidden_req = [
            r[0] for r in db.execute(text("SELECT id FROM requirements WHERE classification = 4"))
        ]
    _hidden_relief(web)
    admin = web.signed_in("admin")
    assert "ZZLEAK" in admin.get("/pledges?nation=FRA").text  # the sweep can see one
    assert "FRA-ZZLEAK" in admin.get("/relief/requests/RQ-SWEEP").text
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
             f"/audit/{audit_seq}", "/audit/verify",
             # the intel feed and its compose page
             "/intel", "/intel/compose",
             # relief: the dashboard (and a planner's matching preview), the forms, a visible
             # request whose history and offers include a hidden offer, the hidden ones
             "/relief", "/relief/EV-SWEEP", "/relief/EV-SWEEP?plan=1",
             "/relief/requests/new?event=EV-SWEEP", "/relief/offers/new?event=EV-SWEEP",
             "/relief/events/new", "/relief/events/EV-SWEEP", "/relief/events/EV-ZZLEAK",
             "/relief/requests/new", "/relief/offers/new",
             "/relief/requests/new?event=EV-ZZLEAK", "/relief/offers/new?event=EV-ZZLEAK",
             "/relief/offers/new?request=RQ-SWEEP", "/relief/requests/RQ-SWEEP",
             "/relief/offers/FRA-SWEEP", "/relief/requests/RQ-ZZLEAK",
             "/relief/offers/FRA-ZZLEAK"]
    with session_scope(web.factory) as db:
        pages += [f"/runs/{r.id}" for r in db.query(runs.SourcingRun)]
        # Issue 11 part B: the pledge merge page, the comparison and the map of a run.
        pages += ["/import/pledges", "/compare"]
        pages += [f"/compare?a={r.id}&b={r.id}" for r in db.query(runs.SourcingRun)]
        pages += [f"/map?run={r.id}" for r in db.query(runs.SourcingRun)]
        for r in db.query(runs.SourcingRun):
            pages += [
                f"/runs/{r.id}",
                *(f"/runs/{r.id}/download/{f}" for f in ("json", "csv", "xlsx")),
            ]
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


def test_stale_form_lists_the_label_it_would_overwrite(web: Web) -> None:
    first, second = web.signed_in("liaison_fra"), web.signed_in("lead")
    t1, t2 = csrf_of(first, "/pledges/P-FRA-09"), csrf_of(second, "/pledges/P-FRA-09")
    stale = pledge_form(web, "P-FRA-09")  # both opened version 1
    r = second.post("/pledges/P-FRA-09", data={"csrf_token": t2, **stale, "personnel": "520"})
    assert r.status_code == 303
    _label(web, Pledge, "P-FRA-09", 0, ",FRA,GBR,")  # relabelled meanwhile
    r = first.post("/pledges/P-FRA-09", data={"csrf_token": t1, **stale,
                                              **_picker("NATO UNCLASSIFIED")})
    assert r.status_code == 409
    assert ("<td>label</td><td>NATO UNCLASSIFIED</td><td><strong>NATO UNCLASSIFIED REL TO "
            "FRA, GBR</strong></td>") in r.text
    # The picker of the 409 page shows the label as stored now.
    assert 'value="NATO|Releasable To|GBR" checked' in r.text
