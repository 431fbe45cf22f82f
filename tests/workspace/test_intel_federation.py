"""Federation: London and Wellington, two workspace servers on real sockets, sync over TAXII
2.1 with the OASIS client. What one releases to the other's nation arrives with its label and
signature intact; nothing else crosses; syncing both ways makes no duplicates and no loops."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select, text
from taxii2client.v21 import Collection
from typer.testing import CliRunner

from forcegen.cli.main import app as cli
from forcegen.intel.signing import pair_labels, sign_object
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.label import Label, make_label
from forcegen.workspace.api.app import create_app
from forcegen.workspace.auth.service import create_api_token
from forcegen.workspace.config import Settings
from forcegen.workspace.database import make_engine, session_scope
from forcegen.workspace.intel.federation import Bearer as _Bearer
from forcegen.workspace.intel.federation import Outcome, sync_peer, taxii_sender
from forcegen.workspace.intel.federation_pull import pull_peer, taxii_fetcher
from forcegen.workspace.intel.integrity import Verifier
from forcegen.workspace.intel.models import IntelObject, IntelPull, IntelSync
from forcegen.workspace.intel.peers import Peer, read_peers
from forcegen.workspace.intel.store import create_collection
from forcegen.workspace.models import AuditEntry, User
from forcegen.workspace.reference import Nation
from intel.stixdata import indicator  # tests/ is on sys.path (rootdir)

from .conftest import _HASH

GBR = SigningKey.generate("GBR")
NZL = SigningKey.generate("NZL")
KEYS = KeyList([GBR.public, NZL.public])
L_CID = "7a000000-0000-4000-8000-00000000001a"
W_CID = "7b000000-0000-4000-8000-00000000002b"


def nato(level: str, rel: list[str], originator: str = "GBR") -> Label:
    return make_label("NATO", level, {"Releasable To": rel}, originator=originator)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    name: str
    url: str
    cid: str
    app: Any
    tokens: dict[str, str]
    peers_file: Path

    @property
    def factory(self) -> Any:
        return self.app.state.session_factory

    def post(self, who: str, objs: list[dict[str, Any]]) -> None:
        col = Collection(f"{self.url}/taxii2/forcegen/collections/{self.cid}/",
                         auth=_Bearer(self.tokens[who]))
        status = col.add_objects({"objects": objs})
        assert status.status == "complete" and status.failure_count == 0

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(object id, version, body, label) of every stored row."""
        with self.factory() as db:
            return [tuple(r) for r in db.execute(select(  # type: ignore[misc]
                IntelObject.object_id, IntelObject.version, IntelObject.body, IntelObject.label))]

    def ids(self) -> set[str]:
        return {r[0] for r in self.rows() if not r[0].startswith("marking-definition--")}

    def peer(self) -> Peer:
        return read_peers(self.peers_file)[0]

    def sync(self) -> Outcome:
        return sync_peer(self.factory, self.peer(), Verifier(KEYS), taxii_sender())


def _seed(url: str, nation: str, analyst: str, peer_account: str, peer_nation: str,
          cid: str) -> dict[str, str]:
    engine = make_engine(url)
    from forcegen.workspace.database import make_session_factory, upgrade

    upgrade(engine)
    tokens = {}
    with session_scope(make_session_factory(engine)) as db:
        for code in ("GBR", "NZL"):
            db.add(Nation(code=code, groups=["NATO", "FVEY"], extra={}))
        db.flush()
        for name, nat in ((analyst, nation), (peer_account, peer_nation)):
            user = User(username=name, password_hash=_HASH, role="liaison", nation=nat,
                        clearance=2)
            db.add(user)
            db.flush()
            _, tokens[name] = create_api_token(db, user, "tests")
        create_collection(db, "GBR-NZL partnership",
                          make_label("NATO", "NATO UNCLASSIFIED",
                                     {"Releasable To": ["GBR", "NZL"]}), collection_id=cid)
    engine.dispose()
    return tokens


