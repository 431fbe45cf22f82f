"""The workspace on the labels engine: the SQL pre-filter selects exactly what the engine
releases (random labels under every policy, random readers with clearances under policies and
memberships, on SQLite and PostgreSQL); full labels through the API; users' clearances and
memberships set by admins; the high-water mark of a run keeps caveats."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from forcegen.labels.label import Category, Label, label_to_json, make_label
from forcegen.labels.legacy import legacy_to_label
from forcegen.workspace.access import label_visible
from forcegen.workspace.accounts import User
from forcegen.workspace.database import session_scope
from forcegen.workspace.label_store import join, label_columns, policies
from forcegen.workspace.models import Pledge, Requirement
from forcegen.workspace.readers import Reader

from .conftest import Workspace
from .sample import NATIONS

API = "/api/v1"
REL, SH = "Releasable To", "Special Handling"
READER_NATIONS = [*NATIONS, "GBR", "NZL", "USA", "CAN"]
_SLOW = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


def _random_label(rng: random.Random) -> Label | None:
    """A random label under any shipped policy, or None when the workspace cannot keep it."""
    ps = policies()
    pid = rng.choice(sorted(ps.policies))
    pol = ps.get(pid)
    cats = []
    for tag, cdef in pol.categories.items():
        if rng.random() < 0.5:
            continue
        pool = sorted(cdef.values) + (READER_NATIONS if tag == REL else [])
        if tag == "Recipients":
            pool = ["CERT-GBR", "SOC_A", "SOC%B"]  # LIKE wildcards must match literally
        cats.append(Category(tag, cdef.type, tuple(sorted(set(rng.sample(pool, rng.randint(
            1, min(3, len(pool)))))))))
    label = Label(pid, rng.choice(pol.classifications).name,
                  tuple(sorted(cats, key=lambda c: c.tag)))
    try:
        label_columns(label)
    except Exception:  # no equivalent under the default policy: not storable
        return None
    return label


def _fill(ws: Workspace, seed: int, count: int = 150) -> None:
    """Random labels on many requirements and pledges; one row in five in the legacy form."""
    rng = random.Random(seed)
    with session_scope(ws.factory) as db:
        for table, model in (("requirements", Requirement), ("pledges", Pledge)):
            for i in range(count):
                owner = rng.choice(NATIONS) if model is Pledge else None
                values: dict[str, Any] = {"id": f"Z-{table[0]}-{i:04d}"}
                if model is Pledge:
                    values.update(nation=owner, capability="X-ROLE2", quantity=1, personnel=1,
                                  notice_days=10.0, status="offered", extra={})
                else:
                    values.update(capability="X-ROLE2", quantity=1, sector="north",
                                  notice_days=10.0, extra={})
                if rng.random() < 0.2:  # legacy form: decided from the two old columns
                    rel = rng.choice([None, ",", ",FRA,", ",DEU,GBR,", ",NZL,USA,"])
                    values.update(classification=rng.randrange(5), releasable_to=rel)
                else:
                    label = None
                    while label is None:
                        label = _random_label(rng)
                    if owner and label.category(REL) is not None:
                        label = Label(label.policy, label.classification, tuple(
                            Category(c.tag, c.type, tuple(sorted({*c.values, owner})))
                            if c.tag == REL else c for c in label.categories))
                    values.update(label_columns(label))
                db.add(model(**values))


@st.composite
def readers(draw: st.DrawFn) -> User:
    ps = policies()
    others = [p for p in sorted(ps.policies) if p != "NATO"]
    chosen = draw(st.lists(st.sampled_from(others), max_size=2, unique=True))
    clearances = [{"policy": p, "classification": draw(st.sampled_from(
        [c.name for c in ps.get(p).classifications]))} for p in chosen]
    memberships: dict[str, list[str]] = {}
    for tag, pool in ((SH, ["ATOMAL", "CRYPTO", "SIGINT", "UK EYES ONLY", "NZEO"]),
                      ("Community", ["INTEL", "LOGISTICS", "CYBER", "PLANNING"]),
                      (REL, ["FVEY", "FIVE EYES", "EU", "COALITION", "GBR"]),
                      ("Recipients", ["CERT-GBR", "SOC_A", "SOCXA"])):
        held = draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))
        if held:
            memberships[tag] = held
    return User(username="reader", role="observer",
                nation=draw(st.sampled_from([None, *READER_NATIONS])),
                clearance=draw(st.integers(0, 4)), clearances=clearances or None,
                memberships=memberships or None)


def test_sql_filter_equals_the_engine_on_random_labels_and_readers(ws: Workspace) -> None:
    _fill(ws, seed=14)

    @_SLOW
    @given(readers())
    def check(reader: User) -> None:
        engine_reader = Reader(reader)
        with session_scope(ws.factory) as db:
            for model, owner in ((Requirement, None), (Pledge, "nation")):
                table: Any = model.__table__
                cols = [table.c.id, table.c.label, table.c.classification,
                        table.c.releasable_to] + ([table.c.nation] if owner else [])
                rows = db.execute(select(*cols)).mappings().all()
                by_engine = {r["id"] for r in rows
                             if engine_reader.sees_row(r, r[owner] if owner else None)}
                where = label_visible(reader, table, table.c.nation if owner else None)
                by_sql = set(db.scalars(select(table.c.id).where(where)))
                assert by_sql == by_engine, (model.__name__, reader.nation, reader.clearance,
                                             reader.clearances, reader.memberships)

    check()
    # the sample is not degenerate: some readers see some rows and not others
    with session_scope(ws.factory) as db:
        total = db.query(Requirement).count()
        nobody = User(username="x", role="observer", nation=None, clearance=0)
        seen = db.scalar(select(Requirement.id).where(label_visible(nobody, Requirement.__table__)))
        assert total > 150 and seen is not None


def test_audit_sql_filter_equals_the_engine_on_random_snapshots(ws: Workspace) -> None:
    """Audit entries about labelled items: the SQL condition (``visible_to``) keeps exactly
    the entries whose every snapshot the engine releases (``readable_by``); snapshots in the
    stored form, in the legacy form (before migration 0006) and without a label."""
    from forcegen.workspace.audit.models import AuditEntry
    from forcegen.workspace.audit.visibility import readable_by, visible_to

    rng = random.Random(8)
    with session_scope(ws.factory) as db:
        start = (db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())) or 0) + 1

        def snapshot() -> dict[str, Any] | None:
            kind = rng.random()
            owner = rng.choice(NATIONS)
            if kind < 0.1:
                return None
            if kind < 0.2:
                return {"id": "x", "nation": owner}  # no label at all
            if kind < 0.4:
                return {"id": "x", "nation": owner, "classification": rng.randrange(5),
                        "releasable_to": rng.choice([None, ",", ",FRA,", ",GBR,NZL,"])}
            label = None
            while label is None:
                label = _random_label(rng)
            return {"id": "x", "nation": owner, **label_columns(label)}

        for i in range(200):
            entity = rng.choice(["pledge", "requirement", "sourcing_run"])
            db.add(AuditEntry(seq=start + i, at="2026-12-01T00:00:00Z", actor="t",
                              action="update", entity=entity, entity_id=f"E{i}",
                              before=snapshot(), after=snapshot(), prev_hash="0" * 64,
                              hash="0" * 64))

    @_SLOW
    @given(readers())
    def check(reader: User) -> None:
        with session_scope(ws.factory) as db:
            mine = select(AuditEntry).where(AuditEntry.seq >= start)
            by_engine = {e.seq for e in db.scalars(mine) if readable_by(reader, e)}
            by_sql = set(db.scalars(select(AuditEntry.seq).where(
                AuditEntry.seq >= start, visible_to(reader))))
            assert by_sql == by_engine, (reader.nation, reader.clearance, reader.memberships)

    check()


def _user(ws: Workspace, name: str, **changes: Any) -> None:
    admin = ws.client("admin")
    users = admin.get(f"{API}/users", params={"limit": 100}).json()["items"]
    uid = next(u["id"] for u in users if u["username"] == name)
    r = admin.patch(f"{API}/users/{uid}", json=changes)
    assert r.status_code == 200, r.text
    return r.json()


def test_full_labels_through_the_api_with_memberships_and_policy_clearances(
    ws: Workspace,
) -> None:
    atomal = label_to_json(make_label("NATO", "NATO SECRET", {SH: ["ATOMAL"]}))
    lead = ws.client("lead")
    # an author must hold what they set
    _user(ws, "lead", clearance="SECRET")
    r = lead.post(f"{API}/requirements", json={
        "id": "R-ATOMAL", "capability": "X-ROLE2", "quantity": 1, "sector": "north",
        "notice_days": 5, "label": atomal})
    assert r.status_code == 422 and "above your clearance or caveats" in r.text, r.text
    user = _user(ws, "lead", memberships={SH: ["ATOMAL"]})
    assert user["memberships"] == {SH: ["ATOMAL"]}
    r = lead.post(f"{API}/requirements", json={
        "id": "R-ATOMAL", "capability": "X-ROLE2", "quantity": 1, "sector": "north",
        "notice_days": 5, "label": atomal})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["classification"] == "SECRET" and body["releasable_to"] is None
    assert body["label"]["categories"] == [
        {"tagName": SH, "type": "RESTRICTIVE", "values": ["ATOMAL"]}]
    # a SECRET-cleared reader without the caveat: not found, not listed
    _user(ws, "liaison_fra", clearance="TOP SECRET")
    fra = ws.client("liaison_fra")
    assert fra.get(f"{API}/requirements/R-ATOMAL").status_code == 404
    ids = [x["id"] for x in fra.get(f"{API}/requirements", params={"limit": 100}).json()["items"]]
    assert "R-ATOMAL" not in ids
    # granted the caveat by an admin: visible; cleared only under GBR: UK SECRET is enough
    _user(ws, "liaison_fra", clearance="UNCLASSIFIED", memberships={SH: ["ATOMAL"]},
          clearances=[{"policy": "GBR", "classification": "SECRET"}])
    assert fra.get(f"{API}/requirements/R-ATOMAL").status_code == 200
    _user(ws, "liaison_fra", clearances=[{"policy": "GBR", "classification": "OFFICIAL"}])
    assert fra.get(f"{API}/requirements/R-ATOMAL").status_code == 404
    # editing the legacy fields keeps the caveat; dropping it is loosening (admins only)
    v = body["version"]
    _user(ws, "lead", clearance="TOP SECRET")
    r = lead.patch(f"{API}/requirements/R-ATOMAL", json={"version": v,
                                                         "classification": "TOP SECRET"})
    assert r.status_code == 200, r.text
    assert r.json()["label"]["classification"] == "COSMIC TOP SECRET"
    assert r.json()["label"]["categories"][0]["values"] == ["ATOMAL"]
    plain = label_to_json(make_label("NATO", "COSMIC TOP SECRET"))
    r = lead.patch(f"{API}/requirements/R-ATOMAL", json={"version": v + 1, "label": plain})
    assert r.status_code == 403 and "only an admin" in r.text, r.text
    stored = lead.get(f"{API}/requirements/R-ATOMAL").json()
    assert stored["version"] == v + 1 and stored["label"]["categories"][0]["values"] == ["ATOMAL"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"label": {"policyIdentifier": "EU", "classification": "X"}}, "label", "unknown policy"),
        ({"label": label_to_json(make_label("TLP", "GREEN"))}, "label", "equivalent"),
        ({"label": label_to_json(make_label("NATO", "NATO SECRET")),
          "classification": "SECRET"}, "label", "either label"),
        ({"label": {"policyIdentifier": "NATO", "classification": "NATO SECRET",
                    "categories": [{"tagName": "Community", "type": "RESTRICTIVE",
                                    "values": ["INTEL"]}]}}, "label", "permissive"),
    ],
)
def test_bad_labels_are_refused_naming_the_problem(
    ws: Workspace, body: dict[str, Any], field: str, words: str
) -> None:
    _user(ws, "lead", clearance="TOP SECRET")
    r = ws.client("lead").post(f"{API}/requirements", json={
        "id": "R-BAD", "capability": "X-ROLE2", "quantity": 1, "sector": "north",
        "notice_days": 5, **body})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field and words in r.text, r.text
    assert ws.client("admin").get(f"{API}/requirements/R-BAD").status_code == 404


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"memberships": {"Nonsense": ["X"]}}, "unknown category"),
        ({"memberships": {SH: ["NOT A CAVEAT"]}}, "has no value"),
        ({"memberships": {REL: ["NONE"]}}, "nobody holds it"),
        ({"clearances": [{"policy": "EU", "classification": "X"}]}, "unknown policy"),
        ({"clearances": [{"policy": "GBR", "classification": "COSMIC"}]}, "COSMIC"),
        ({"clearances": [{"policy": "NATO", "classification": "NATO SECRET"}]}, "clearance"),
    ],
)
def test_bad_clearances_and_memberships_are_refused(
    ws: Workspace, changes: dict[str, Any], words: str
) -> None:
    admin = ws.client("admin")
    users = admin.get(f"{API}/users", params={"limit": 100}).json()["items"]
    uid = next(u["id"] for u in users if u["username"] == "liaison_fra")
    r = admin.patch(f"{API}/users/{uid}", json=changes)
    assert r.status_code == 422 and words in r.text, r.text
    assert r.json()["error"]["field"] == next(iter(changes))


def test_nobody_grants_themselves_memberships(ws: Workspace) -> None:
    admin = ws.client("admin")
    me = admin.get(f"{API}/auth/me")
    uid = me.json()["id"] if me.status_code == 200 else next(
        u["id"] for u in admin.get(f"{API}/users").json()["items"] if u["username"] == "admin")
    r = admin.patch(f"{API}/users/{uid}", json={"memberships": {SH: ["ATOMAL"]}})
    assert r.status_code == 403 and "memberships" in r.text, r.text


def test_high_water_keeps_caveats_and_releases_only_what_every_input_allows() -> None:
    a = make_label("NATO", "NATO RESTRICTED", {REL: ["FVEY"], SH: ["CRYPTO"]})
    b = make_label("NATO", "NATO SECRET", {REL: ["GBR", "FRA"]})
    c = make_label("GBR", "OFFICIAL", {SH: ["CRYPTO"]})
    product = join([a, b, c])
    assert product.classification == "NATO SECRET"
    assert product.category(SH).values == ("CRYPTO",)  # type: ignore[union-attr]
    # FVEY reaches GBR (a member), not FRA
    assert product.category(REL).values == ("GBR",)  # type: ignore[union-attr]
    nothing = join([b, make_label("NATO", "NATO UNCLASSIFIED", {REL: ["NZL"]})])
    assert nothing.category(REL).values == ("NONE",)  # type: ignore[union-attr]
    assert join([]) == legacy_to_label(0, None)
    # on random inputs and readers: nobody sees the product who may not see every input
    # (safety), and whoever sees every input sees it when the inputs name the same values in
    # their permissive categories other than "Releasable To" (those cannot be joined exactly:
    # "INTEL" and "LOGISTICS or PLANNING" is not one category; the join releases to neither)
    rng = random.Random(3)
    pool = {SH: ["ATOMAL", "CRYPTO", "SIGINT", "UK EYES ONLY", "NZEO"],
            "Community": ["INTEL", "LOGISTICS"], "Recipients": ["CERT-GBR", "SOC_A", "SOC%B"],
            REL: ["FVEY", "EU", "GBR", "FIVE EYES"]}
    checked = 0
    for _ in range(300):
        items = [lab for lab in (_random_label(rng) for _ in range(rng.randint(1, 4)))
                 if lab is not None]
        if not items:
            continue
        product = join(items)
        same_other = len({tuple((c.tag, c.values) for c in lab.categories
                                if c.type == "permissive" and c.tag != REL)
                          for lab in items}) == 1
        for _ in range(12):
            user = User(username="u", role="observer",
                        nation=rng.choice([None, *READER_NATIONS]), clearance=rng.randrange(5),
                        memberships={t: rng.sample(v, rng.randint(0, len(v)))
                                     for t, v in pool.items()},
                        clearances=[{"policy": p, "classification": rng.choice(
                            [c.name for c in policies().get(p).classifications])}
                            for p in rng.sample(["GBR", "NZL", "TLP"], rng.randint(0, 2))])
            reader = Reader(user)
            sees_all = all(reader.sees(lab) for lab in items)
            if reader.sees(product):
                assert sees_all, (items, product, user.nation, user.memberships)
                checked += 1
            elif sees_all and same_other and not user.memberships[REL]:
                # (one nation held: holding several, e.g. GBR and NLD, is not one value either)
                raise AssertionError((items, product, user.nation, user.memberships))
    assert checked > 50


def test_export_carries_the_full_label_and_import_restores_it(ws: Workspace) -> None:
    import json

    import yaml
    from sqlalchemy import text

    full = make_label("NATO", "NATO SECRET", {SH: ["ATOMAL"], REL: ["FRA", "POL"]},
                      originator="FRA")
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE users SET clearance = 4, nation = 'FRA', memberships = :m "
                          "WHERE username = 'admin'"), {"m": json.dumps({SH: ["ATOMAL"]})})
        cols = label_columns(full)
        conn.execute(text("UPDATE pledges SET " + ", ".join(f"{k} = :{k}" for k in cols)
                          + " WHERE id = 'P-FRA-1'"), cols)
    admin = ws.client("admin")
    doc = yaml.safe_load(admin.get(f"{API}/scenario/export?format=yaml").content)
    row = next(p for p in doc["pledges"] if p["id"] == "P-FRA-1")
    assert row["x-label"] == label_to_json(full)
    assert row["x-classification"] == "SECRET" and row["x-releasable-to"] == ["FRA", "POL"]
    plain = next(p for p in doc["pledges"] if p["id"] == "P-POL-1")
    assert "x-label" not in plain  # the legacy keys say it all
    # someone without the caveat exports nothing of it
    lead_doc = yaml.safe_load(ws.client("lead").get(f"{API}/scenario/export?format=yaml").content)
    assert "P-FRA-1" not in {p["id"] for p in lead_doc["pledges"]}
    with ws.engine.begin() as conn:  # forget the label: the file alone restores it
        conn.execute(text("UPDATE pledges SET label = NULL, label_policy = NULL, "
                          "label_restrictive = NULL, label_permissive = NULL, "
                          "label_rank = NULL, label_open = NULL WHERE id = 'P-FRA-1'"))
    content = yaml.safe_dump(doc, sort_keys=False).encode()
    r = admin.post(f"{API}/scenario/import", files={"file": ("scenario.yaml", content)})
    assert r.status_code == 200, r.text
    got = admin.get(f"{API}/pledges/P-FRA-1").json()
    assert got["label"] == label_to_json(full)
    # an x-label its importer may not set (a caveat they do not hold) is refused, naming it
    row["x-label"] = label_to_json(make_label("NATO", "NATO SECRET", {SH: ["CRYPTO"]}))
    content = yaml.safe_dump(doc, sort_keys=False).encode()
    r = admin.post(f"{API}/scenario/import", files={"file": ("scenario.yaml", content)})
    assert r.status_code == 422 and "P-FRA-1" in r.text and "x-label" in r.text, r.text


def test_pledge_labels_add_the_owner_and_runs_carry_caveats(ws: Workspace) -> None:
    import time

    fra = ws.client("liaison_fra")
    _user(ws, "liaison_fra", clearance="SECRET", memberships={SH: ["CRYPTO"]})
    _user(ws, "lead", clearance="SECRET", memberships={SH: ["CRYPTO"]})
    _user(ws, "liaison_deu", clearance="TOP SECRET")
    body = {"id": "P-FRA-77", "nation": "FRA", "capability": "X-ROLE2", "quantity": 1,
            "personnel": 10, "notice_days": 5,
            "label": label_to_json(make_label("NATO", "NATO RESTRICTED",
                                              {REL: ["POL"], SH: ["CRYPTO"]}))}
    r = fra.post(f"{API}/pledges", json=body)
    assert r.status_code == 201, r.text
    # the owner is always in its own pledge's releasability
    assert r.json()["label"]["categories"][0] == {
        "tagName": REL, "type": "PERMISSIVE", "values": ["FRA", "POL"]}
    assert r.json()["releasable_to"] == ["FRA", "POL"]
    assert ws.client("liaison_deu").get(f"{API}/pledges/P-FRA-77").status_code == 404
    lead = ws.client("lead")
    assert lead.get(f"{API}/pledges/P-FRA-77").status_code == 404  # lead has no nation
    _user(ws, "lead", nation="POL")
    assert lead.get(f"{API}/pledges/P-FRA-77").status_code == 200
    with session_scope(ws.factory) as db:  # approved, so that the run may use it
        db.get(Pledge, "P-FRA-77").status = "approved"  # type: ignore[union-attr]
    rid = lead.post(f"{API}/runs", json={}).json()["id"]
    for _ in range(400):
        run = lead.get(f"{API}/runs/{rid}").json()
        if run["state"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert run["state"] == "done", run.get("error")
    # the run's label keeps the caveat and releases only to what every input allows
    cats = {c["tagName"]: c["values"] for c in run["label"]["categories"]}
    assert cats[SH] == ["CRYPTO"] and cats[REL] == ["FRA", "POL"]
    assert run["classification"] == "RESTRICTED"
    _user(ws, "liaison_fra", memberships=None)  # without the caveat: not found
    assert fra.get(f"{API}/runs/{rid}").status_code == 404
