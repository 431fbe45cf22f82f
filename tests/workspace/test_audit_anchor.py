"""Anchors pin the audit chain outside the database: a writer who rewrites the whole chain
(every hash recomputed, head fixed) passes ``verify`` but not ``verify_anchors``.

The attacks are simulated with plain ORM/SQL writes, as anyone holding the database password
could do them. Everything runs on SQLite and PostgreSQL (see conftest).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from forcegen.exceptions import InputError
from forcegen.labels.auditlog import canonical_entry
from forcegen.labels.merkle import MerkleTree, leaf_hash
from forcegen.workspace.audit.models import AuditEntry, AuditHead, AuditNode, AuditTreeHead
from forcegen.workspace.audit.service import (
    GENESIS,
    Anchor,
    current_anchor,
    entry_hash,
    read_anchors,
    verify,
    verify_anchors,
)
from forcegen.workspace.audit.tree import entry_fields
from forcegen.workspace.database import session_scope

from .conftest import Workspace

API = "/api/v1"
_renames = iter(range(1, 1_000_000))


def change(ws: Workspace, n: int = 1) -> None:
    """``n`` audited changes through the API (each rename of FRA is one audit entry)."""
    for _ in range(n):
        version = ws.client("lead").get(f"{API}/nations/FRA").json()["version"]
        r = ws.client("lead").patch(
            f"{API}/nations/FRA", json={"name": f"France {next(_renames)}", "version": version}
        )
        assert r.status_code == 200, r.text


def anchor_now(ws: Workspace) -> Anchor:
    with session_scope(ws.factory) as db:
        return current_anchor(db)


def check(ws: Workspace, anchors: list[Anchor] | None = None) -> Any:
    with session_scope(ws.factory) as db:
        return verify(db) if anchors is None else verify_anchors(db, anchors)


def stored(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, hash FROM audit_log ORDER BY seq"))
        return [(r.seq, r.hash) for r in rows]


def rewrite_history(engine: Engine, seq: int) -> None:
    """Forge entry ``seq`` and recompute every later link and hash and the head."""
    with Session(engine) as s, s.begin():
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)
        ).all()
        prev = entries[0].prev_hash
        for e in entries:
            if e.seq == seq:
                e.actor, e.before, e.after = "forger", None, {"forged": True}
            fields = {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "before": e.before,
                "after": e.after,
            }
            e.prev_hash, e.hash = prev, entry_hash(prev, fields)
            prev = e.hash
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
        rebuild_merkle(s)


def rebuild_merkle(s: Session) -> None:
    """What a forger with the database password does next: recompute every Merkle leaf and
    node from the (forged) entries and drop the signed heads handed out, so the tables agree
    with each other again. Only heads kept outside the database can still tell."""
    tree = MerkleTree()
    for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        e.leaf_hash = leaf_hash(canonical_entry(entry_fields(e))).hex()
        tree.append_hash(bytes.fromhex(e.leaf_hash))
    s.flush()
    s.execute(delete(AuditNode))
    s.execute(delete(AuditTreeHead))
    for level in range(1, tree.levels()):
        s.execute(insert(AuditNode), [{"level": level, "idx": i, "hash": h.hex()}
                                      for i, h in enumerate(tree.nodes_at(level))])


def cut_tail(engine: Engine, keep: int) -> None:
    """Delete every entry after ``keep`` and point the head at entry ``keep``."""
    with Session(engine) as s, s.begin():
        s.execute(delete(AuditEntry).where(AuditEntry.seq > keep))
        last = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == keep))
        s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=keep, last_hash=last))
        rebuild_merkle(s)


# --- service --------------------------------------------------------------------------------


def test_anchor_is_the_head_and_later_changes_keep_it_valid(ws: Workspace) -> None:
    first = anchor_now(ws)
    assert (first.seq, first.hash) == stored(ws.engine)[-1]
    change(ws, 2)
    second = anchor_now(ws)
    assert second.seq == first.seq + 2 and (second.seq, second.hash) == stored(ws.engine)[-1]
    change(ws, 1)
    empty = Anchor(0, GENESIS, first.at)  # the empty trail's anchor holds forever
    r = check(ws, [second, first, empty])
    assert r.ok and r.anchors_checked == 3 and r.checked == second.seq + 1
    assert r.reason is None and r.first_bad_seq is None


@pytest.mark.parametrize("where", ["between", "before"])
def test_rewritten_chain_passes_verify_but_not_the_anchors(ws: Workspace, where: str) -> None:
    early = anchor_now(ws)
    change(ws, 3)
    late = anchor_now(ws)
    change(ws, 1)
    forged = early.seq + 2 if where == "between" else early.seq - 1
    before = dict(stored(ws.engine))
    rewrite_history(ws.engine, forged)
    after = dict(stored(ws.engine))
    # Every hash from the forged entry on changed, and the chain is self-consistent again:
    assert all(after[s] != before[s] for s in before if s >= forged)
    assert check(ws).ok, "plain verify cannot see a fully recomputed chain (the weakness)"

    r = check(ws, [late, early])  # order given does not matter: earliest failure is named
    assert not r.ok and r.checked == late.seq + 1
    bad = late if where == "between" else early
    assert r.first_bad_seq == bad.seq
    assert f"anchor seq {bad.seq} taken at {bad.at}" in r.reason and "rewritten" in r.reason
    assert r.anchors_checked == (1 if where == "between" else 0)
    if where == "between":
        assert f"between entries {early.seq + 1} and {late.seq}" in r.reason


def test_cut_tail_with_fixed_head_fails_the_anchor_beyond_it(ws: Workspace) -> None:
    change(ws, 3)
    head = anchor_now(ws)
    cut_tail(ws.engine, head.seq - 2)
    assert check(ws).ok, "plain verify cannot see a tail cut with the head fixed (the weakness)"
    r = check(ws, [head])
    assert not r.ok and r.anchors_checked == 0
    assert r.checked == head.seq - 2 and r.first_bad_seq == head.seq - 1
    assert f"anchor seq {head.seq}" in r.reason and "beyond the head" in r.reason


def test_a_broken_chain_fails_before_any_anchor(ws: Workspace) -> None:
    a = anchor_now(ws)
    with ws.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x' WHERE seq = 2"))
    r = check(ws, [a])
    assert not r.ok and r.first_bad_seq == 2 and "changed" in r.reason and r.anchors_checked == 0


def test_anchors_file_errors_name_file_line_and_field(tmp_path: Path) -> None:
    good = {"seq": 3, "hash": "a" * 64, "at": "2025-01-31T12:00:00Z"}
    lines = [
        json.dumps(good),
        "{not json",
        "",
        json.dumps({**good, "hash": "A" * 64}),
        json.dumps({**good, "seq": True}),
        json.dumps({**good, "at": "2025-01-31T12:00:00+01:00"}),
        json.dumps({"seq": 1, "hash": "a" * 64}),
        json.dumps({**good, "note": "x"}),
        "[1, 2]",
    ]
    f = tmp_path / "anchors.jsonl"
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        read_anchors(f)
    msg = str(err.value)
    assert msg.startswith(f"7 bad line(s) in anchors file {f}")
    for expected in (
        f"{f}:2: not valid JSON",
        f"{f}:4: hash: expected 64 lowercase hex digits",
        f"{f}:5: seq: expected a whole number",
        f"{f}:6: at: '2025-01-31T12:00:00+01:00' is not in UTC",
        f"{f}:7: at: missing",
        f"{f}:8: note: unknown key",
        f"{f}:9: expected a JSON object",
    ):
        assert expected in msg
    assert f"{f}:1:" not in msg and f"{f}:3:" not in msg
    f.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "seq": 0}))
    assert read_anchors(f) == [Anchor(3, "a" * 64, good["at"]), Anchor(0, "a" * 64, good["at"])]
    with pytest.raises(InputError, match="anchors file not found"):
        read_anchors(tmp_path / "absent.jsonl")


# --- command line ---------------------------------------------------------------------------


def cli_url(engine: Engine) -> str:
    """A URL that reaches the test database from a fresh process (PostgreSQL: its schema)."""
    url = engine.url
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar()
        url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def cli(*args: str) -> Result:
    from forcegen.cli.main import app

    return CliRunner().invoke(app, ["audit", *args])


def test_cli_anchor_then_verify(ws: Workspace, tmp_path: Path) -> None:
    url = cli_url(ws.engine)
    out = cli("anchor", "--database-url", url)
    assert out.exit_code == 0, out.output
    printed = json.loads(out.stdout)
    assert (printed["seq"], printed["hash"]) == stored(ws.engine)[-1]

    f = tmp_path / "anchors.jsonl"
    assert cli("anchor", "--database-url", url, "--to", str(f)).exit_code == 0
    change(ws, 2)
    assert cli("anchor", "--database-url", url, "--to", str(f)).exit_code == 0
    anchors = read_anchors(f)
    assert [a.seq for a in anchors] == [printed["seq"], printed["seq"] + 2]
    change(ws, 1)

    ok = cli("verify", "--database-url", url, "--anchors", str(f))
    assert ok.exit_code == 0, ok.output
    assert "chain ok" in ok.stdout and "anchors ok: 2 checked" in ok.stdout

    rewrite_history(ws.engine, anchors[0].seq)
    assert cli("verify", "--database-url", url).exit_code == 0  # the chain alone looks fine
    bad = cli("verify", "--database-url", url, "--anchors", str(f))
    assert bad.exit_code == 1, bad.output
    assert "FAILED" in bad.stdout and f"anchor seq {anchors[0].seq}" in bad.stdout
    # A trail that no longer matches the file is not anchored again.
    size = f.stat().st_size
    again = cli("anchor", "--database-url", url, "--to", str(f))
    assert again.exit_code == 1 and f.stat().st_size == size


def test_cli_malformed_anchors_file_is_exit_2(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "anchors.jsonl"
    assert cli("anchor", "--database-url", cli_url(ws.engine), "--to", str(f)).exit_code == 0
    with f.open("a") as fh:
        fh.write('{"seq": 1, "hash": "nothex", "at": "2025-01-31T12:00:00Z"}\n')
    for args in (("verify", "--anchors", str(f)), ("anchor", "--to", str(f))):
        r = cli(*args, "--database-url", cli_url(ws.engine))
        assert r.exit_code == 2, r.output
        assert f"{f}:2: hash: expected 64 lowercase hex digits" in r.stderr
        assert "Traceback" not in r.output
    assert len(f.read_text().splitlines()) == 2  # nothing appended


def test_cli_bad_databases_are_exit_2(tmp_path: Path) -> None:
    import sqlite3

    absent = tmp_path / "absent.sqlite"
    r = cli("verify", "--database-url", f"sqlite:///{absent}")
    assert r.exit_code == 2 and "no SQLite database" in r.stderr
    assert not absent.exists()  # not created as a side effect

    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    r = cli("verify", "--database-url", f"sqlite:///{other}")
    assert r.exit_code == 2 and "no audit_log or audit_head table" in r.stderr
    with sqlite3.connect(other) as conn:  # and no migration ran
        assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master")] == ["t"]

    r = cli("anchor", "--database-url", "not a url")
    assert r.exit_code == 2 and "is not a database URL" in r.stderr


# --- API ------------------------------------------------------------------------------------


def test_api_anchor_and_verify(ws: Workspace) -> None:
    lead = ws.client("lead")
    r = lead.get(f"{API}/audit/anchor")
    assert r.status_code == 200, r.text
    a = r.json()
    assert set(a) == {"seq", "hash", "at"} and (a["seq"], a["hash"]) == stored(ws.engine)[-1]
    change(ws, 1)
    r = lead.post(f"{API}/audit/verify", json={"anchors": [a]})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "ok": True,
        "checked": a["seq"] + 1,
        "first_bad_seq": None,
        "reason": None,
        "anchors_checked": 1,
    }

    rewrite_history(ws.engine, a["seq"])
    assert lead.get(f"{API}/audit/verify").json()["ok"]
    v = ws.client("admin").post(f"{API}/audit/verify", json={"anchors": [a]}).json()
    assert not v["ok"] and v["first_bad_seq"] == a["seq"] and v["anchors_checked"] == 0
    assert f"anchor seq {a['seq']}" in v["reason"]

    for who in ("liaison_fra", "observer_deu"):
        assert ws.client(who).get(f"{API}/audit/anchor").status_code == 403
        assert ws.client(who).post(f"{API}/audit/verify", json={"anchors": [a]}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"anchors": [{"seq": 1, "hash": "x" * 64, "at": "2025-01-31T12:00:00Z"}]},
         "anchors.0.hash"),
        ({"anchors": [{"seq": "1", "hash": "a" * 64, "at": "2025-01-31T12:00:00Z"}]},
         "anchors.0.seq"),
        ({"anchors": [{"seq": 1, "hash": "a" * 64, "at": "yesterday"}]}, "anchors.0.at"),
        ({"anchors": [{"seq": -1, "hash": "a" * 64, "at": "2025-01-31T12:00:00Z"}]},
         "anchors.0.seq"),
        ({"anchors": [{"seq": 1, "hash": "a" * 64, "at": "2025-01-31T12:00:00Z", "x": 1}]},
         "anchors.0.x"),
        ({"anchors": [{"seq": 1, "hash": "a" * 64, "at": "2025-01-31T12:00:00Z"}] * 10_001},
         "anchors"),
        ({}, "anchors"),
    ],
    ids=["hash", "seq-string", "at", "seq-negative", "extra-key", "too-many", "missing"],
)
def test_api_rejects_bad_anchors_with_422(ws: Workspace, body: dict, field: str) -> None:
    r = ws.client("lead").post(f"{API}/audit/verify", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "validation_error" and err["field"] == field


def test_api_accepts_ten_thousand_anchors(ws: Workspace) -> None:
    a = ws.client("lead").get(f"{API}/audit/anchor").json()
    r = ws.client("lead").post(f"{API}/audit/verify", json={"anchors": [a] * 10_000})
    assert r.status_code == 200 and r.json()["anchors_checked"] == 10_000
