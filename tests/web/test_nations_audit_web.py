"""The nations page (pledges by status, decisions pending, planners edit) and the audit trail
page (find entries, open one, verify the chain), each with the API's access rules."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select, text
from tests.labels.test_merkle import ref_mth

from forcegen.labels.auditlog import TreeHead, canonical_entry
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.workspace.audit.models import AuditEntry, AuditHead
from forcegen.workspace.audit.signer import Signer
from forcegen.workspace.audit.tree import entry_fields
from forcegen.workspace.database import session_scope
from forcegen.workspace.pledges.models import Pledge
from forcegen.workspace.reference import Nation

from .conftest import Web, csrf_of, pledge_form

NATION_ROW = re.compile(r'<tr data-nation="([A-Z]{3})"[^>]*>(.*?)</tr>', re.S)
CELLS = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
SEQ = re.compile(r'data-seq="(\d+)"')


def _rows(page: str) -> dict[str, list[str]]:
    return {code: [re.sub(r"<[^>]+>", "", c).strip() for c in CELLS.findall(body)]
            for code, body in NATION_ROW.findall(page)}


def _count(web: Web, nation: str, *statuses: str) -> int:
    with session_scope(web.factory) as db:
        return int(db.scalar(select(func.count()).select_from(Pledge).where(
            Pledge.nation == nation, Pledge.status.in_(statuses))) or 0)


def _nation(web: Web, code: str) -> Nation:
    with session_scope(web.factory) as db:
        row = db.get(Nation, code)
        assert row is not None
        db.expunge(row)
        return row


def test_planner_sees_every_nations_pledges_and_pending_decisions(web: Web) -> None:
    rows = _rows(web.signed_in("lead").get("/nations").text)
    with session_scope(web.factory) as db:
        codes = sorted(db.scalars(select(Nation.code)))
    assert sorted(rows) == codes
    for code in ("FRA", "GBR", "POL"):
        # code, name, groups, ceiling, offered, provisional, approved, withdrawn, pending
        cells = rows[code]
        assert [int(c) for c in cells[4:8]] == [
            _count(web, code, s) for s in ("offered", "provisional", "approved", "withdrawn")]
        assert int(cells[8]) == _count(web, code, "offered", "provisional")
    assert any(int(r[8]) > 0 for r in rows.values())
    # Filters: text on code or name, and only nations with decisions pending.
    assert list(_rows(web.signed_in("lead").get("/nations?q=fra").text)) == ["FRA"]
    pending = _rows(web.signed_in("lead").get("/nations?pending=yes").text)
    assert pending and all(int(r[8]) > 0 for r in pending.values())
    assert set(pending) == {c for c, r in rows.items() if int(r[8]) > 0}


def test_liaison_sees_own_counts_and_others_only_together(web: Web) -> None:
    c = web.signed_in("liaison_fra")
    page = c.get("/nations").text
    rows = _rows(page)
    assert int(rows["FRA"][8]) == _count(web, "FRA", "offered", "provisional")
    assert rows["FRA"][3] != "" or _nation(web, "FRA").ceiling_personnel is None
    assert rows["GBR"][3:] == [""] * 6  # no ceiling, no counts of another nation
    assert 'data-testid="other-nations"' in page
    # Own nation read-only with its ceiling; another without; no edit form for a liaison.
    own = c.get("/nations/FRA").text
    assert 'data-testid="nation-form"' not in own and "Read-only" in own
    gbr = _nation(web, "GBR")
    other = c.get("/nations/GBR").text
    assert "Personnel ceiling" not in other and str(gbr.ceiling_personnel) not in other
    r = c.post("/nations/FRA", data={"csrf_token": csrf_of(c), "version": "1", "name": "X"})
    assert r.status_code == 403
    assert _nation(web, "FRA").name != "X"
    assert c.get("/nations/XXX").status_code == 404


def test_planner_edits_a_nation_and_a_stale_edit_shows_the_conflict(web: Web) -> None:
    before = _nation(web, "FRA")
    first, second = web.signed_in("lead"), web.signed_in("admin")
    form = {"version": str(before.version), "name": "French Republic",
            "groups": "NATO, EU", "ceiling_personnel": "4,500"}
    r = first.post("/nations/FRA", data={**form, "csrf_token": csrf_of(first)})
    assert r.status_code == 303, r.text
    after = _nation(web, "FRA")
    assert (after.name, after.groups, after.ceiling_personnel, after.version) == (
        "French Republic", ["NATO", "EU"], 4500, before.version + 1)
    # The second planner saves a form loaded before that change.
    r = second.post("/nations/FRA", data={**form, "name": "France", "ceiling_personnel": "9000",
                                          "csrf_token": csrf_of(second)})
    assert r.status_code == 409 and 'data-testid="conflict"' in r.text
    assert "<td>ceiling_personnel</td><td>9000</td><td><strong>4500</strong></td>" in r.text
    assert _nation(web, "FRA").ceiling_personnel == 4500
    # A bad value is named at its field and nothing is saved.
    r = first.post("/nations/FRA", data={**form, "version": str(after.version),
                                         "ceiling_personnel": "-3", "csrf_token": csrf_of(first)})
    assert r.status_code == 422 and 'data-field="ceiling_personnel"' in r.text
    assert _nation(web, "FRA").version == after.version
    # The change is in the audit trail, field by field.
    page = first.get("/audit?entity=nation&entity_id=FRA").text
    seqs = SEQ.findall(page)
    assert len(seqs) == 1
    entry = first.get(f"/audit/{seqs[0]}").text
    assert "<td>ceiling_personnel</td>" in entry and "<strong>4500</strong>" in entry


def test_audit_trail_filters_and_hides_what_the_api_hides(web: Web) -> None:
    admin, lead = web.signed_in("admin"), web.signed_in("lead")
    everything = SEQ.findall(admin.get("/audit").text)
    assert everything and everything == sorted(everything, key=int, reverse=True)
    mine = SEQ.findall(admin.get("/audit?actor=lead").text)
    with session_scope(web.factory) as db:
        expected = [str(s) for s in db.scalars(select(AuditEntry.seq).where(
            AuditEntry.actor == "lead").order_by(AuditEntry.seq.desc()))]
        admin_login = db.scalar(select(AuditEntry.seq).where(
            AuditEntry.actor == "admin", AuditEntry.entity == "user"))
    assert mine == expected and mine
    # Sign-ins are entries about accounts: a lead planner sees only their own.
    assert admin_login is not None
    assert str(admin_login) not in SEQ.findall(lead.get("/audit?entity=user").text)
    missing = lead.get("/audit/99999999")
    hidden = lead.get(f"/audit/{admin_login}")
    assert hidden.status_code == missing.status_code == 404
    assert admin.get(f"/audit/{admin_login}").status_code == 200
    # When: a day with no entries, and a date that is not one.
    assert SEQ.findall(admin.get("/audit?since=2100-01-01").text) == []
    assert SEQ.findall(admin.get("/audit?until=2000-01-01").text) == []
    assert len(SEQ.findall(admin.get("/audit?since=2000-01-01").text)) == len(everything)
    bad = admin.get("/audit?since=20261201")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    # Liaisons and observers are refused, as by the API.
    for who in ("liaison_fra", "observer_fra"):
        c = web.signed_in(who)
        assert c.get("/audit").status_code == 403
        assert c.get(f"/audit/{everything[-1]}").status_code == 403
        assert 'href="/audit"' not in c.get("/").text


def test_audit_entry_of_a_secret_pledge_is_hidden_below_its_label(web: Web) -> None:
    admin = web.signed_in("admin")
    with session_scope(web.factory) as db:
        db.execute(text("UPDATE users SET clearance = 4 WHERE username = 'admin'"))
    from .test_labels_web import LEGACY_FORM

    with session_scope(web.factory) as db:
        db.execute(text("UPDATE pledges SET classification = 4, " + LEGACY_FORM
                        + " WHERE id = 'P-FRA-05'"))
    r = admin.post("/pledges/P-FRA-05", data={**pledge_form(web, "P-FRA-05", quantity="2"),
                                              "csrf_token": csrf_of(admin)})
    assert r.status_code == 303, r.text
    with session_scope(web.factory) as db:
        seq = db.scalar(select(func.max(AuditEntry.seq)))
    assert admin.get(f"/audit/{seq}").status_code == 200
    lead = web.signed_in("lead")
    assert lead.get(f"/audit/{seq}").status_code == 404
    assert str(seq) not in SEQ.findall(lead.get("/audit?entity_id=P-FRA-05").text)
    assert "P-FRA-05" not in lead.get("/audit?entity=pledge").text


def test_verify_shows_the_signed_tree_head_and_finds_a_rewritten_entry(web: Web) -> None:
    lead = web.signed_in("lead")
    page = lead.get("/audit/verify").text
    with session_scope(web.factory) as db:
        head = db.get(AuditHead, 1)
        assert head is not None
        seq = head.seq
        data = [canonical_entry(entry_fields(e))
                for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    # The root recomputed here from every entry's content (RFC 6962 by its definition).
    root = ref_mth(data).hex()
    assert 'data-ok="yes"' in page
    # No key configured: the size and root, unsigned, and the reason said plainly.
    assert f'data-testid="head-size">{seq}<' in page and root in page
    assert "FORCEGEN_AUDIT_SIGNING_KEY" in page and 'data-valid="no"' in page

    key = SigningKey.generate("GBR")
    web.app.state.audit_signer = Signer(key, None, KeyList([key.public]))
    page = lead.get("/audit/verify").text
    line = json.loads(re.search(r'data-testid="anchor-line">([^<]+)<', page)
                      .group(1).replace("&#34;", '"'))  # type: ignore[union-attr]
    signed = TreeHead.from_json(line)
    assert (signed.tree_size, signed.root_hash.hex(), signed.key_id) == (seq, root, key.key_id)
    signed.verify(KeyList([key.public]))
    assert 'data-valid="yes"' in page and key.key_id in page
    # Shown by a server whose key list lacks the signer (rotated away): not valid, and why.
    other = SigningKey.generate("GBR")
    web.app.state.audit_signer = Signer(None, "no key", KeyList([other.public]))
    page = lead.get("/audit/verify").text
    assert 'data-valid="no"' in page and "unknown key" in page and root in page

    with session_scope(web.factory) as db:
        db.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1"))
    page = lead.get("/audit/verify").text
    assert 'data-ok="no"' in page and "at entry 1" in page
