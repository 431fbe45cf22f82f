"""Bulk status change of ticked pledges: each through the workflow with its version checked and
audited, each on its own (a refusal leaves the others done and itself untouched), reported per
pledge; never a way around the access rules."""

from __future__ import annotations

import re

from sqlalchemy import select

from forcegen.workspace.database import session_scope
from forcegen.workspace.models import AuditEntry, Pledge

from .conftest import Web, csrf_of


def _state(web: Web, *ids: str) -> dict[str, tuple[str, int]]:
    with session_scope(web.factory) as db:
        return {p.id: (p.status, p.version) for p in db.scalars(
            select(Pledge).where(Pledge.id.in_(ids)))}


def _audited(web: Web) -> list[tuple[str, str | None, str | None]]:
    """The pledges' change entries (the pages' read entries are tests/workspace's concern)."""
    with session_scope(web.factory) as db:
        return [(e.action, e.entity_id, e.actor) for e in db.scalars(
            select(AuditEntry).where(AuditEntry.entity == "pledge", AuditEntry.action != "read")
            .order_by(AuditEntry.seq))]


def _tick(web: Web, *ids: str) -> list[str]:
    return [f"{i}@{v}" for i, (_, v) in sorted(_state(web, *ids).items())]


def test_liaison_approves_ticked_pledges_in_one_form(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    page = c.get("/pledges?status=provisional").text
    assert 'data-testid="bulk-form"' in page
    ticked = re.findall(r'name="pledge" value="([^"]+)" form="bulk"', page)
    assert ticked and all(t.startswith("P-FRA-") for t in ticked)
    token = csrf_of(c, "/pledges")
    r = c.post("/pledges/status", data={
        "csrf_token": token, "status": "approved", "note": "cleared by capital",
        "back": "/pledges?status=provisional", "pledge": ticked})
    assert r.status_code == 303
    assert r.headers["location"].startswith("/pledges?status=provisional&notice=")
    ids = [t.rsplit("@", 1)[0] for t in ticked]
    assert {s for s, _ in _state(web, *ids).values()} == {"approved"}
    audit = [a for a in _audited(web) if a[0] == "status:approved"]
    assert sorted(a[1] for a in audit) == sorted(ids)
    assert {a[2] for a in audit} == {"liaison_fra"}


def test_refusals_are_reported_per_pledge_and_change_nothing_of_theirs(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    # provisional, provisional (but stale), approved (cannot be approved again)
    good, stale, wrong_move = "P-FRA-16", "P-FRA-20", "P-FRA-05"
    before = _state(web, good, stale, wrong_move, "P-GBR-01")
    ticked = _tick(web, good, wrong_move)
    ticked.append(f"{stale}@{before[stale][1] + 7}")  # a version the table never showed
    ticked.append("P-GBR-01@1")  # another nation's: hidden from this liaison
    ticked.append("P-NOPE-1@1")  # does not exist
    token = csrf_of(c, "/pledges")
    r = c.post("/pledges/status", data={"csrf_token": token, "status": "approved",
                                        "pledge": ticked})
    assert r.status_code == 200
    outcome = {p: o for o, p in re.findall(r'data-outcome="(\w+)" data-pledge="([^"]+)"', r.text)}
    assert outcome == {good: "done", wrong_move: "refused", stale: "refused",
                       "P-GBR-01": "refused", "P-NOPE-1": "refused"}
    assert "1 of 5 pledges changed to approved" in r.text
    assert "changed by someone else" in r.text and "can move to: withdrawn" in r.text
    # Hidden and missing read the same: "not found", and no link to either.
    for pid in ("P-GBR-01", "P-NOPE-1"):
        row = r.text[r.text.index(f'data-pledge="{pid}"'):]
        assert "not found" in row[: row.index("</tr>")]
        assert f'href="/pledges/{pid}"' not in r.text
    after = _state(web, good, stale, wrong_move, "P-GBR-01")
    assert after[good] == ("approved", before[good][1] + 1)
    for pid in (stale, wrong_move, "P-GBR-01"):
        assert after[pid] == before[pid], pid
    assert [a[1] for a in _audited(web)] == [good]


def test_bulk_form_keeps_the_access_rules(web: Web) -> None:
    ids = ("P-FRA-16", "P-FRA-20")
    before = _state(web, *ids)
    obs = web.signed_in("observer_fra")
    assert 'data-testid="bulk-form"' not in obs.get("/pledges").text
    assert 'form="bulk"' not in obs.get("/pledges").text
    r = obs.post("/pledges/status", data={"csrf_token": csrf_of(obs, "/pledges"),
                                          "status": "approved", "pledge": _tick(web, *ids)})
    assert r.status_code == 403
    liaison = web.signed_in("liaison_fra")
    r = liaison.post("/pledges/status", data={"status": "approved", "pledge": _tick(web, *ids)})
    assert r.status_code == 403  # no CSRF token
    token = csrf_of(liaison, "/pledges")
    r = liaison.post("/pledges/status", data={"csrf_token": token, "pledge": _tick(web, *ids)})
    assert r.status_code == 422 and "Choose the status" in r.text
    r = liaison.post("/pledges/status", data={"csrf_token": token, "status": "approved"})
    assert r.status_code == 422 and "Tick at least one pledge" in r.text
    r = liaison.post("/pledges/status", data={
        "csrf_token": token, "status": "approved", "back": "//evil.example/",
        "pledge": _tick(web, ids[0])})
    assert r.status_code == 303 and r.headers["location"].startswith("/pledges?notice=")
    assert _state(web, ids[1]) == {ids[1]: before[ids[1]]}
    assert _audited(web) == [("status:approved", ids[0], "liaison_fra")]
