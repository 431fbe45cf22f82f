"""The TAXII 2.1 server over a real socket, driven by the OASIS ``taxii2-client`` library,
plus raw requests for bad input. Every object is filtered per reader by its label; a hidden
object is answered exactly as a missing one."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from taxii2client.v21 import ApiRoot, Collection, Server, Status, as_pages

from forcegen.intel.markings import LABEL_EXTENSION_ID
from forcegen.intel.signing import sign_object
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import Label, make_label
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.database import session_scope
from forcegen.workspace.intel.federation import Bearer as _Bearer
from forcegen.workspace.intel.models import IntelObject, IntelStatus
from forcegen.workspace.intel.store import create_collection
from forcegen.workspace.models import AuditEntry, User
from forcegen.workspace.reference import Nation
from intel.stixdata import content_set, indicator, sid  # tests/ is on sys.path (rootdir)

from .conftest import _HASH, Workspace, make_workspace

GBR = SigningKey.generate("GBR")
NZL = SigningKey.generate("NZL")
ROGUE = SigningKey.generate("GBR")  # a GBR key nobody published
MEDIA = "application/taxii+json;version=2.1"
PARTNERS = "0a4b3c8e-1111-4a4a-8b8b-000000000001"
COALITION = "0a4b3c8e-2222-4a4a-8b8b-000000000002"


def nato(level: str = "NATO UNCLASSIFIED", rel: list[str] | None = None,
         originator: str = "GBR") -> Label:
    return make_label("NATO", level, {"Releasable To": rel} if rel else None,
                      originator=originator)


REL_GBR_NZL = nato(rel=["GBR", "NZL"])


@dataclass
class Taxii:
    base: str
    ws: Workspace
    tokens: dict[str, str]

    def server(self, who: str) -> Server:
        return Server(f"{self.base}/taxii2/", auth=_Bearer(self.tokens[who]))

    def collection(self, who: str, cid: str) -> Collection:
        return Collection(f"{self.base}/taxii2/forcegen/collections/{cid}/",
                          auth=_Bearer(self.tokens[who]))

    def raw(self, method: str, path: str, who: str | None = "gbr", **kw: Any
            ) -> requests.Response:
        headers = {"Accept": MEDIA, **kw.pop("headers", {})}
        if who:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return requests.request(method, f"{self.base}/taxii2/forcegen/{path}",
                                headers=headers, timeout=30, **kw)

    def rows(self) -> int:
        with self.ws.engine.connect() as conn:
            n = conn.execute(select(func.count()).select_from(IntelObject)).scalar_one()
            s = conn.execute(select(func.count()).select_from(IntelStatus)).scalar_one()
        return n + s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(engine: Engine, shared_app: Any) -> Iterator[str]:
    """uvicorn serving the workspace app on a free port (one per backend and module)."""
    shared_app.state.intel_keys = KeyList([GBR.public, NZL.public])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(shared_app, host="127.0.0.1", port=port,
                                           lifespan="off", log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


USERS = {  # name -> (role, nation, clearance rank)
    "gbr": ("liaison", "GBR", 2),
    "nzl": ("liaison", "NZL", 2),
    "fra": ("liaison", "FRA", 0),
    "gbr_observer": ("observer", "GBR", 2),
}


@pytest.fixture
def tx(engine: Engine, shared_app: Any, live: str) -> Taxii:
    ws = make_workspace(engine, shared_app)
    tokens = dict(ws.tokens)
    with session_scope(ws.factory) as db:
        for code in ("GBR", "NZL"):
            db.add(Nation(code=code, groups=["NATO", "FVEY"], extra={}))
        db.flush()
        for name, (role, nation, clearance) in USERS.items():
            user = User(username=name, password_hash=_HASH, role=role, nation=nation,
                        clearance=clearance)
            db.add(user)
            db.flush()
            _, tokens[name] = create_api_token(db, user, "tests")
        create_collection(db, "GBR-NZL partnership", REL_GBR_NZL, "Two nations",
                          collection_id=PARTNERS)
        create_collection(db, "Coalition threat sharing", nato(), collection_id=COALITION)
    return Taxii(live, ws, tokens)


def signed(objs: list[dict], label: Label = REL_GBR_NZL, key: SigningKey = GBR) -> list[dict]:
    out: list[dict] = []
    for o in objs:
        obj, mark = sign_object(o, label, key)
        out += [obj, mark]
    return out


def post(tx: Taxii, who: str, cid: str, objs: list[dict]) -> Status:
    return tx.collection(who, cid).add_objects({"objects": objs})


def ids(envelope: dict) -> set[str]:
    return {o["id"] for o in envelope.get("objects", [])}


# ------------------------------------------------------------------ the client, every endpoint
def test_discovery_api_root_and_collections_per_reader(tx: Taxii) -> None:
    server = tx.server("gbr")
    assert server.title == "forcegen TAXII 2.1 server"
    root: ApiRoot = server.default
    assert root.versions == [MEDIA]
    assert root.max_content_length > 0
    assert {c.id for c in root.collections} == {PARTNERS, COALITION}
    partners = next(c for c in root.collections if c.id == PARTNERS)
    assert partners.can_read and partners.can_write
    # France is not in the partnership: the collection does not exist for it.
    assert {c.id for c in tx.server("fra").default.collections} == {COALITION}
    assert not next(c for c in tx.server("gbr_observer").default.collections
                    if c.id == PARTNERS).can_write


def test_add_then_read_every_type_with_label_and_signature_intact(tx: Taxii) -> None:
    objs = signed(content_set())
    status = post(tx, "gbr", PARTNERS, objs)
    assert status.status == "complete"
    assert status.success_count == len(objs) and status.failure_count == 0
    status.refresh()  # GET status/{id}/
    assert status.success_count == len(objs)
    nzl = tx.collection("nzl", PARTNERS)
    got = nzl.get_objects()
    assert ids(got) == {o["id"] for o in objs}
    served = {o["id"]: o for o in got["objects"]}
    for o in objs:  # byte-for-byte the same document, so the signature still verifies
        assert served[o["id"]] == o
    report = next(o for o in got["objects"] if o["type"] == "report")
    assert report["x_forcegen_sector"] == "NORTH"
    # Filters: type, id, spec_version; manifest; one object; its versions.
    assert ids(nzl.get_objects(type=["indicator", "note"])) == {
        o["id"] for o in objs if o["type"] in ("indicator", "note")}
    assert ids(nzl.get_objects(id=[report["id"]])) == {report["id"]}
    assert ids(nzl.get_objects(spec_version="2.0")) == set()
    manifest = nzl.get_manifest()
    assert {m["id"] for m in manifest["objects"]} == {o["id"] for o in objs}
    assert all(m["media_type"] == "application/stix+json;version=2.1"
               for m in manifest["objects"])
    assert ids(nzl.get_object(report["id"])) == {report["id"]}
    assert nzl.object_versions(report["id"])["versions"] == [report["modified"]]
    # Posting the same objects again stores nothing twice.
    again = post(tx, "gbr", PARTNERS, objs)
    assert {s["message"] for s in again.successes} == {"already present"}
    assert tx.rows() == len(objs) + 2


def test_each_object_is_filtered_by_its_own_label(tx: Taxii) -> None:
    shared = indicator("192.0.2.1")
    gbr_only = indicator("192.0.2.2")
    secret = indicator("192.0.2.3")
    post(tx, "gbr", COALITION, signed([shared], nato(rel=["FRA", "GBR"]))
         + signed([gbr_only], nato(rel=["GBR"]))
         + signed([secret], nato("NATO CONFIDENTIAL")))
    fra = tx.collection("fra", COALITION)
    seen = ids(fra.get_objects())
    assert shared["id"] in seen and gbr_only["id"] not in seen and secret["id"] not in seen
    assert len(seen) == 2  # the indicator and its own label marking
    assert {m["id"] for m in fra.get_manifest()["objects"]} == seen
    assert ids(tx.collection("gbr", COALITION).get_objects()) >= {
        shared["id"], gbr_only["id"], secret["id"]}
    nzl_seen = ids(tx.collection("nzl", COALITION).get_objects())
    assert gbr_only["id"] not in nzl_seen and secret["id"] in nzl_seen  # NZL: cleared, not REL


def _error(r: requests.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].replace(" ", "") == MEDIA
    body = r.json()
    assert body["http_status"] == str(status) and body["title"] and body["description"]
    return body


def test_hidden_object_is_answered_exactly_as_a_missing_one(tx: Taxii) -> None:
    hidden = indicator("192.0.2.9")
    status = post(tx, "gbr", COALITION, signed([hidden], nato(rel=["GBR"])))
    missing = sid("indicator")
    for suffix, method in (("", "GET"), ("versions/", "GET"), ("", "DELETE")):
        a = tx.raw(method, f"collections/{COALITION}/objects/{hidden['id']}/{suffix}", "fra")
        b = tx.raw(method, f"collections/{COALITION}/objects/{missing}/{suffix}", "fra")
        assert _error(a, 404) == _error(b, 404)
    # Another user's status resource is as missing as an unknown one.
    a = tx.raw("GET", f"status/{status.id}/", "fra")
    b = tx.raw("GET", "status/6f1b1a2e-0000-4000-8000-000000000000/", "fra")
    assert _error(a, 404) == _error(b, 404)
    # A collection France may not see is as missing as one that does not exist.
    a = tx.raw("GET", f"collections/{PARTNERS}/objects/", "fra")
    b = tx.raw("GET", "collections/6f1b1a2e-0000-4000-8000-000000000000/objects/", "fra")
    assert _error(a, 404) == _error(b, 404)
    assert tx.raw("GET", f"collections/{COALITION}/objects/{hidden['id']}/").status_code == 200


def test_paging_with_signed_cursor_skips_hidden_objects(tx: Taxii) -> None:
    objs = [indicator(f"203.0.113.{i}") for i in range(30)]
    for i, o in enumerate(objs):  # every third one hidden from France
        post(tx, "gbr", COALITION,
             signed([o], nato(rel=["GBR"]) if i % 3 == 0 else nato(rel=["FRA", "GBR"])))
    fra = tx.collection("fra", COALITION)
    pages = list(as_pages(fra.get_objects, per_request=7, type="indicator"))
    got = [o["id"] for p in pages for o in p.get("objects", [])]
    assert len(got) == len(set(got)) == 20
    assert set(got) == {o["id"] for i, o in enumerate(objs) if i % 3}
    assert all(p["more"] for p in pages[:-1]) and not pages[-1]["more"]
    assert len(pages) == 3
    manifest = [m["id"] for p in as_pages(fra.get_manifest, per_request=9, type="indicator")
                for m in p["objects"]]
    assert manifest == got  # same order: date added


def test_versions_last_is_the_last_the_reader_may_see(tx: Taxii) -> None:
    ident = sid("indicator")
    v1 = indicator("198.51.100.1", "2026-11-30T10:00:00.000Z", ident)
    v2 = indicator("198.51.100.2", "2026-11-30T11:00:00.000Z", ident)
    post(tx, "gbr", COALITION, signed([v1], nato(rel=["FRA", "GBR"])))
    post(tx, "gbr", COALITION, signed([v2], nato(rel=["GBR"])))
    gbr, fra = tx.collection("gbr", COALITION), tx.collection("fra", COALITION)
    assert [o["modified"] for o in gbr.get_object(ident)["objects"]] == [v2["modified"]]
    assert sorted(o["modified"] for o in gbr.get_object(ident, version="all")["objects"]) == \
        [v1["modified"], v2["modified"]]
    assert [o["modified"] for o in gbr.get_object(ident, version="first")["objects"]] == \
        [v1["modified"]]
    assert gbr.object_versions(ident)["versions"] == [v1["modified"], v2["modified"]]
    # France sees only version 1: it is the last one for France.
    assert [o["modified"] for o in fra.get_object(ident)["objects"]] == [v1["modified"]]
    assert fra.object_versions(ident)["versions"] == [v1["modified"]]
    assert ids(fra.get_objects(version=v2["modified"])) == set()


def test_added_after_and_date_added_headers(tx: Taxii) -> None:
    first, second = indicator("198.51.100.10"), indicator("198.51.100.11")
    post(tx, "gbr", COALITION, signed([first]))
    r = tx.raw("GET", f"collections/{COALITION}/objects/")
    stamp = r.headers["X-TAXII-Date-Added-Last"]
    time.sleep(0.01)
    post(tx, "gbr", COALITION, signed([second]))
    later = tx.collection("gbr", COALITION).get_objects(added_after=stamp, type="indicator")
    assert ids(later) == {second["id"]}


def test_delete_only_by_planner_or_originating_nation(tx: Taxii) -> None:
    obj = indicator("198.51.100.20")
    post(tx, "gbr", PARTNERS, signed([obj]))
    r = tx.raw("DELETE", f"collections/{PARTNERS}/objects/{obj['id']}/", "nzl")
    _error(r, 403)
    tx.collection("gbr", PARTNERS).delete_object(obj["id"])
    assert ids(tx.collection("nzl", PARTNERS).get_objects()) == set()  # marking gone too
    _error(tx.raw("GET", f"collections/{PARTNERS}/objects/{obj['id']}/"), 404)


# ------------------------------------------------------------------ bad input: 4xx, nothing stored
def _envelope(objs: list[dict]) -> bytes:
    return json.dumps({"objects": objs}).encode()


def _post_raw(tx: Taxii, data: bytes, who: str = "gbr", cid: str = PARTNERS,
              ctype: str = MEDIA) -> requests.Response:
    return tx.raw("POST", f"collections/{cid}/objects/", who, data=data,
                  headers={"Content-Type": ctype})


def _forged() -> bytes:
    objs = signed([indicator()])
    ext = objs[1]["extensions"][LABEL_EXTENSION_ID]
    ext["label"]["categories"][0]["values"] = ["FRA", "GBR", "NZL"]  # widened after signing
    return _envelope(objs)


BAD_POSTS = {
    "forged signature": (_forged, "gbr", 422, "does not verify"),
    "key not published": (lambda: _envelope(signed([indicator()], key=ROGUE)), "gbr", 422,
                          "unknown key"),
    "unlabelled object": (lambda: _envelope([indicator()]), "gbr", 422, "label marking"),
    "malformed JSON": (lambda: b'{"objects": [', "gbr", 422, "not JSON"),
    "a bundle, not an envelope": (
        lambda: json.dumps({"type": "bundle", "id": sid("bundle"), "objects": []}).encode(),
        "gbr", 422, "unknown property"),
    "invalid STIX": (
        lambda: _envelope([*signed([indicator()]), {**indicator(), "pattern": "[oops"}]),
        "gbr", 422, "pattern"),
    "label the poster may not grant": (
        lambda: _envelope(signed([indicator()], nato("NATO SECRET", ["FRA", "GBR"]))),
        "fra", 403, "may not grant"),
    "observer": (lambda: _envelope(signed([indicator()])), "gbr_observer", 403, "may not add"),
}


@pytest.mark.parametrize("case", list(BAD_POSTS))
def test_bad_posts_are_refused_and_nothing_is_stored(tx: Taxii, case: str) -> None:
    make, who, status, text = BAD_POSTS[case]
    cid = COALITION if who == "fra" else PARTNERS
    before = tx.rows()
    body = _error(_post_raw(tx, make(), who, cid), status)
    assert text in body["description"]
    assert tx.rows() == before


def test_partly_bad_envelope_stores_nothing(tx: Taxii) -> None:
    good = signed([indicator()])
    before = tx.rows()
    _error(_post_raw(tx, _envelope([*good, indicator()])), 422)
    assert tx.rows() == before


@pytest.mark.parametrize("headers, status", [
    ({"Accept": "application/json"}, 406),
    ({"Accept": "application/taxii+json;version=2.0"}, 406),
    ({"Accept": ""}, 406),
])
def test_wrong_accept_is_406(tx: Taxii, headers: dict, status: int) -> None:
    _error(tx.raw("GET", "collections/", headers=headers), status)


@pytest.mark.parametrize("ctype", ["application/json", "application/taxii+json;version=2.0",
                                   "text/plain"])
def test_wrong_content_type_is_415_and_nothing_stored(tx: Taxii, ctype: str) -> None:
    before = tx.rows()
    _error(_post_raw(tx, _envelope(signed([indicator()])), ctype=ctype), 415)
    assert tx.rows() == before


def test_unknown_collection_root_and_route(tx: Taxii) -> None:
    _error(tx.raw("GET", "collections/not-a-collection/objects/"), 404)
    _error(tx.raw("POST", "collections/6f1b1a2e-0000-4000-8000-000000000000/objects/",
                  data=_envelope(signed([indicator()])), headers={"Content-Type": MEDIA}), 404)
    r = requests.get(f"{tx.base}/taxii2/elsewhere/", timeout=10,
                     headers={"Accept": MEDIA, "Authorization": f"Bearer {tx.tokens['gbr']}"})
    _error(r, 404)
    _error(tx.raw("GET", "no/such/route/"), 404)


def test_sign_in_required(tx: Taxii) -> None:
    r = tx.raw("GET", "collections/", who=None)
    _error(r, 401)
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("query", [
    {"limit": "0"}, {"limit": "x"}, {"limit": "100000"}, {"added_after": "yesterday"},
    {"match[version]": "soon"}, {"match[type]": "x-unknown"}, {"match[colour]": "red"},
    {"match[spec_version]": "3.0"}, {"added_after": "2026-02-30T00:00:00Z"},
])
def test_bad_query_is_400(tx: Taxii, query: dict) -> None:
    _error(tx.raw("GET", f"collections/{COALITION}/objects/", params=query), 400)


def test_tampered_replayed_or_foreign_cursor_is_400(tx: Taxii) -> None:
    post(tx, "gbr", COALITION, signed([indicator(f"203.0.113.{i}") for i in range(4)],
                                      nato(rel=["FRA", "GBR"])))
    path = f"collections/{COALITION}/objects/"
    first = tx.raw("GET", path, params={"limit": 2}).json()
    cursor = first["next"]
    ok = tx.raw("GET", path, params={"limit": 2, "next": cursor})
    assert ok.status_code == 200 and not ids(ok.json()) & ids(first)
    body, _, mac = cursor.partition(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    for bad in (f"{flipped}.{mac}", f"{body}.{mac[:-2]}xx", "garbage", "", "a.b.c"):
        _error(tx.raw("GET", path, params={"limit": 2, "next": bad}), 400)
    # Another user, other filters or another collection may not replay it.
    _error(tx.raw("GET", path, "fra", params={"limit": 2, "next": cursor}), 400)
    _error(tx.raw("GET", path, params={"limit": 2, "next": cursor, "match[type]": "note"}), 400)
    _error(tx.raw("GET", f"collections/{PARTNERS}/objects/", params={"next": cursor}), 400)


def test_oversized_and_deep_envelopes_are_refused(tx: Taxii) -> None:
    before = tx.rows()
    deep = b'{"objects": [' + b"[" * 50_000 + b"]" * 50_000 + b"]}"
    _error(_post_raw(tx, deep), 422)
    assert tx.rows() == before


# ------------------------------------------------------------------ push (Server-Sent Events)
class EventStream:
    """A Server-Sent Events subscription read in a thread (events land in ``self.events``)."""

    def __init__(self, tx: Taxii, who: str, cid: str, last_id: str | None = None) -> None:
        headers = {"Accept": "text/event-stream",
                   "Authorization": f"Bearer {tx.tokens[who]}"}
        if last_id is not None:
            headers["Last-Event-ID"] = last_id
        self.response = requests.get(f"{tx.base}/taxii2/forcegen/collections/{cid}/events/",
                                     headers=headers, stream=True, timeout=(5, 60))
        self.events: list[dict[str, Any]] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        event: dict[str, Any] = {}
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line == "":
                    if "data" in event:
                        self.events.append(event)
                    event = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    event[key] = json.loads(value) if key == "data" else value
        except (requests.RequestException, AttributeError, ValueError):
            pass

    def wait_for(self, object_id: str, limit: float = 30) -> None:
        deadline = time.monotonic() + limit
        while not any(e["data"]["id"] == object_id for e in self.events):
            assert time.monotonic() < deadline, f"{object_id} never arrived"
            time.sleep(0.05)

    def close(self) -> None:
        self.response.close()
        self.thread.join(1)


def test_push_sends_each_reader_only_what_it_may_see_and_resumes(tx: Taxii) -> None:
    fra = EventStream(tx, "fra", COALITION)
    gbr = EventStream(tx, "gbr", COALITION)
    time.sleep(0.5)  # both subscribed before anything is added
    try:
        hidden, shown = indicator("192.0.2.50"), indicator("192.0.2.51")
        post(tx, "gbr", COALITION, signed([hidden], nato(rel=["GBR"])))
        post(tx, "gbr", COALITION, signed([shown], nato(rel=["FRA", "GBR"])))
        fra.wait_for(shown["id"])
        gbr.wait_for(shown["id"])
        got = [e["data"]["id"] for e in fra.events]
        assert hidden["id"] not in got  # added first: it would have come before
        assert shown["id"] in got and len(got) == 2  # the indicator and its label marking
        assert [e["data"]["id"] for e in gbr.events][:2] == [
            hidden["id"], gbr.events[1]["data"]["id"]]
        ids_ = [int(e["id"]) for e in gbr.events]
        assert ids_ == sorted(ids_) and len(set(ids_)) == len(ids_)
    finally:
        fra.close()
        gbr.close()
    # Reconnecting from the first event France got: what came after, nothing twice.
    first = fra.events[0]
    later = indicator("192.0.2.52")
    post(tx, "gbr", COALITION, signed([later], nato(rel=["FRA", "GBR"])))
    again = EventStream(tx, "fra", COALITION, last_id=first["id"])
    try:
        again.wait_for(later["id"])
        resumed = [e["data"]["id"] for e in again.events]
        assert first["data"]["id"] not in resumed
        before = [e["data"]["id"] for e in fra.events[1:]]
        assert resumed[:len(before)] == before and resumed[len(before)] == later["id"]
        assert len(resumed) == len(before) + 2  # the later indicator and its label marking
        assert hidden["id"] not in resumed
    finally:
        again.close()


def test_push_dropped_mid_stream_resumes_without_loss_or_duplicates(tx: Taxii) -> None:
    """The connection drops while objects keep arriving; Last-Event-ID resumes exactly."""
    objs = [indicator(f"198.18.0.{i}") for i in range(24)]
    # Every third one is released to FRA only: the British reader must never get it.
    envelopes = [signed([o], nato(rel=["FRA"] if i % 3 == 2 else ["GBR", "NZL"]))
                 for i, o in enumerate(objs)]
    want = [x["id"] for i, env in enumerate(envelopes) if i % 3 != 2 for x in env]
    first = EventStream(tx, "gbr", COALITION)
    time.sleep(0.5)  # subscribed before the first post
    poster = threading.Thread(target=lambda: [post(tx, "gbr", COALITION, e) for e in envelopes])
    poster.start()
    try:
        deadline = time.monotonic() + 60
        while len(first.events) < 6:  # mid-stream: three objects in, most still to come
            assert time.monotonic() < deadline, "the first events never arrived"
            time.sleep(0.01)
    finally:
        first.close()  # the connection drops while the poster goes on
    got = list(first.events)
    again = EventStream(tx, "gbr", COALITION, last_id=got[-1]["id"])
    try:
        poster.join(120)
        again.wait_for(want[-1])
        time.sleep(0.5)  # nothing more (no duplicate) comes after the last one
        resumed = list(again.events)
    finally:
        again.close()
    ids_ = [e["data"]["id"] for e in got + resumed]
    assert ids_ == want  # nothing lost, nothing twice, nothing hidden, in the order added
    seqs = [int(e["id"]) for e in got + resumed]
    assert seqs == sorted(set(seqs))


def test_push_refuses_hidden_collection_and_bad_event_id(tx: Taxii) -> None:
    base = f"{tx.base}/taxii2/forcegen/collections"
    auth = {"Authorization": f"Bearer {tx.tokens['fra']}", "Accept": "text/event-stream"}
    _error(requests.get(f"{base}/{PARTNERS}/events/", headers=auth, timeout=10), 404)
    _error(requests.get(f"{base}/{COALITION}/events/", timeout=10,
                        headers={**auth, "Last-Event-ID": "x1"}), 422)
    _error(requests.get(f"{base}/{COALITION}/events/", timeout=10,
                        headers={"Accept": "text/event-stream"}), 401)


def test_web_app_keeps_taxii_errors_for_unknown_taxii_routes(engine: Engine) -> None:
    from fastapi.testclient import TestClient

    from forcegen.web import create_web_app
    from forcegen.workspace.config import Settings

    app = create_web_app(Settings(database_url=str(engine.url), migrate_on_start=False),
                         engine=engine)
    with TestClient(app, base_url="https://testserver") as client:
        r = client.get("/taxii2/forcegen/no/such/route/", headers={"Accept": MEDIA})
        assert r.status_code == 404
        assert r.headers["content-type"].replace(" ", "") == MEDIA
        assert r.json()["http_status"] == "404"
        assert "text/html" in client.get("/no/such/page").headers["content-type"]


# ------------------------------------------------------------------ audit and integrity
def _entries(tx: Taxii, who: str, action: str) -> list[Any]:
    from forcegen.workspace.audit.service import list_page
    from forcegen.workspace.listing import PageParams

    with tx.ws.factory() as db:
        user = db.scalar(select(User).where(User.username == who))
        rows, _total = list_page(db, user, PageParams(limit=500), action=action)
        return rows


def test_create_and_read_are_audited_under_the_object_label(tx: Taxii) -> None:
    shared, own = indicator("192.0.2.70"), indicator("192.0.2.71")
    post(tx, "gbr", COALITION, signed([shared], nato(rel=["GBR", "NZL"])))
    post(tx, "gbr", COALITION, signed([own], nato(rel=["GBR"])))
    tx.collection("nzl", COALITION).get_objects(type="indicator")
    created = _entries(tx, "gbr", "intel_create")
    assert sorted(o.split("@")[0] for e in created for o in e.after["objects"]) == sorted(
        [shared["id"], own["id"]])
    assert all(e.actor == "gbr" and e.entity_id == COALITION for e in created)
    read = _entries(tx, "nzl", "intel_read")
    assert [o.split("@")[0] for e in read for o in e.after["objects"]] == [shared["id"]]
    assert read[0].actor == "nzl"
    # Each entry is seen only by whom its label is released to: NZL never sees the entry
    # about the GBR-only object, France (NATO UNCLASSIFIED reader, not released) sees none.
    nz_created = [o for e in _entries(tx, "nzl", "intel_create") for o in e.after["objects"]]
    assert [o.split("@")[0] for o in nz_created] == [shared["id"]]
    assert _entries(tx, "fra", "intel_create") == []


def test_tampered_object_is_withheld_everywhere_and_audited(tx: Taxii) -> None:
    good, bad = indicator("192.0.2.80"), indicator("192.0.2.81")
    post(tx, "gbr", COALITION, signed([good, bad], nato(rel=["GBR", "NZL"])))
    stream = EventStream(tx, "nzl", COALITION, last_id="0")
    try:
        stream.wait_for(good["id"])
    finally:
        stream.close()
    with tx.ws.engine.begin() as conn:  # someone with database access changes the content
        row = conn.execute(select(IntelObject.seq, IntelObject.body)
                           .where(IntelObject.object_id == bad["id"])).one()
        body = row.body.replace("192.0.2.81", "192.0.2.99")
        conn.execute(IntelObject.__table__.update().where(IntelObject.seq == row.seq)
                     .values(body=body))
    got = ids(tx.collection("nzl", COALITION).get_objects())
    assert good["id"] in got and bad["id"] not in got
    r = tx.raw("GET", f"collections/{COALITION}/objects/{bad['id']}/", who="nzl")
    assert r.status_code == 404
    again = EventStream(tx, "nzl", COALITION, last_id="0")  # replayed from the start
    try:
        again.wait_for(good["id"])
        time.sleep(0.5)
        assert bad["id"] not in [e["data"]["id"] for e in again.events]
    finally:
        again.close()
    with tx.ws.factory() as db:
        withheld = list(db.scalars(select(AuditEntry).where(
            AuditEntry.action == "intel_withheld")))
    assert withheld and all(bad["id"] in json.dumps(e.after["objects"]) for e in withheld)
    assert "does not hold" in json.dumps(withheld[0].after["reasons"])
    # In the chain, but in nobody's listing: the stored label is not to be trusted.
    assert _entries(tx, "gbr", "intel_withheld") == []


def test_stream_deliveries_are_audited_as_reads(tx: Taxii) -> None:
    pushed = indicator("192.0.2.90")
    stream = EventStream(tx, "nzl", COALITION)
    time.sleep(0.5)
    try:
        post(tx, "gbr", COALITION, signed([pushed], nato(rel=["GBR", "NZL"])))
        stream.wait_for(pushed["id"])
    finally:
        stream.close()
    deadline = time.monotonic() + 30  # the hub records the streams' reads every few seconds
    while True:
        read = [o for e in _entries(tx, "nzl", "intel_read") for o in e.after["objects"]]
        if any(o.startswith(pushed["id"]) for o in read):
            break
        assert time.monotonic() < deadline, "the stream's delivery was never recorded"
        time.sleep(0.2)