def _serve(app: Any, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning", timeout_graceful_shutdown=2))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return server


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(KEYS.to_json()))
    ports = {"london": _port(), "wellington": _port()}
    urls = {n: f"sqlite:///{tmp_path / n}.sqlite" for n in ports}
    tok_l = _seed(urls["london"], "GBR", "gbr_analyst", "wellington_peer", "NZL", L_CID)
    tok_w = _seed(urls["wellington"], "NZL", "nzl_analyst", "london_peer", "GBR", W_CID)
    files = {}
    for me, other, nation, token, account, mine, theirs in (
            ("london", "wellington", "NZL", tok_w["london_peer"], "wellington_peer", L_CID,
             W_CID),
            ("wellington", "london", "GBR", tok_l["wellington_peer"], "london_peer", W_CID,
             L_CID)):
        files[me] = tmp_path / f"{me}-peers.json"
        files[me].write_text(json.dumps({"peers": [{
            "name": other, "url": f"http://127.0.0.1:{ports[other]}/taxii2/forcegen/",
            "nation": nation, "clearance": 2, "token": token, "account": account,
            "collections": {mine: theirs}}]}))
    instances, servers = [], []
    for name, cid, tokens in (("london", L_CID, tok_l), ("wellington", W_CID, tok_w)):
        app = create_app(Settings(database_url=urls[name], intel_key_list=str(keys),
                                  intel_peers=str(files[name]), migrate_on_start=False))
        servers.append(_serve(app, ports[name]))
        instances.append(Instance(name, f"http://127.0.0.1:{ports[name]}", cid, app, tokens,
                                  files[name]))
    yield instances[0], instances[1]
    for s in servers:
        s.should_exit = True
    for inst in instances:
        inst.app.state.engine.dispose()


def _signed(objs: list[dict[str, Any]], label: Label, key: SigningKey) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for o in objs:
        obj, mark = sign_object(o, label, key)
        out += [obj, mark]
    return out


def _audit(inst: Instance, action: str) -> list[AuditEntry]:
    with inst.factory() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_both_ways_only_what_is_released_no_duplicates_no_loops(
        pair: tuple[Instance, Instance]) -> None:
    london, wellington = pair
    shared = indicator("192.0.2.10")                       # REL GBR, NZL: crosses
    uk_only = indicator("192.0.2.11")                      # REL GBR: stays
    too_high = indicator("192.0.2.12")                     # NATO SECRET: above the peer
    london.post("gbr_analyst", _signed([shared], nato("NATO RESTRICTED", ["GBR", "NZL"]), GBR)
                + _signed([uk_only], nato("NATO RESTRICTED", ["GBR"]), GBR))
    with session_scope(london.factory) as db:  # the analyst may not grant SECRET: store it
        from forcegen.workspace.intel.readers import reader_for
        from forcegen.workspace.intel.store import LabelFilter, add_objects, get_collection

        boss = User(username="boss", password_hash=_HASH, role="lead", nation="GBR",
                    clearance=4)
        db.add(boss)
        db.flush()
        reader = reader_for(boss)
        col = get_collection(db, LabelFilter(reader), L_CID)
        add_objects(db, col, boss, reader, pair_labels(
            _signed([too_high], nato("NATO SECRET", ["GBR", "NZL"]), GBR), KEYS))

    out = london.sync()
    assert (out.sent, out.failures) == (1, [])
    assert wellington.ids() == {shared["id"]}
    # Label and signature intact: the same bytes, verified again against the key list.
    sent = {r[0]: r for r in london.rows()}
    got = {r[0]: r for r in wellington.rows()}
    assert set(got) == {shared["id"], json.loads(got[shared["id"]][2])["object_marking_refs"][-1]}
    for oid, row in got.items():
        assert row[2] == sent[oid][2] and row[3] == sent[oid][3]
    pairs = pair_labels([json.loads(r[2]) for r in got.values()], KEYS)
    assert [p.id for p in pairs] == [shared["id"]]

    # Back the other way: what came from London is not sent back; Wellington's own is.
    assert wellington.sync().sent == 0
    nz = indicator("192.0.2.20")
    wellington.post("nzl_analyst", _signed([nz], nato("NATO RESTRICTED", ["GBR", "NZL"], "NZL"),
                                           NZL))
    assert wellington.sync().sent == 1
    assert london.ids() == {shared["id"], uk_only["id"], too_high["id"], nz["id"]}
    # Again and again: nothing more crosses, nothing is stored twice.
    for _ in range(2):
        assert london.sync().sent == 0
        assert wellington.sync().sent == 0
    for inst in pair:
        keys = [(r[0], r[1]) for r in inst.rows()]
        assert len(keys) == len(set(keys))
    assert len(wellington.rows()) == 4 and len(london.rows()) == 8

    # A changed object (a new version) crosses once; its first version is not resent.
    v2 = indicator("192.0.2.10", modified="2026-12-01T09:00:00.000Z", ident=shared["id"])
    london.post("gbr_analyst", _signed([v2], nato("NATO RESTRICTED", ["GBR", "NZL"]), GBR))
    assert london.sync().sent == 1
    assert wellington.sync().sent == 0
    versions = sorted(r[1] for r in wellington.rows() if r[0] == shared["id"])
    assert versions == ["2026-11-30T10:00:00.000000Z", "2026-12-01T09:00:00.000000Z"]

    # Recorded: released by London (audited, naming the peer), received by Wellington.
    released = _audit(london, "intel_release")
    assert {o for e in released for o in e.after["objects"]} == {
        f"{shared['id']}@2026-11-30T10:00:00.000000Z",
        f"{shared['id']}@2026-12-01T09:00:00.000000Z"}
    assert all(e.after["peer"] == "wellington" for e in released)
    with wellington.factory() as db:
        came = {(s.peer, s.direction, s.object_id) for s in db.scalars(select(IntelSync))}
    assert ("london", "in", shared["id"]) in came and ("london", "out", nz["id"]) in came
    created = [e for e in _audit(wellington, "intel_create") if e.after.get("origin")]
    assert {e.after["origin"] for e in created} == {"london"}


