"""Reads of labelled planning records in the audit trail (issue 14, item 5): ``action=read``.

Every API and web read that serves labelled records appends one entry per entity and distinct
label, listing the ids served, with the reader as actor; a read that fails writes nothing; an
entry is listed only to readers the label releases to, and its count too. The Merkle log
still verifies and proves entries that are reads. Runs on SQLite and PostgreSQL (conftest).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from tests.labels.test_merkle import ref_mth

from forcegen.labels.auditlog import verify_proof
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.workspace.accounts import User
from forcegen.workspace.audit import reads
from forcegen.workspace.audit import service as audit_service
from forcegen.workspace.audit.models import AuditEntry
from forcegen.workspace.audit.signer import Signer, load_signer
from forcegen.workspace.audit.visibility import LABELLED
from forcegen.workspace.errors import NotFound
from forcegen.workspace.label_store import label_json, row_label

from .conftest import LEGACY_FORM, Workspace, set_label
from .deploy_sample import add_deployment_run, deployment_doc
from .relief_sample import new_event, new_offer, new_request
from .test_audit_merkle import leaves_from_content
from .test_runs import wait

API = "/api/v1"


def _set_user(ws: Workspace, name: str, clearance: int, nation: str | None = None) -> None:
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE users SET clearance = :c, nation = COALESCE(:n, nation) "
                          "WHERE username = :u"), {"c": clearance, "n": nation, "u": name})


def _head(ws: Workspace) -> int:
    with Session(ws.engine) as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _reads(ws: Workspace, since: int = 0, **where: Any) -> list[AuditEntry]:
    """The read entries written after entry ``since``, straight from the database."""
    with Session(ws.engine) as s:
        stmt = select(AuditEntry).where(AuditEntry.action == "read", AuditEntry.seq > since)
        for k, v in where.items():
            stmt = stmt.where(getattr(AuditEntry, k) == v)
        return list(s.scalars(stmt.order_by(AuditEntry.seq)))


def _labels(ws: Workspace, table: str, owner: bool = False) -> dict[str, str]:
    """Each row's label (its canonical JSON text), read independently of the trail."""
    cols = "id, label, classification, releasable_to" + (", nation" if owner else "")
    with ws.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {cols} FROM {table}")).mappings().all()
    return {r["id"]: label_json(row_label(r, r["nation"] if owner else None)) for r in rows}


def _check_entries(entries: list[AuditEntry], served: list[str], labels: dict[str, str],
                   actor: str, via: str) -> None:
    """One entry per distinct label; together they list exactly the ids served."""
    assert {e.actor for e in entries} == {actor}
    assert {e.after["via"] for e in entries} == {via}
    listed = [i for e in entries for i in e.after["ids"]]
    assert sorted(listed) == sorted(served) and len(set(listed)) == len(listed)
    for e in entries:
        assert e.after["count"] == len(e.after["ids"])
        assert {labels[i] for i in e.after["ids"]} == {e.after["label"]}
        assert e.entity_id == (e.after["ids"][0] if e.after["count"] == 1 else None)
    assert len(entries) == len({labels[i] for i in served})


def test_get_one_pledge_is_one_entry_naming_it(ws: Workspace) -> None:
    start = _head(ws)
    r = ws.client("lead").get(f"{API}/pledges/P-DEU-1")
    assert r.status_code == 200
    (e,) = _reads(ws, start)
    assert (e.entity, e.entity_id, e.actor) == ("pledge", "P-DEU-1", "lead")
    assert e.after["ids"] == ["P-DEU-1"] and e.after["count"] == 1
    assert e.after["via"] == "api get"
    assert e.after["label"] == _labels(ws, "pledges", owner=True)["P-DEU-1"]
    assert e.before is None


def test_a_list_is_one_entry_per_distinct_label(ws: Workspace) -> None:
    _set_user(ws, "admin", 4, "FRA")
    set_label(ws, "pledges", "P-DEU-1", 3, None)
    set_label(ws, "pledges", "P-FRA-2", 1, "FRA,DEU")
    start = _head(ws)
    r = ws.client("admin").get(f"{API}/pledges", params={"limit": 100})
    assert r.status_code == 200
    served = [p["id"] for p in r.json()["items"]]
    assert {"P-DEU-1", "P-FRA-2"} <= set(served)
    entries = _reads(ws, start)
    assert {e.entity for e in entries} == {"pledge"}
    _check_entries(entries, served, _labels(ws, "pledges", owner=True), "admin", "api list")
    assert len(entries) >= 3  # three labels at least: the sample's, SECRET, REL FRA, DEU


