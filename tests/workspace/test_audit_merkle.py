"""The workspace audit trail as an RFC 6962 Merkle log: signed heads, proofs, anchors, denials.

Every proof the API gives is checked twice: with ``labels.auditlog.verify_proof`` and only the
key list (as a partner would), and against roots recomputed here by brute force from the
entries' content (canonical JSON -> leaf hashes -> RFC 6962's recursive definition), never
from the stored tree. Runs on SQLite and PostgreSQL (see conftest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session
from tests.labels.test_merkle import ref_mth

from forcegen.labels.auditlog import TreeHead, canonical_entry, verify_proof
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.merkle import leaf_hash
from forcegen.workspace.audit.models import AuditEntry, AuditHead, AuditNode, AuditTreeHead
from forcegen.workspace.audit.signer import Signer, load_signer
from forcegen.workspace.audit.tree import entry_fields
from forcegen.workspace.audit.visibility import ACCOUNT_ENTITIES

from .conftest import Workspace
from .test_audit_anchor import change, check, cli, cli_url, rebuild_merkle, rewrite_history

API = "/api/v1/audit"


def leaves_from_content(ws: Workspace) -> list[bytes]:
    """Every entry's leaf data (canonical JSON) from its stored content, not its leaf hash."""
    with Session(ws.engine) as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        return [canonical_entry(entry_fields(e)) for e in rows]


@pytest.fixture
def key(ws: Workspace) -> SigningKey:
    """The workspace's audit key (the shared app is reset to none afterwards)."""
    k = SigningKey.generate("GBR")
    ws.app.state.audit_signer = Signer(k, None, KeyList([k.public]))
    yield k
    ws.app.state.audit_signer = load_signer(None)