def test_a_tampered_row_is_never_released(pair: tuple[Instance, Instance]) -> None:
    london, wellington = pair
    uk_only = indicator("192.0.2.30")
    london.post("gbr_analyst", _signed([uk_only], nato("NATO RESTRICTED", ["GBR"]), GBR))
    wider = json.dumps(json.loads(london.rows()[0][3]) | {})  # the stored label text ...
    wider = wider.replace('["GBR"]', '["GBR", "NZL"]')     # ... widened in the database
    with london.factory() as db:
        db.execute(text("UPDATE intel_objects SET label = :l"), {"l": wider})
        db.commit()
    out = london.sync()
    assert out.sent == 0 and wellington.ids() == set()
    withheld = _audit(london, "intel_withheld")
    assert withheld and uk_only["id"] in json.dumps([e.after for e in withheld])
    # Nor served: a TAXII read by its own author gets neither the object nor its marking,
    # and the read records the withholding again.
    col = Collection(f"{london.url}/taxii2/forcegen/collections/{L_CID}/",
                     auth=_Bearer(london.tokens["gbr_analyst"]))
    assert col.get_objects().get("objects", []) == []
    assert len(_audit(london, "intel_withheld")) > len(withheld)


def test_sync_command_reports_json_and_refuses_a_bad_peers_file(
        pair: tuple[Instance, Instance], tmp_path: Path) -> None:
    london, wellington = pair
    london.post("gbr_analyst", _signed([indicator("192.0.2.40")],
                                       nato("NATO RESTRICTED", ["GBR", "NZL"]), GBR))
    keys = tmp_path / "keys.json"
    url = str(london.app.state.engine.url)
    run = CliRunner().invoke(cli, ["intel", "sync", "--peers", str(london.peers_file),
                                   "--keys", str(keys), "--database-url", url, "--json"])
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    assert doc == {"ok": True, "peers": [{"peer": "wellington", "sent": 1, "failures": []}],
                   "pulled": []}
    assert len(wellington.ids()) == 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"peers": [{"name": "x", "url": "ftp://nowhere", "nation": "NZL",
                                          "token": "t", "account": "a",
                                          "collections": {L_CID: W_CID}}]}))
    run = CliRunner().invoke(cli, ["intel", "sync", "--peers", str(bad), "--keys", str(keys),
                                   "--database-url", url])
    assert run.exit_code == 2
    assert "bad.json [peers.0.url]" in run.output
    assert "Traceback" not in run.output


def test_a_refused_object_is_reported_and_sent_again_next_time(
        pair: tuple[Instance, Instance]) -> None:
    london, wellington = pair
    ok, other = indicator("192.0.2.50"), indicator("192.0.2.51")
    london.post("gbr_analyst", _signed([ok, other], nato("NATO RESTRICTED", ["GBR", "NZL"]),
                                       GBR))
    wellington.app.state.intel_keys = KeyList([NZL.public])  # GBR's key not published there
    try:
        out = london.sync()
    finally:
        wellington.app.state.intel_keys = KEYS
    # The envelope was refused, then each object alone: both reported, neither recorded.
    assert out.sent == 0 and {f["id"] for f in out.failures} == {ok["id"], other["id"]}
    assert all(f["reason"].startswith("422") for f in out.failures)
    assert wellington.ids() == set()
    assert london.sync().sent == 2 and wellington.ids() == {ok["id"], other["id"]}


# ------------------------------------------------------------------ pull
def _puller(inst: Instance) -> Peer:
    """The instance's peer entry turned round: fetch the peer's collection into its own."""
    peer = inst.peer()
    return peer.model_copy(update={"collections": {}, "pull": dict(peer.collections)})


def _bookmarks(inst: Instance) -> list[str | None]:
    with inst.factory() as db:
        return [b.added_after for b in db.scalars(select(IntelPull))]