def test_requirements_relief_and_offers_reads(ws: Workspace) -> None:
    ev = new_event(ws)
    rq = new_request(ws, ev)
    of = new_offer(ws, ev, "FRA")
    lead = ws.client("lead")
    cases = [
        (f"{API}/requirements", "requirement", "requirements", False, "api list"),
        (f"{API}/requirements/R-002", "requirement", "requirements", False, "api get"),
        (f"{API}/relief/events", "relief_event", "relief_events", False, "api list"),
        (f"{API}/relief/events/{ev}", "relief_event", "relief_events", False, "api get"),
        (f"{API}/relief/requests", "relief_request", "relief_requests", False, "api list"),
        (f"{API}/relief/requests/{rq}", "relief_request", "relief_requests", False, "api get"),
        (f"{API}/relief/offers", "relief_offer", "relief_offers", True, "api list"),
        (f"{API}/relief/offers/{of}", "relief_offer", "relief_offers", True, "api get"),
        (f"{API}/relief/offers/{of}/history", "relief_offer", "relief_offers", True,
         "api history"),
    ]
    for path, entity, table, owned, via in cases:
        start = _head(ws)
        r = lead.get(path)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        if via == "api list":
            served = [x["id"] for x in body["items"]]
        elif via == "api get":
            served = [body["id"]]
        else:  # the history: the offer's steps
            served = [of]
        entries = _reads(ws, start)
        assert {e.entity for e in entries} == {entity}, path
        _check_entries(entries, served, _labels(ws, table, owned), "lead", via)
    # The board shows the event, its requests and its offers: one entry per entity and label.
    start = _head(ws)
    assert lead.get(f"{API}/relief/events/{ev}/board").status_code == 200
    got = {(e.entity, i) for e in _reads(ws, start) for i in e.after["ids"]}
    assert got == {("relief_event", ev), ("relief_request", rq), ("relief_offer", of)}


def test_runs_results_exports_and_compare(ws: Workspace) -> None:
    lead = ws.client("lead")
    ids = []
    for _ in range(2):
        r = lead.post(f"{API}/runs", json={"include": ["approved"]})
        assert r.status_code == 202
        assert wait(ws, r.json()["id"])["state"] == "done"
        ids.append(r.json()["id"])
    labels = _labels(ws, "sourcing_runs")
    labels = {str(k): v for k, v in labels.items()}
    a, b = ids
    cases = [
        ((f"{API}/runs", {}), [str(a), str(b)], "api list"),
        ((f"{API}/runs/{a}", {}), [str(a)], "api get"),
        ((f"{API}/runs/{a}", {"with_result": "false"}), [str(a)], "api get summary"),
        ((f"{API}/runs/{b}/export", {"format": "csv"}), [str(b)], "api export csv"),
        ((f"{API}/runs/compare", {"a": a, "b": b}), [str(a), str(b)], "api compare"),
    ]
    for (path, params), served, via in cases:
        start = _head(ws)
        r = ws.client("observer_fra").get(path, params=params)
        assert r.status_code == 200, (path, r.text)
        entries = _reads(ws, start)
        assert {e.entity for e in entries} == {"sourcing_run"}
        _check_entries(entries, served, labels, "observer_fra", via)


def test_deployment_and_relief_runs(ws: Workspace) -> None:
    doc = deployment_doc()
    open_run = add_deployment_run(ws.factory, doc)
    secret = add_deployment_run(ws.factory, doc, level=3)
    c = ws.client("liaison_fra")
    for path, served, via in (
        ("/deployments", [str(open_run)], "api list"),
        (f"/deployments/{open_run}", [str(open_run)], "api get"),
        (f"/deployments/{open_run}/export?format=json", [str(open_run)], "api export json"),
    ):
        start = _head(ws)
        assert c.get(f"{API}{path}").status_code == 200, path
        entries = _reads(ws, start)
        assert {e.entity for e in entries} == {"deployment_run"}
        _check_entries(entries, served, {str(k): v for k, v in
                                         _labels(ws, "deployment_runs").items()},
                       "liaison_fra", via)
    start = _head(ws)
    assert c.get(f"{API}/deployments/{secret}").status_code == 404
    assert _head(ws) == start
    # A kept relief matching run: listed with its event, read with its plan.
    ev = new_event(ws)
    new_request(ws, ev)
    new_offer(ws, ev, "FRA")
    run = ws.client("lead").post(f"{API}/relief/events/{ev}/match", json={}).json()["run"]
    for path, via in ((f"/relief/events/{ev}/runs", "api list"), (f"/relief/runs/{run}",
                                                                   "api get")):
        start = _head(ws)
        assert ws.client("lead").get(f"{API}{path}").status_code == 200, path
        (e,) = _reads(ws, start)
        assert (e.entity, e.after["ids"], e.after["via"]) == ("relief_run", [str(run)], via)
    start = _head(ws)
    assert ws.client("lead").get(f"{API}/relief/runs/{run + 100}").status_code == 404
    assert _head(ws) == start