def test_heads_and_proofs_match_roots_recomputed_from_every_entry(
        ws: Workspace, key: SigningKey) -> None:
    change(ws, 6)
    keys = KeyList([key.public])
    admin = ws.client("admin")
    head = TreeHead.from_json(admin.get(f"{API}/tree-head").json())
    leaves = leaves_from_content(ws)
    n = len(leaves)
    assert head.tree_size == n and head.root_hash == ref_mth(leaves)
    head.verify(keys, "GBR")
    for size in sorted({1, 2, 3, n // 2, n - 1, n}):
        for seq in range(1, size + 1):
            r = admin.get(f"{API}/proof/inclusion", params={"entry": seq, "tree_size": size})
            assert r.status_code == 200, r.text
            doc = r.json()
            assert verify_proof(doc, keys, "GBR")[0]
            assert doc["head"]["root_hash"] == ref_mth(leaves[:size]).hex()
            assert doc["leaf_index"] == seq - 1 and doc["entry"]["seq"] == seq
            # A proof for another leaf, or against another root, must not hold.
            wrong = {**doc, "leaf_index": (seq % size)} if size > 1 else None
            if wrong is not None:
                assert not verify_proof(wrong, keys)[0]
    for first in range(n + 1):
        for second in (first, n) if first < n - 2 else range(first, n + 1):
            doc = admin.get(f"{API}/proof/consistency",
                            params={"first": first, "second": second}).json()
            assert verify_proof(doc, keys)[0], (first, second)
            assert doc["first"]["root_hash"] == ref_mth(leaves[:first]).hex()
            assert doc["second"]["root_hash"] == ref_mth(leaves[:second]).hex()
    # The head is signed once per size: polling does not grow the table.
    again = admin.get(f"{API}/tree-head").json()
    assert again == head.to_json()


def test_appends_after_a_head_keep_it_consistent_and_verify_checks_the_heads(
        ws: Workspace, key: SigningKey) -> None:
    admin = ws.client("admin")
    early = admin.get(f"{API}/tree-head").json()
    change(ws, 5)
    late = admin.get(f"{API}/tree-head").json()
    assert late["tree_size"] == early["tree_size"] + 5
    doc = admin.get(f"{API}/proof/consistency", params={"first": early["tree_size"]}).json()
    assert doc["first"]["root_hash"] == early["root_hash"]
    assert verify_proof(doc, KeyList([key.public]))[0]
    assert check(ws).ok
    # Editing an entry's content is caught (its chain hash and Merkle leaf no longer match).
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x' WHERE seq = 3"))
    r = check(ws)
    assert not r.ok and r.first_bad_seq == 3 and "changed" in r.reason


def test_a_stored_head_catches_history_rewritten_with_every_hash_recomputed(
        ws: Workspace, key: SigningKey) -> None:
    handed = ws.client("admin").get(f"{API}/tree-head").json()
    change(ws, 2)
    with Session(ws.engine) as s, s.begin():
        heads = s.scalars(select(AuditTreeHead)).all()
        assert [h.tree_size for h in heads] == [handed["tree_size"]]
    # The forger recomputes chain, leaves and nodes but leaves the heads table alone.
    rewrite_history(ws.engine, 2)
    with ws.engine.begin() as conn:  # put the heads back as they were handed out
        conn.execute(AuditTreeHead.__table__.insert().values(
            tree_size=handed["tree_size"], root_hash=handed["root_hash"],
            timestamp=handed["timestamp"], key_id=handed["key_id"],
            signature=handed["signature"]))
    r = check(ws)
    assert not r.ok and "rewritten" in r.reason and r.first_bad_seq == handed["tree_size"]


def test_tampered_leaf_or_node_is_caught(ws: Workspace) -> None:
    change(ws, 4)
    with ws.engine.begin() as conn:
        conn.execute(update(AuditNode).where(AuditNode.level == 1, AuditNode.idx == 1)
                     .values(hash="0" * 64))
    r = check(ws)
    assert not r.ok and "Merkle node 1 of level 1" in r.reason and r.first_bad_seq == 3
    with Session(ws.engine) as s, s.begin():
        rebuild_merkle(s)
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(leaf_hash="1" * 64))
    r = check(ws)
    assert not r.ok and r.first_bad_seq == 2 and "leaf hash" in r.reason


# --- denials ---------------------------------------------------------------------------------


def _hidden_and_visible(ws: Workspace) -> tuple[int, int]:
    """An entry the lead planner may not see (another account's) and one they may."""
    change(ws, 1)
    with Session(ws.engine) as s:
        hidden = s.scalar(select(AuditEntry.seq).where(AuditEntry.entity.in_(ACCOUNT_ENTITIES),
                                                      AuditEntry.actor != "lead")
                          .order_by(AuditEntry.seq).limit(1))
        visible = s.scalar(select(AuditEntry.seq).where(AuditEntry.entity == "nation")
                           .order_by(AuditEntry.seq).limit(1))
    assert hidden and visible
    return hidden, visible


def test_a_hidden_entry_is_as_missing_as_one_never_written(ws: Workspace, key: SigningKey) -> None:
    change(ws, 1)
    hidden, visible = _hidden_and_visible(ws)
    lead = ws.client("lead")
    n = ws.client("admin").get(f"{API}/tree-head").json()["tree_size"]
    admin_sees = ws.client("admin").get(f"{API}/proof/inclusion", params={"entry": hidden})
    assert admin_sees.status_code == 200
    missing = lead.get(f"{API}/proof/inclusion", params={"entry": n + 50})
    assert missing.status_code == 404
    for params in ({"entry": hidden}, {"entry": hidden, "tree_size": n},
                   {"entry": hidden, "tree_size": 1}, {"entry": hidden, "tree_size": n + 9},
                   {"entry": n + 1, "tree_size": n + 9}):
        r = lead.get(f"{API}/proof/inclusion", params=params)
        assert (r.status_code, r.json()) == (missing.status_code, missing.json()), params
    ok = lead.get(f"{API}/proof/inclusion", params={"entry": visible})
    assert ok.status_code == 200 and ok.json()["entry"]["entity"] == "nation"
    # Without a key, a hidden entry still answers exactly 404; a visible one says why not.
    ws.app.state.audit_signer = load_signer(None)
    r = lead.get(f"{API}/proof/inclusion", params={"entry": hidden})
    assert (r.status_code, r.json()) == (missing.status_code, missing.json())
    r = lead.get(f"{API}/proof/inclusion", params={"entry": visible})
    assert r.status_code == 409 and "FORCEGEN_AUDIT_SIGNING_KEY" in r.json()["error"]["message"]
    assert lead.get(f"{API}/tree-head").status_code == 409


@pytest.mark.parametrize("path", ["/tree-head", "/proof/inclusion?entry=1",
                                  "/proof/consistency?first=0"])
def test_roles_without_the_audit_trail_get_nothing(ws: Workspace, key: SigningKey,
                                                   path: str) -> None:
    assert ws.client("anon").get(API + path).status_code == 401
    for who in ("liaison_fra", "observer_fra"):
        assert ws.client(who).get(API + path).status_code == 403


@pytest.mark.parametrize("params", [{"first": 3, "second": 2}, {"first": -1},
                                    {"first": 10**6}, {"first": "x"}])
def test_bad_sizes_are_422(ws: Workspace, key: SigningKey, params: dict[str, Any]) -> None:
    r = ws.client("lead").get(f"{API}/proof/consistency", params=params)
    assert r.status_code == 422 and "error" in r.json()


def test_visible_entry_beyond_the_asked_size_is_422(ws: Workspace, key: SigningKey) -> None:
    _, visible = _hidden_and_visible(ws)
    r = ws.client("lead").get(f"{API}/proof/inclusion",
                              params={"entry": visible, "tree_size": visible - 1})
    assert r.status_code == 422 and r.json()["error"]["field"] == "tree_size"


# --- CLI: signed heads as anchors -------------------------------------------------------------


def _key_files(tmp_path: Path, key: SigningKey) -> tuple[Path, Path]:
    kf, kl = tmp_path / "audit-key.json", tmp_path / "keys.json"
    kf.write_text(json.dumps(key.to_json()))
    kl.write_text(json.dumps(KeyList([key.public]).to_json()))
    return kf, kl


def test_cli_anchors_signed_heads_and_catches_rewrite_and_truncation(
        ws: Workspace, tmp_path: Path) -> None:
    key = SigningKey.generate("NZL")
    kf, kl = _key_files(tmp_path, key)
    url, f = cli_url(ws.engine), tmp_path / "anchors.jsonl"
    out = cli("anchor", "--database-url", url, "--key", str(kf), "--to", str(f))
    assert out.exit_code == 0, out.output
    change(ws, 3)
    assert cli("anchor", "--database-url", url, "--key", str(kf), "--to", str(f)).exit_code == 0
    heads = [TreeHead.from_json(json.loads(line)) for line in f.read_text().splitlines()]
    leaves = leaves_from_content(ws)
    for h in heads:
        h.verify(KeyList([key.public]), "NZL")
        assert h.root_hash == ref_mth(leaves[: h.tree_size])
    change(ws, 1)
    ok = cli("verify", "--database-url", url, "--anchors", str(f), "--keys", str(kl))
    assert ok.exit_code == 0 and "anchors ok: 2 checked" in ok.stdout, ok.output

    # A forged anchor (signature of another key) is bad input, not a verdict: exit 2.
    forged = tmp_path / "forged.jsonl"
    other = SigningKey.generate("NZL")
    h = heads[0]
    fake = TreeHead(h.tree_size, h.root_hash, h.timestamp, key.key_id,
                    other.sign(TreeHead.signed_bytes(h.tree_size, h.root_hash, h.timestamp)))
    forged.write_text(json.dumps(fake.to_json()) + "\n")
    bad = cli("verify", "--database-url", url, "--anchors", str(forged), "--keys", str(kl))
    assert bad.exit_code == 2 and "does not verify" in bad.stderr
    no_keys = cli("verify", "--database-url", url, "--anchors", str(f))
    assert no_keys.exit_code == 2 and "--keys" in no_keys.stderr

    rewrite_history(ws.engine, heads[1].tree_size - 1)  # between the two heads
    assert cli("verify", "--database-url", url).exit_code == 0  # alone it looks fine
    r = cli("verify", "--database-url", url, "--anchors", str(f), "--keys", str(kl))
    assert r.exit_code == 1 and "not consistent" in r.stdout and "anchors" not in r.stdout
    assert f"signed tree head of {heads[1].tree_size} entries" in r.stdout
    size = f.stat().st_size
    again = cli("anchor", "--database-url", url, "--key", str(kf), "--to", str(f))
    assert again.exit_code == 1 and f.stat().st_size == size  # not anchored again


def test_cli_catches_truncation_below_a_signed_head(ws: Workspace, tmp_path: Path) -> None:
    key = SigningKey.generate("GBR")
    kf, kl = _key_files(tmp_path, key)
    url, f = cli_url(ws.engine), tmp_path / "anchors.jsonl"
    change(ws, 3)
    assert cli("anchor", "--database-url", url, "--key", str(kf), "--to", str(f)).exit_code == 0
    n = json.loads(f.read_text())["tree_size"]
    with Session(ws.engine) as s, s.begin():  # cut two entries, fix the head, rebuild the tree
        s.execute(delete(AuditEntry).where(AuditEntry.seq > n - 2))
        last = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == n - 2))
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=n - 2, last_hash=last))
        rebuild_merkle(s)
    assert cli("verify", "--database-url", url).exit_code == 0
    r = cli("verify", "--database-url", url, "--anchors", str(f), "--keys", str(kl))
    assert r.exit_code == 1 and "entries removed from the end" in r.stdout


