"""The intel feed and compose pages: only what the reader may see, each object under its
marking, filters drawn from what is visible, the live fragment hidden == missing, and the
compose form offering only grantable labels, re-checked on the server, signed, nothing stored
on a refusal."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from sqlalchemy import func, select

from forcegen.intel.signing import pair_labels, sign_object
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import Label, make_label
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.database import session_scope
from forcegen.workspace.intel import store
from forcegen.workspace.intel.models import IntelObject
from forcegen.workspace.intel.readers import reader_for
from forcegen.workspace.models import User
from intel.stixdata import indicator  # tests/ is on sys.path (rootdir)

from .conftest import Web, csrf_of

FRA = SigningKey.generate("FRA")
DEU = SigningKey.generate("DEU")
SHARED = "0a4b3c8e-3333-4a4a-8b8b-000000000003"
SECRET_C = "0a4b3c8e-4444-4a4a-8b8b-000000000004"
ITEM = re.compile(r'data-testid="item-marking">([^<]*)<')


def _setup(web: Web) -> dict[str, str]:
    web.app.state.intel_keys = KeyList([FRA.public, DEU.public])
    web.app.state.intel_signing_keys = (FRA,)
    ids: dict[str, str] = {}
    with session_scope(web.factory) as db:
        store.create_collection(db, "Coalition threats", make_label("NATO", "NATO UNCLASSIFIED"),
                                collection_id=SHARED)
        store.create_collection(db, "Secret cell", make_label("NATO", "NATO SECRET"),
                                collection_id=SECRET_C)
        for u in db.query(User):
            u.clearance = 1 if u.username != "observer_fra" else 0
    items = [("open", make_label("TLP", "GREEN", originator="FRA"), "NORTH", FRA),
             ("fra-only", make_label("NATO", "NATO RESTRICTED", {"Releasable To": ["FRA"]},
                                     originator="FRA"), "SOUTH", FRA),
             ("deu-only", make_label("NATO", "NATO UNCLASSIFIED", {"Releasable To": ["DEU"]},
                                     originator="DEU"), "HIDDENSECTOR", DEU)]
    for name, label, sector, key in items:
        obj = {**indicator(f"198.51.100.{len(ids) + 1}"), "x_forcegen_sector": sector,
               "name": f"ZZ-{name}"}
        ids[name] = obj["id"]
        _add(web, obj, label, key)
    return ids


def _add(web: Web, obj: dict[str, Any], label: Label, key: SigningKey,
         who: str = "admin") -> None:
    signed, mark = sign_object(obj, label, key)
    with session_scope(web.factory) as db:
        user = db.query(User).filter_by(username=who).one()
        user.clearance = 4
        col = db.get(store.IntelCollection, SHARED)
        reader = reader_for(user)
        store.add_objects(db, col, user, reader, pair_labels([signed, mark], KeyList(
            [FRA.public, DEU.public])))
        user.clearance = 1


def _count(web: Web) -> int:
    with session_scope(web.factory) as db:
        return int(db.scalar(select(func.count()).select_from(IntelObject)) or 0)


def test_feed_shows_only_what_the_reader_may_see_each_under_its_marking(web: Web) -> None:
    _setup(web)
    c = web.signed_in("liaison_fra")
    page = c.get("/intel").text
    assert "ZZ-open" in page and "ZZ-fra-only" in page
    assert "ZZ-deu-only" not in page and "HIDDENSECTOR" not in page  # nor a filter choice
    assert sorted(ITEM.findall(page)) == ["NATO RESTRICTED REL TO FRA", "TLP:GREEN"]
    top = re.search(r'data-testid="banner-top"[^>]*>([^<]*)<', page)
    assert top and "NATO RESTRICTED REL TO FRA" in top.group(1) and "TLP:GREEN" in top.group(1)
    assert "Secret cell" not in page  # a collection above the clearance is not offered
    # Filters: type, sector and marking.
    assert "ZZ-open" not in c.get("/intel?sector=SOUTH").text
    only = c.get("/intel", params={"marking": "TLP:GREEN"}).text
    assert "ZZ-open" in only and "ZZ-fra-only" not in only
    assert "ZZ-" not in c.get("/intel?type=report").text
    # Germany's liaison sees its own and the TLP one, not France's.
    d = web.signed_in("liaison_deu").get("/intel").text
    assert "ZZ-deu-only" in d and "ZZ-fra-only" not in d and "SOUTH" not in d
    # A hidden collection is answered exactly as a missing one.
    hidden = c.get(f"/intel?collection={SECRET_C}")
    missing = c.get("/intel?collection=0a4b3c8e-9999-4a4a-8b8b-000000000009")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text == missing.text


def test_feed_reads_are_audited_per_label(web: Web) -> None:
    from forcegen.workspace.audit.models import AuditEntry

    ids = _setup(web)
    with session_scope(web.factory) as db:
        start = int(db.scalar(select(func.max(AuditEntry.seq))) or 0)
    c = web.signed_in("liaison_fra")
    assert c.get("/intel").status_code == 200
    with session_scope(web.factory) as db:
        entries = list(db.scalars(select(AuditEntry).where(
            AuditEntry.seq > start, AuditEntry.action == "intel_read")))
        got = sorted(o.split("@")[0] for e in entries for o in e.after["objects"])
        assert {e.actor for e in entries} == {"liaison_fra"}
        assert {e.after["via"] for e in entries} == {"web feed"}
    # The two objects shown, one entry per label (TLP:GREEN, NATO RESTRICTED REL TO FRA).
    assert got == sorted([ids["open"], ids["fra-only"]]) and len(entries) == 2


def test_live_fragment_is_hidden_like_a_missing_one(web: Web) -> None:
    _setup(web)
    c = web.signed_in("liaison_fra")
    with session_scope(web.factory) as db:
        seqs = {r.body: r.seq for r in db.query(IntelObject).filter(
            IntelObject.type == "indicator")}
    seq = {json.loads(b)["name"]: s for b, s in seqs.items()}
    r = c.get(f"/intel/items/{seq['ZZ-fra-only']}", params={"collection": SHARED})
    assert r.status_code == 200 and "ZZ-fra-only" in r.text
    assert unquote(r.headers["X-Banner"]).startswith("NATO RESTRICTED REL TO FRA")
    hidden = c.get(f"/intel/items/{seq['ZZ-deu-only']}", params={"collection": SHARED})
    missing = c.get("/intel/items/999999", params={"collection": SHARED})
    assert hidden.status_code == missing.status_code == 404 and hidden.text == missing.text
    filtered = c.get(f"/intel/items/{seq['ZZ-fra-only']}",
                     params={"collection": SHARED, "type": "report"})
    assert filtered.status_code == 404


def _compose(**fields: Any) -> dict[str, Any]:
    base = {"collection": SHARED, "type": "indicator", "name": "C2 server",
            "pattern": "[ipv4-addr:value = '203.0.113.9']", "sector": "NORTH",
            "label_class": "TLP|GREEN"}
    base.update(fields)
    return base


def test_compose_offers_only_grantable_labels_and_publishes_signed(web: Web) -> None:
    _setup(web)
    c = web.signed_in("liaison_fra")
    form = c.get("/intel/compose").text
    offered = re.findall(r'<option value="([A-Z]+\|[^"]+)"', form)
    assert "TLP|AMBER" in offered and "TLP|AMBER+STRICT" not in offered
    assert "NATO|NATO RESTRICTED" in offered and "NATO|NATO CONFIDENTIAL" not in offered
    assert "Secret cell" not in form
    token = csrf_of(c, "/intel/compose")
    before = _count(web)
    r = c.post("/intel/compose", data={"csrf_token": token, **_compose(
        label_cat=["NATO|Releasable To|GBR"], **{"label_class": "NATO|NATO RESTRICTED"})})
    assert r.status_code == 422 and "hide the object from you" in r.text
    assert _count(web) == before
    r = c.post("/intel/compose", data={"csrf_token": token, **_compose(
        label_cat=["NATO|Releasable To|GBR", "NATO|Releasable To|FRA"],
        **{"label_class": "NATO|NATO RESTRICTED"})})
    assert r.status_code == 303, r.text
    assert _count(web) == before + 2  # the object and its label marking
    with session_scope(web.factory) as db:
        rows = db.query(IntelObject).filter(IntelObject.seq > 0).order_by(
            IntelObject.seq.desc()).limit(2).all()
        bodies = [json.loads(x.body) for x in rows]
    # Signed for France and verifiable by a partner with the published keys alone.
    verified = pair_labels(bodies, KeyList([FRA.public]))
    assert verified[0].label.originator == "FRA"
    assert verified[0].obj["name"] == "C2 server"
    assert verified[0].sector == "NORTH"
    page = c.get("/intel").text
    assert "NATO RESTRICTED REL TO FRA, GBR" in ITEM.findall(page)


def test_compose_refusals_are_inline_and_store_nothing(web: Web) -> None:
    _setup(web)
    c = web.signed_in("liaison_fra")
    token = csrf_of(c, "/intel/compose")
    before = _count(web)
    cases = [
        ({"label_class": "NATO|NATO SECRET"}, "label", "NATO SECRET"),  # above clearance
        ({"label_class": "TLP|RED"}, "label", "RED"),  # above the workspace's TLP level
        ({"label_class": "NATO|NATO RESTRICTED",
          "label_cat": ["NATO|Special Handling|ATOMAL"]}, "label", "ATOMAL"),
        ({"label_class": "NATO|NATO RESTRICTED",
          "label_cat": ["NATO|Community|INTEL"]}, "label", "INTEL"),
        ({"label_class": "XX|SECRET"}, "label", "unknown policy"),
        ({"pattern": "not a pattern"}, "pattern", "pattern"),
        ({"type": "report", "object_refs": ""}, "object_refs", "at least one"),
        ({"sector": "bad sector!"}, "sector", "sector"),
    ]
    for change, field, needle in cases:
        r = c.post("/intel/compose", data={"csrf_token": token, **_compose(**change)})
        assert r.status_code == 422, (change, r.text)
        m = re.search(rf'data-field="{field}">([^<]*)<', r.text)
        assert m and needle in m.group(1), (change, m and m.group(1))
        assert _count(web) == before
    # No signing key for the author's nation on this server: refused, nothing stored.
    d = web.signed_in("liaison_deu")
    r = d.post("/intel/compose", data={"csrf_token": csrf_of(d, "/intel/compose"),
                                       **_compose()})
    assert r.status_code == 422 and "no signing key for DEU" in r.text
    assert _count(web) == before
    # Observers read the feed but compose nothing; a hidden collection is not found.
    o = web.signed_in("observer_fra")
    assert o.get("/intel").status_code == 200
    assert o.get("/intel/compose").status_code == 403
    r = c.post("/intel/compose", data={"csrf_token": token, **_compose(collection=SECRET_C)})
    assert r.status_code == 404
    assert _count(web) == before


def test_object_text_is_escaped_in_the_feed_and_the_fragment(web: Web) -> None:
    _setup(web)
    hostile = {**indicator("198.51.100.99"), "name": "<script>alert(1)</script>",
               "description": '"><img src=x onerror=alert(2)>'}
    _add(web, hostile, make_label("TLP", "CLEAR", originator="FRA"), FRA)
    c = web.signed_in("liaison_fra")
    page = c.get("/intel").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page
    with session_scope(web.factory) as db:
        seq = db.scalar(select(func.max(IntelObject.seq)).where(
            IntelObject.type == "indicator"))
    r = c.get(f"/intel/items/{seq}", params={"collection": SHARED})
    assert r.status_code == 200 and "<script>alert(1)" not in r.text
    assert "&lt;script&gt;" in r.text


def test_feed_says_plainly_when_no_key_list_withholds_everything(web: Web) -> None:
    _setup(web)
    c = web.signed_in("liaison_fra")
    assert 'data-testid="key-list-missing"' not in c.get("/intel").text
    assert c.get("/api/v1/intel/status").json()["withholding_all"] is False
    web.app.state.intel_keys = KeyList()  # as a server started without FORCEGEN_INTEL_KEY_LIST
    page = c.get("/intel").text
    assert 'data-testid="key-list-missing"' in page and "FORCEGEN_INTEL_KEY_LIST" in page
    status = c.get("/api/v1/intel/status").json()
    assert status["withholding_all"] is True and status["nations"] == []
    # Still default deny: a TAXII post is refused, saying why, and nothing is stored.
    with session_scope(web.factory) as db:
        _, token = create_api_token(db, db.query(User).filter_by(username="liaison_fra").one(),
                                    "tests")
    before = _count(web)
    obj, mark = sign_object(indicator("198.51.100.99"), make_label(
        "TLP", "GREEN", originator="FRA"), FRA)
    media = "application/taxii+json;version=2.1"
    refused = c.post(f"/taxii2/forcegen/collections/{SHARED}/objects/",
                     content=json.dumps({"objects": [obj, mark]}),
                     headers={"Content-Type": media, "Accept": media,
                              "Authorization": f"Bearer {token}"})
    assert refused.status_code == 422
    assert "no published key list" in refused.json()["description"]
    assert _count(web) == before