def test_every_entity_read_is_labelled_in_the_audit_listing() -> None:
    """A read entity missing from ``LABELLED`` would be listed to everyone: check them all."""
    import inspect
    import re
    from pathlib import Path

    import forcegen

    root = Path(inspect.getfile(forcegen)).parent
    written: set[str] = set()
    for f in [*root.glob("workspace/**/*.py"), *root.glob("web/**/*.py")]:
        src = f.read_text()
        written |= set(re.findall(r'record_reads\([^)]*?"(?:api|web)[^"]*",\s*"(\w+)"', src,
                                  re.S))
        written |= set(re.findall(r'\.add(?:_rows)?\(\s*"(\w+)"', src))
        written |= set(re.findall(r'entity="(\w+)"', src))
    written.discard("intel")
    assert {"pledge", "requirement", "sourcing_run", "deployment_run", "relief_event",
            "relief_request", "relief_offer", "relief_run"} <= written
    assert written <= set(LABELLED), written - set(LABELLED)


def test_scenario_export_lists_ids_up_to_the_cap_and_counts_them_all(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    start = _head(ws)
    r = ws.client("lead").get(f"{API}/scenario/export", params={"format": "yaml"})
    assert r.status_code == 200
    doc = yaml.safe_load(r.content)
    pledges = [p["id"] for p in doc["pledges"]]
    reqs = [q["id"] for q in doc["requirements"]]
    entries = _reads(ws, start)
    _check_entries([e for e in entries if e.entity == "pledge"], pledges,
                   _labels(ws, "pledges", owner=True), "lead", "api export yaml")
    _check_entries([e for e in entries if e.entity == "requirement"], reqs,
                   _labels(ws, "requirements"), "lead", "api export yaml")
    # A large export lists the first ids and counts every one.
    monkeypatch.setattr(reads, "MAX_IDS", 1)
    start = _head(ws)
    assert ws.client("lead").get(f"{API}/scenario/export",
                                 params={"format": "csv"}).status_code == 200
    big = [e for e in _reads(ws, start) if e.entity == "pledge"]
    assert sum(e.after["count"] for e in big) == len(pledges)
    assert all(len(e.after["ids"]) == 1 for e in big)
    assert any(e.after["count"] > 1 for e in big)


def test_failed_refused_and_hidden_reads_write_nothing(ws: Workspace) -> None:
    _set_user(ws, "lead", 1)
    set_label(ws, "pledges", "P-DEU-1", 3, None)
    set_label(ws, "requirements", "R-002", 3, None)
    start = _head(ws)
    lead = ws.client("lead")
    for path in (f"{API}/pledges/P-DEU-1", f"{API}/pledges/P-NONE-9",
                 f"{API}/requirements/R-002", f"{API}/runs/999999",
                 f"{API}/runs/compare?a=999998&b=999999"):
        assert lead.get(path).status_code in (404, 422), path
    # A liaison may not export the scenario (403); another nation's pledge is 404 to them.
    assert ws.client("liaison_fra").get(f"{API}/scenario/export").status_code == 403
    assert ws.client("liaison_fra").get(f"{API}/pledges/P-DEU-2").status_code == 404
    assert ws.client("anon").get(f"{API}/pledges").status_code == 401
    assert _head(ws) == start
    # A list leaves out what it hides, and so does its trail.
    r = lead.get(f"{API}/pledges", params={"limit": 100})
    served = [p["id"] for p in r.json()["items"]]
    assert "P-DEU-1" not in served
    assert "P-DEU-1" not in [i for e in _reads(ws, start) for i in e.after["ids"]]


def _audit(ws: Workspace, who: str, **params: Any) -> dict[str, Any]:
    r = ws.client(who).get(f"{API}/audit", params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_read_entries_are_listed_only_to_whom_the_label_releases(ws: Workspace) -> None:
    _set_user(ws, "admin", 4, "FRA")
    _set_user(ws, "lead", 1)
    set_label(ws, "pledges", "P-DEU-1", 3, None)
    lead_before = _audit(ws, "lead")
    missing = _audit(ws, "lead", entity_id="P-NONE-9")
    # The admin reads the SECRET pledge, alone and in a list with visible ones.
    assert ws.client("admin").get(f"{API}/pledges/P-DEU-1").status_code == 200
    assert ws.client("admin").get(f"{API}/pledges", params={"limit": 100}).status_code == 200
    secret = [e for e in _reads(ws) if "P-DEU-1" in e.after["ids"]]
    assert len(secret) == 2 and all(e.after["ids"] == ["P-DEU-1"] for e in secret)
    admin_view = _audit(ws, "admin", action="read")
    assert {e.seq for e in secret} <= {e["seq"] for e in admin_view["items"]}
    # The lead sees the admin's reads of what the lead may see, not of the SECRET pledge: not
    # listed, not counted, not found by id (as for an id that never existed), no proof.
    lead_after = _audit(ws, "lead")
    listed = {e["seq"] for e in lead_after["items"]}
    assert not listed & {e.seq for e in secret}
    visible_reads = [e for e in lead_after["items"]
                     if e["action"] == "read" and e["actor"] == "admin"]
    assert len(visible_reads) >= 1
    assert lead_after["total"] == lead_before["total"] + len(visible_reads)
    assert lead_after["total"] == len(lead_after["items"])
    hidden = _audit(ws, "lead", entity_id="P-DEU-1")
    assert hidden == missing and hidden["total"] == 0
    with Session(ws.engine) as s:
        lead = s.scalar(select(User).where(User.username == "lead"))
        admin = s.scalar(select(User).where(User.username == "admin"))
        for e in secret:  # one entry (the audit page's entry view): missing for the lead
            with pytest.raises(NotFound):
                audit_service.get(s, lead, e.seq)
            assert audit_service.get(s, admin, e.seq).seq == e.seq


def test_legacy_and_unreadable_labels(ws: Workspace) -> None:
    _set_user(ws, "lead", 4, "FRA")
    # A row without a stored label reads as its legacy label, its owner included.
    with ws.engine.begin() as conn:
        conn.execute(text(f"UPDATE pledges SET {LEGACY_FORM}, classification = 1, "
                          "releasable_to = ',FRA,' WHERE id = 'P-DEU-2'"))
    start = _head(ws)
    assert ws.client("lead").get(f"{API}/pledges/P-DEU-2").status_code == 200
    (e,) = _reads(ws, start)
    label = json.loads(e.after["label"])
    rel = next(c for c in label["categories"] if c["tagName"] == "Releasable To")
    assert sorted(rel["values"]) == ["DEU", "FRA"]
    # A label that does not read is recorded under the label of what nobody may see.
    trail = reads.ReadTrail("test")
    trail.add("pledge", "X-1", {"label": "{not json"})
    assert reads.label_snapshot("{not json")["label"] == label_json(reads.NOBODY)
    # A label in a form the trail does not read is nobody's, never the wider legacy view.
    trail.add("pledge", "X-2", {"label": object(), "classification": 0})
    assert len(trail) == 2
    with Session(ws.engine) as s, s.begin():
        start = _head(ws)
        assert trail.write(s, "tester") == 2
    got = _reads(ws, start)
    assert sorted(i for e in got for i in e.after["ids"]) == ["X-1", "X-2"]
    assert {e.after["label"] for e in got} == {label_json(reads.NOBODY)}


def test_the_merkle_log_proves_read_entries(ws: Workspace) -> None:
    k = SigningKey.generate("GBR")
    ws.app.state.audit_signer = Signer(k, None, KeyList([k.public]))
    try:
        admin = ws.client("admin")
        first = _head(ws)
        for path in ("/pledges", "/pledges/P-FRA-1", "/requirements"):
            assert admin.get(f"{API}{path}").status_code == 200
        entries = _reads(ws, first)
        assert len(entries) >= 3
        keys = KeyList([k.public])
        leaves = leaves_from_content(ws)
        n = len(leaves)
        for e in entries:
            r = admin.get(f"{API}/audit/proof/inclusion",
                          params={"entry": e.seq, "tree_size": n})
            assert r.status_code == 200, r.text
            doc = r.json()
            assert verify_proof(doc, keys, "GBR")[0]
            assert doc["entry"]["action"] == "read"
            assert doc["head"]["root_hash"] == ref_mth(leaves[:n]).hex()
        doc = admin.get(f"{API}/audit/proof/consistency",
                        params={"first": first, "second": n}).json()
        assert verify_proof(doc, keys)[0]
        assert doc["first"]["root_hash"] == ref_mth(leaves[:first]).hex()
        v = admin.get(f"{API}/audit/verify").json()
        assert v["ok"] is True
    finally:
        ws.app.state.audit_signer = load_signer(None)