def test_cli_anchor_without_a_key_writes_the_chain_anchor_and_says_so(
        ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCEGEN_AUDIT_SIGNING_KEY", raising=False)
    out = cli("anchor", "--database-url", cli_url(ws.engine))
    assert out.exit_code == 0 and set(json.loads(out.stdout)) == {"seq", "hash", "at"}
    assert "unsigned" in out.stderr and "FORCEGEN_AUDIT_SIGNING_KEY" in out.stderr
    bad = tmp_path / "nokey.json"
    bad.write_text("{}")
    r = cli("anchor", "--database-url", cli_url(ws.engine), "--key", str(bad))
    assert r.exit_code == 2 and "--key" in r.stderr


def test_listed_entries_carry_the_leaf_hash_of_their_content(ws: Workspace) -> None:
    change(ws, 2)
    items = ws.client("lead").get(API, params={"limit": 100}).json()["items"]
    assert items
    for item in items:
        fields = {k: item[k] for k in ("seq", "at", "actor", "action", "entity", "entity_id",
                                       "before", "after")}
        assert item["leaf_hash"] == leaf_hash(canonical_entry(fields)).hex()


def test_an_unusable_key_file_does_not_stop_the_server(ws: Workspace, tmp_path: Path) -> None:
    from .conftest import build_app

    bad = tmp_path / "key.json"
    bad.write_text('{"format": "something else"}')
    for path, said in ((tmp_path / "absent.json", "cannot read"), (bad, "not a forcegen")):
        app = build_app(ws.engine, audit_signing_key=str(path))
        try:
            client = TestClient(app, base_url="https://testserver")
            client.headers["Authorization"] = ws.client("lead").headers["Authorization"]
            r = client.get(f"{API}/tree-head")
            assert r.status_code == 409
            message = r.json()["error"]["message"]
            assert str(path) in message and said in message
            assert client.get(API).status_code == 200  # the rest of the server works
        finally:
            app.state.run_executor.shutdown(wait=True)


def test_after_a_rotation_the_newest_key_signs_and_old_heads_still_check(
        tmp_path: Path) -> None:
    import datetime as dt
    from dataclasses import replace

    from forcegen.labels.keys import rotate

    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    keys, old = rotate(KeyList(), SigningKey.generate("GBR"), t0)
    keys, new = rotate(keys, SigningKey.generate("GBR"), t0 + dt.timedelta(days=30))
    old = replace(old, not_after=keys.keys[old.key_id].not_after)  # as the list retired it
    f = tmp_path / "keys.json"
    f.write_text(json.dumps({"keys": [old.to_json(), new.to_json()]}))
    signer = load_signer(str(f), now=t0 + dt.timedelta(days=40))
    assert signer.key is not None and signer.key.key_id == new.key_id
    assert set(signer.keys.keys) == {old.key_id, new.key_id}
    before = signer.require().sign(b"x")
    assert signer.keys.keys[new.key_id].verify(before, b"x")
    expired = load_signer(str(f), now=t0 - dt.timedelta(days=1))
    assert expired.key is None and "valid now" in (expired.problem or "")


def test_api_verifies_signed_heads_as_anchors(ws: Workspace, key: SigningKey) -> None:
    lead = ws.client("lead")
    head = lead.get(f"{API}/tree-head").json()
    change(ws, 2)
    r = lead.post(f"{API}/verify", json={"anchors": [], "heads": [head]})
    assert r.status_code == 200 and r.json()["ok"] and r.json()["anchors_checked"] == 1
    forged = {**head, "signature": "ab" * 64}
    r = lead.post(f"{API}/verify", json={"anchors": [], "heads": [forged]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "heads"
    rewrite_history(ws.engine, 2)  # the forger also drops the stored heads
    assert lead.get(f"{API}/verify").json()["ok"]
    r = lead.post(f"{API}/verify", json={"anchors": [], "heads": [head]}).json()
    assert not r["ok"] and "not consistent" in r["reason"]
    bad = lead.post(f"{API}/verify", json={"anchors": [], "heads": [{**head, "x": 1}]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "heads.0.x"


def test_concurrent_writers_and_head_readers_keep_one_tree(ws: Workspace, key: SigningKey) -> None:
    import threading

    clients = [ws.new_client() for _ in range(4)]
    for c in clients:
        c.headers["Authorization"] = f"Bearer {ws.tokens['lead']}"
    barrier = threading.Barrier(len(clients))
    heads: list[dict[str, Any]] = []
    codes: list[int] = []

    def work(i: int) -> None:
        barrier.wait()
        for j in range(4):
            c = clients[i]
            if i % 2:  # readers sign heads while the others append
                r = c.get(f"{API}/tree-head")
                if r.status_code == 200:
                    heads.append(r.json())
                codes.append(r.status_code)
                continue
            v = c.get("/api/v1/nations/FRA").json()["version"]
            r = c.patch("/api/v1/nations/FRA", json={"name": f"France {i}-{j}", "version": v})
            codes.append(r.status_code)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(codes) <= {200, 409, 503} and codes.count(200) >= 4, codes
    assert check(ws).ok  # every head stored while writers raced still matches the entries
    data = leaves_from_content(ws)
    keys = KeyList([key.public])
    for h in heads:
        head = TreeHead.from_json(h)
        head.verify(keys)
        assert head.root_hash == ref_mth(data[: head.tree_size])
