"""The Merkle audit log: signed tree heads, proof documents checked with only the key list,
and the CLI (`forcegen audit keygen`, `prove`, `verify --proof`)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forcegen.cli.main import app
from forcegen.exceptions import AuditLogError, SignatureError
from forcegen.labels.auditlog import (
    AuditLog,
    TreeHead,
    canonical_entry,
    consistency_document,
    inclusion_document,
    read_log,
    verify_proof,
)
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.merkle import leaf_hash, node_hash

ENTRIES = [{"seq": i, "action": ["create", "change", "release", "read"][i % 4],
            "item": f"P-FRA-{i // 4}", "by": "GBR"} for i in range(21)]


@pytest.fixture(scope="module")
def gbr() -> SigningKey:
    return SigningKey.generate("GBR")


@pytest.fixture(scope="module")
def keys(gbr: SigningKey) -> KeyList:
    return KeyList([gbr.public])


def test_tree_head_signs_the_rfc6962_structure(gbr: SigningKey, keys: KeyList) -> None:
    log = AuditLog(ENTRIES[:2])
    head = log.head(gbr, at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    root = node_hash(leaf_hash(canonical_entry(ENTRIES[0])), leaf_hash(canonical_entry(ENTRIES[1])))
    assert head.root_hash == root and head.tree_size == 2
    signed = TreeHead.signed_bytes(2, root, head.timestamp)
    assert signed[:2] == b"\x00\x01" and len(signed) == 2 + 8 + 8 + 32
    assert int.from_bytes(signed[2:10], "big") == 1_796_083_200_000  # 2026-12-01T00:00:00Z in ms
    head.verify(keys)
    with pytest.raises(SignatureError, match="does not verify"):
        TreeHead(3, head.root_hash, head.timestamp, head.key_id, head.signature).verify(keys)


def test_every_inclusion_and_consistency_proof_holds(gbr: SigningKey, keys: KeyList) -> None:
    log = AuditLog(ENTRIES)
    heads = {n: log.head(gbr, n) for n in range(len(ENTRIES) + 1)}
    for n in range(1, len(ENTRIES) + 1):
        for i in range(n):
            ok, msg = verify_proof(json.loads(json.dumps(inclusion_document(log, i, heads[n]))),
                                   keys, "GBR")
            assert ok, msg
        for m in range(n + 1):
            ok, msg = verify_proof(consistency_document(log, heads[m], heads[n]), keys)
            assert ok, msg


def test_a_changed_entry_or_rewritten_history_does_not_verify(gbr: SigningKey,
                                                              keys: KeyList) -> None:
    log = AuditLog(ENTRIES)
    doc = inclusion_document(log, 5, log.head(gbr))
    changed = copy.deepcopy(doc)
    changed["entry"]["by"] = "NZL"
    assert verify_proof(changed, keys) == (False, "entry 5 in the signed log of 21 entries: "
                                                   "the proof does not hold")
    moved = copy.deepcopy(doc)
    moved["leaf_index"] = 6
    assert not verify_proof(moved, keys)[0]
    old = log.head(gbr, 10)
    rewritten = AuditLog([*ENTRIES[:3], {"seq": 3, "action": "deleted"}, *ENTRIES[4:]])
    doc = consistency_document(rewritten, old, rewritten.head(gbr))
    ok, msg = verify_proof(doc, keys)
    assert not ok and "NOT consistent" in msg


def test_forged_heads_and_wrong_keys_raise(gbr: SigningKey, keys: KeyList) -> None:
    log = AuditLog(ENTRIES)
    doc = inclusion_document(log, 1, log.head(gbr))
    forged = copy.deepcopy(doc)
    forged["head"]["root_hash"] = "00" * 32
    with pytest.raises(SignatureError, match="does not verify"):
        verify_proof(forged, keys)
    unsigned = copy.deepcopy(doc)
    del unsigned["head"]["signature"]
    with pytest.raises(SignatureError, match="missing"):
        verify_proof(unsigned, keys)
    with pytest.raises(SignatureError, match="wrong nation's key"):
        verify_proof(doc, keys, "NZL")
    other = SigningKey.generate("GBR")
    with pytest.raises(SignatureError, match="unknown key"):
        verify_proof(inclusion_document(log, 1, log.head(other)), keys)
    for bad in ({}, {"type": "inclusion", "head": doc["head"], "leaf_index": "1",
                     "entry": {}, "audit_path": []},
                {"type": "inclusion", "head": doc["head"], "leaf_index": 1, "entry": {},
                 "audit_path": ["zz"]}):
        with pytest.raises(AuditLogError):
            verify_proof(bad, keys)


def test_read_log_names_the_bad_line(tmp_path: Path) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(AuditLogError, match=r"log.jsonl:2: expected a JSON object"):
        read_log(p)
    p.write_text('{"a": 1}\n{"a": 1, "a": 2}\n')
    with pytest.raises(AuditLogError, match=r":2: .*duplicated key"):
        read_log(p)
    p.write_text('{"a": 1}\n\n')
    with pytest.raises(AuditLogError, match=r":2: not a JSON object"):
        read_log(p)
    with pytest.raises(AuditLogError, match="cannot read"):
        read_log(tmp_path / "missing.jsonl")


# ------------------------------------------------------------------ the CLI
def _run(cli: CliRunner, args: list[str]) -> tuple[int, str]:
    r = cli.invoke(app, args)
    return r.exit_code, r.output


def test_cli_keygen_prove_verify(tmp_path: Path) -> None:
    cli = CliRunner()
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in ENTRIES))
    key, keys = tmp_path / "gbr.json", tmp_path / "keys.json"
    assert _run(cli, ["audit", "keygen", "gbr", "--key", str(key), "--publish", str(keys)])[0] == 0
    code, out = _run(cli, ["audit", "keygen", "GBR", "--key", str(key), "--publish", str(keys)])
    assert code == 2 and "refusing to overwrite" in out
    signed = ["--key", str(key), "--keys", str(keys)]
    r = cli.invoke(app, ["audit", "prove", str(log), *signed, "--index", "7"])
    assert r.exit_code == 0, r.output
    proof = tmp_path / "proof.json"
    proof.write_text(r.stdout)
    assert json.loads(r.stdout)["entry"] == ENTRIES[7]
    code, out = _run(cli, ["audit", "verify", "--proof", str(proof), "--keys", str(keys),
                           "--nation", "GBR"])
    assert code == 0 and "included" in out
    # consistency between 5 and 12 entries
    cons = tmp_path / "cons.json"
    assert _run(cli, ["audit", "prove", str(log), *signed, "--from", "5", "--size", "12",
                      "--out", str(cons)])[0] == 0
    code, out = _run(cli, ["audit", "verify", "--proof", str(cons), "--keys", str(keys)])
    assert code == 0 and "consistent" in out
    # tampered entry: exit 1
    doc = json.loads(proof.read_text())
    doc["entry"]["by"] = "FRA"
    proof.write_text(json.dumps(doc))
    code, out = _run(cli, ["audit", "verify", "--proof", str(proof), "--keys", str(keys)])
    assert code == 1 and "FAILED" in out
    # bad input: exit 2 with the reason, no traceback
    for args, words in [
        (["audit", "verify", "--proof", str(cons), "--keys", str(keys), "--nation", "NZL"],
         "wrong nation's key"),
        (["audit", "verify", "--proof", str(cons)], "--proof needs --keys"),
        (["audit", "verify", "--proof", str(cons), "--keys", str(keys), "--anchors", "a"],
         "give no --database-url or --anchors"),
        (["audit", "prove", str(log), *signed], "exactly one of --index"),
        (["audit", "prove", str(log), *signed, "--index", "21"], "not in a log of 21"),
        (["audit", "prove", str(log), "--key", str(keys), "--keys", str(keys),
          "--index", "1"],
         "not a forcegen signing key"),
        (["audit", "prove", str(tmp_path / "none.jsonl"), *signed, "--index", "1"],
         "cannot read the log"),
    ]:
        code, out = _run(cli, args)
        assert code == 2 and words in out and "Traceback" not in out, (args, out)
    doc = json.loads(cons.read_text())
    doc["second"]["signature"] = "00" * 64
    cons.write_text(json.dumps(doc))
    code, out = _run(cli, ["audit", "verify", "--proof", str(cons), "--keys", str(keys)])
    assert code == 2 and "does not verify" in out


def test_cli_prove_refuses_a_retired_or_unpublished_key(tmp_path: Path) -> None:
    """A rotation retires the old key in the published list only (its private file keeps an
    open window): prove must check the list, or it signs heads every partner refuses."""
    cli = CliRunner()
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in ENTRIES))
    old, new, keys = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "keys.json"
    other, other_keys = tmp_path / "other.json", tmp_path / "other-keys.json"
    for k, listed in ((old, keys), (new, keys), (other, other_keys)):
        code, out = _run(cli, ["audit", "keygen", "GBR", "--key", str(k), "--publish", str(listed)])
        assert code == 0, out
    assert json.loads(old.read_text())["not_after"] is None  # the file does not know
    for k, words in ((old, "was retired in"), (other, "not in the published key list")):
        r = cli.invoke(app, ["audit", "prove", str(log), "--key", str(k), "--keys", str(keys),
                             "--index", "1"])
        assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output, r.output
        assert r.stdout.strip() == "" or "{" not in r.stdout  # no proof printed
    r = cli.invoke(app, ["audit", "prove", str(log), "--key", str(new), "--keys", str(keys),
                         "--index", "1"])
    assert r.exit_code == 0, r.output
    proof = tmp_path / "proof.json"
    proof.write_text(r.stdout)
    code, out = _run(cli, ["audit", "verify", "--proof", str(proof), "--keys", str(keys)])
    assert code == 0, out


def test_entries_of_labelled_items_written_and_read_back(gbr: SigningKey, keys: KeyList,
                                                         tmp_path: Path) -> None:
    from forcegen.labels.auditlog import make_entry
    from forcegen.labels.label import label_from_json, make_label

    label = make_label("NATO", "NATO SECRET", {"Releasable To": ["GBR", "NZL"]})
    path = tmp_path / "audit.jsonl"
    log = AuditLog()
    t = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    for i, action in enumerate(("create", "change", "release", "read")):
        assert log.write_entry(path, make_entry(action, "P-GBR-1", label, "GBR", t)) == i
    again = read_log(path)
    assert again.entries == log.entries and again.tree.root() == log.tree.root()
    assert label_from_json(again.entries[3]["label"]) == label
    ok, _ = verify_proof(inclusion_document(again, 2, again.head(gbr)), keys)
    assert ok
    with pytest.raises(AuditLogError, match="expected one of create, change, release, read"):
        make_entry("delete", "P-GBR-1", label, "GBR")