def test_pull_brings_only_what_is_released_intact_idempotent_from_the_bookmark(
        pair: tuple[Instance, Instance]) -> None:
    london, wellington = pair
    shared = [indicator(f"192.0.2.{60 + i}") for i in range(4)]
    uk_only = indicator("192.0.2.70")
    london.post("gbr_analyst", _signed(shared[:2], nato("NATO RESTRICTED", ["GBR", "NZL"]), GBR)
                + _signed([uk_only], nato("NATO RESTRICTED", ["GBR"]), GBR)
                + _signed(shared[2:], nato("NATO RESTRICTED", ["GBR", "NZL"]), GBR))
    peer = _puller(wellington)
    # Pages of three rows: an object and its label marking are split across pages.
    fetch = taxii_fetcher(page=3)
    out = pull_peer(wellington.factory, peer, KEYS, fetch)
    assert (out.added, out.present, out.failures) == (4, 0, [])
    assert wellington.ids() == {o["id"] for o in shared}  # the GBR-only one did not cross
    sent = {r[0]: r for r in london.rows()}
    for oid, _ver, body, label in wellington.rows():  # the same bytes, label and signature
        assert (body, label) == (sent[oid][2], sent[oid][3])
    assert len(pair_labels([json.loads(r[2]) for r in wellington.rows()], KEYS)) == 4
    with london.factory() as db:
        last = max(r.date_added for r in db.scalars(select(IntelObject)))
    assert _bookmarks(wellington) == [last.strftime("%Y-%m-%dT%H:%M:%S.%fZ")]

    # Again: nothing after the bookmark. Without the bookmark: everything already present.
    assert pull_peer(wellington.factory, peer, KEYS, fetch).to_json() == {
        "peer": "london", "added": 0, "already_present": 0, "failures": []}
    with wellington.factory() as db:
        db.execute(text("DELETE FROM intel_pull"))
        db.commit()
    again = pull_peer(wellington.factory, peer, KEYS, fetch)
    assert (again.added, again.present, again.failures) == (0, 4, [])
    keys = [(r[0], r[1]) for r in wellington.rows()]
    assert len(keys) == len(set(keys)) == 8

    # Something new crosses; what was pulled is never pushed back (received from London).
    late = indicator("192.0.2.71")
    london.post("gbr_analyst", _signed([late], nato("NATO RESTRICTED", ["GBR", "NZL"]), GBR))
    assert pull_peer(wellington.factory, peer, KEYS, fetch).added == 1
    assert wellington.sync().sent == 0
    assert len(london.rows()) == 12  # five objects and their markings, nothing came back


def test_pull_refuses_forged_ungrantable_and_unpaired_objects(
        pair: tuple[Instance, Instance]) -> None:
    wellington = pair[1]
    good, forged, secret, lone = (indicator(f"192.0.2.{80 + i}") for i in range(4))
    rel = nato("NATO RESTRICTED", ["GBR", "NZL"])
    bad = _signed([forged], rel, GBR)
    bad[0] = {**bad[0], "name": "changed after signing"}
    page = (_signed([good], rel, GBR) + bad
            # Above the clearance of London's account here: it may not grant that label.
            + _signed([secret], nato("NATO SECRET", ["GBR", "NZL"]), GBR)
            + _signed([lone], rel, GBR)[:1])  # its label marking never comes

    def fetch(_peer: Peer, _remote: str, since: str | None) -> Iterator[tuple[list, str]]:
        yield page, "2026-12-01T10:00:00.000000Z"

    out = pull_peer(wellington.factory, _puller(wellington), KEYS, fetch)
    assert out.added == 1 and wellington.ids() == {good["id"]}
    reasons = {f["id"]: f["reason"] for f in out.failures}
    assert set(reasons) == {forged["id"], secret["id"], lone["id"]}
    assert "SHA-256" in reasons[forged["id"]] or "signature" in reasons[forged["id"]]
    assert "grant" in reasons[secret["id"]]
    assert _bookmarks(wellington) == ["2026-12-01T10:00:00.000000Z"]


def test_sync_command_pulls_and_reports_it(pair: tuple[Instance, Instance],
                                           tmp_path: Path) -> None:
    london, wellington = pair
    obj = indicator("192.0.2.90")
    london.post("gbr_analyst", _signed([obj], nato("NATO RESTRICTED", ["GBR", "NZL"]), GBR))
    peers = tmp_path / "pull-peers.json"
    peers.write_text(json.dumps({"peers": [_puller(wellington).model_dump()]}))
    keys = tmp_path / "keys.json"
    url = str(wellington.app.state.engine.url)
    run = CliRunner().invoke(cli, ["intel", "sync", "--peers", str(peers), "--keys", str(keys),
                                   "--database-url", url, "--json"])
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout) == {"ok": True, "peers": [], "pulled": [
        {"peer": "london", "added": 1, "already_present": 0, "failures": []}]}
    assert wellington.ids() == {obj["id"]}
