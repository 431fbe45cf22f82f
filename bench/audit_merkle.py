"""The workspace audit log as a Merkle log: append cost as it grows, proof and verify times.

Usage::

    python bench/audit_merkle.py [--entries 100000] [--window 300] [--proofs 200]

Builds a migrated SQLite workspace and appends audit entries through ``audit.record`` (chain
hash, Merkle leaf and the subtree nodes it completes, in the writer's transaction). At 1k, 10k
and ``--entries`` entries it measures, in the same run:

* one append per transaction (``--window`` of them, each committed: the server's case, where
  the right edge of the tree is read back from ``audit_node`` each time): CPU ms per append,
  and the Merkle part alone (``tree.append_leaf``);
* the baseline a log without stored nodes would pay per signed head: the root recomputed from
  every leaf hash (read from the table and hashed, O(n));
* inclusion proofs for random entries and consistency proofs between random sizes (stored
  nodes fetched in one query, then ``labels.merkle``; each checked with ``verify_proof``),
  each inclusion proof also with the first version's fetch (SQLAlchemy expressions, two
  statements: ``_fetch_expression``) as the same run's baseline, and signing a head
  (Ed25519);
* ``verify`` (chain and Merkle log rebuilt from every entry) at the largest size;
* the read trail (``audit.reads``): a page of 100 pledges listed as the API lists it
  (``pledges.list_page_json``, one committed transaction per request) without recording it,
  recording it (``chain.record_many``) and recording it one ``record`` per entry (the first
  version), rotated request by request, over ``--pledges`` pledges unlabelled (one label a page: one
  entry) and with 20 % of them labelled (levels and releasability lists: many labels a page).

CPU times come from ``resource.getrusage`` (the machine is shared); results go to
``bench/results/audit_merkle.json`` with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from forcegen.labels.auditlog import verify_proof
from forcegen.labels.keys import KeyList, SigningKey
from forcegen.labels.merkle import MerkleTree
from forcegen.workspace.audit import tree
from forcegen.workspace.audit.chain import record, record_many, verify
from forcegen.workspace.audit.models import AuditEntry
from forcegen.workspace.database import make_engine, make_session_factory, upgrade

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "audit_merkle.json"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(cpu seconds, wall seconds, result)."""
    c, w = _cpu(), time.perf_counter()
    out = fn()
    return _cpu() - c, time.perf_counter() - w, out


def _entry(i: int) -> dict[str, Any]:
    return {"name": f"France {i}", "quantity": i % 97, "groups": ["NATO", "EU"]}


def _fill(factory: Any, upto: int, batch: int = 500) -> None:
    """Append entries (many per transaction) until the log holds ``upto``."""
    with factory() as db:
        n = tree.tree_size(db)
    while n < upto:  # record_many: the same entries and tree as record, five statements
        with factory.begin() as db:
            items = []
            for _ in range(min(batch, upto - n)):
                n += 1
                items.append(("update", "nation", "FRA", _entry(n - 1), _entry(n)))
            record_many(db, "bench", items)


def _appends(factory: Any, window: int) -> dict[str, float]:
    """``window`` appends, one per committed transaction: CPU per append, Merkle part too."""
    merkle_cpu = 0.0
    original = tree.append_leaf

    def measured(db: Any, seq: int, leaf: bytes) -> None:
        nonlocal merkle_cpu
        c = _cpu()
        original(db, seq, leaf)
        merkle_cpu += _cpu() - c

    tree.append_leaf = measured  # type: ignore[assignment]
    try:
        def run() -> None:
            for i in range(window):
                with factory.begin() as db:
                    record(db, "bench", "update", "nation", "DEU", _entry(i), _entry(i + 1))
        cpu, wall, _ = _timed(run)
    finally:
        tree.append_leaf = original  # type: ignore[assignment]
    return {"cpu_ms_per_append": round(cpu / window * 1e3, 4),
            "wall_ms_per_append": round(wall / window * 1e3, 4),
            "merkle_cpu_ms_per_append": round(merkle_cpu / window * 1e3, 4)}


def _naive_root(factory: Any) -> dict[str, float]:
    """The baseline: every leaf read and the whole tree hashed for one head."""
    def run() -> bytes:
        with factory() as db:
            t = MerkleTree()
            for (h,) in db.execute(select(AuditEntry.leaf_hash).order_by(AuditEntry.seq)):
                t.append_hash(bytes.fromhex(h))
            return t.root()
    cpu, wall, _ = _timed(run)
    return {"cpu_ms": round(cpu * 1e3, 3), "wall_ms": round(wall * 1e3, 3)}


def _fetch_expression(db: Any, keys: Any) -> dict[tuple[int, int], bytes]:
    """The first ``audit.tree._fetch``: the same nodes through SQLAlchemy's expression
    language (two statements, rebuilt and compiled for every proof): the baseline."""
    from sqlalchemy import and_, or_

    from forcegen.workspace.audit.models import AuditNode

    wanted = list(dict.fromkeys(keys))
    leaves = [i for level, i in wanted if level == 0]
    out: dict[tuple[int, int], bytes] = {}
    if leaves:
        rows = db.execute(select(AuditEntry.seq, AuditEntry.leaf_hash)
                          .where(AuditEntry.seq.in_([x + 1 for x in leaves])))
        out.update(((0, r.seq - 1), bytes.fromhex(r.leaf_hash)) for r in rows if r.leaf_hash)
    by_level: dict[int, list[int]] = {}
    for level, i in wanted:
        if level > 0:
            by_level.setdefault(level, []).append(i)
    if by_level:
        cond = or_(*(and_(AuditNode.level == level, AuditNode.idx.in_(idxs))
                     for level, idxs in by_level.items()))
        rows = db.execute(select(AuditNode.level, AuditNode.idx, AuditNode.hash).where(cond))
        out.update(((r.level, r.idx), bytes.fromhex(r.hash)) for r in rows)
    assert all(k in out for k in wanted)
    return out


def _proofs(factory: Any, key: SigningKey, count: int, rng: random.Random) -> dict[str, Any]:
    keys = KeyList([key.public])
    inc_cpu: list[float] = []
    old_cpu: list[float] = []
    cons_cpu: list[float] = []
    with factory() as db:
        n = tree.tree_size(db)
        c, _, head = _timed(lambda: tree.sign_head(db, key, store=False))
        sign_ms = c * 1e3
        entries = {e.seq: e for e in db.scalars(
            select(AuditEntry).where(AuditEntry.seq.in_(rng.sample(range(1, n + 1), count))))}
        current = tree._fetch
        for seq, e in entries.items():
            fields = tree.entry_fields(e)
            # The same proof with the baseline fetch and the current one, alternating.
            tree._fetch = _fetch_expression  # type: ignore[assignment]
            try:
                cpu, _, old = _timed(lambda f=fields: tree.inclusion_document(db, f, head))
            finally:
                tree._fetch = current  # type: ignore[assignment]
            old_cpu.append(cpu * 1e3)
            cpu, _, doc = _timed(lambda f=fields: tree.inclusion_document(db, f, head))
            inc_cpu.append(cpu * 1e3)
            assert doc == old
            assert doc["leaf_index"] == seq - 1 and verify_proof(doc, keys)[0]
        for _ in range(count):
            m = rng.randrange(0, n + 1)
            first = tree.sign_head(db, key, m, store=False)
            cpu, _, doc = _timed(lambda first=first: tree.consistency_document(db, first, head))
            cons_cpu.append(cpu * 1e3)
            assert verify_proof(doc, keys)[0]
    return {"sign_head_cpu_ms": round(sign_ms, 3),
            "inclusion_cpu_ms": {"median": round(statistics.median(inc_cpu), 3),
                                 "max": round(max(inc_cpu), 3)},
            "inclusion_cpu_ms_expression_fetch": {"median": round(statistics.median(old_cpu), 3),
                                                  "max": round(max(old_cpu), 3)},
            "consistency_cpu_ms": {"median": round(statistics.median(cons_cpu), 3),
                                   "max": round(max(cons_cpu), 3)}}


_NATIONS = ["FRA", "DEU", "POL", "GBR", "ITA", "ESP", "NLD", "BEL", "NOR", "DNK"]


def _scenario(n_pledges: int, rng: random.Random) -> dict[str, Any]:
    """A valid scenario with ``n_pledges`` pledges over 10 nations (as ``bench/api.py``)."""
    caps = [f"BENCH-{i:02d}" for i in range(20)]
    return {
        "forcegen": 1, "name": f"bench {n_pledges} pledges",
        "nations": [{"code": c} for c in _NATIONS],
        "catalog": [{"code": c, "name": c, "category": "land", "role": "combat"} for c in caps],
        "sectors": [{"id": "north", "at": [20, 50]}],
        "requirements": [{"id": f"R-{i:04d}", "capability": rng.choice(caps), "quantity": 2,
                          "sector": "north", "priority": 1, "notice_days": 30} for i in range(50)],
        "pledges": [{"id": f"P-{i:05d}", "nation": rng.choice(_NATIONS),
                     "capability": rng.choice(caps), "quantity": rng.randint(1, 3),
                     "personnel": rng.randint(50, 900), "notice_days": 10,
                     "status": "approved", "cost": 1e5} for i in range(n_pledges)],
    }


def _label_fraction(engine: Any, fraction: float, rng: random.Random) -> None:
    """Label ``fraction`` of the pledges (levels 1-3, releasability lists; owners added), all
    released to the bench reader (FRA, cleared TOP SECRET): as ``bench/api.py`` labels them."""
    from sqlalchemy import text

    from forcegen.labels.legacy import legacy_to_label
    from forcegen.workspace.label_store import label_columns

    with engine.begin() as conn:
        owners = dict(conn.execute(text("SELECT id, nation FROM pledges ORDER BY id")).all())
        rows = []
        for i in rng.sample(sorted(owners), int(fraction * len(owners))):
            level, rel = rng.randint(1, 3), rng.choice([None, ",FRA,GBR,", ",DEU,FRA,POL,",
                                                        ",FRA,"])
            rows.append({**label_columns(legacy_to_label(level, rel, owners[i]), rel,
                                         legacy=True), "i": i})
        keys = [k for k in rows[0] if k != "i"]
        conn.execute(text(f"UPDATE pledges SET {', '.join(f'{k} = :{k}' for k in keys)} "
                          "WHERE id = :i"), rows)


def _list_reads(folder: str, n_pledges: int, lists: int) -> dict[str, Any]:
    """CPU of a pledge list page (100) with and without its read entries, same run.

    The two kinds alternate request by request over the same pages, so the shared machine's
    load falls on both alike. Unlabelled first (one label a page), then 20 % labelled.
    """
    from forcegen.scenario import scenario_from_dict
    from forcegen.workspace.accounts import User
    from forcegen.workspace.audit import reads
    from forcegen.workspace.audit.reads import ReadTrail
    from forcegen.workspace.listing import PageParams
    from forcegen.workspace.pledges.queries import list_page_json
    from forcegen.workspace.scenarios.service import import_scenario

    rng = random.Random(5)
    engine = make_engine(f"sqlite:///{folder}/reads.sqlite")
    upgrade(engine)
    factory = make_session_factory(engine)
    with factory.begin() as db:
        loader = User(username="loader", role="admin", password_hash="!")
        import_scenario(db, loader, scenario_from_dict(_scenario(n_pledges, rng)), {})
        db.add(User(username="bench", role="lead_planner", password_hash="!", nation="FRA",
                    clearance=4))
    with factory() as db:
        user = db.scalar(select(User).where(User.username == "bench"))
    pages = [PageParams(limit=100, offset=100 * i) for i in range(n_pledges // 100)]

    def each(db: Any, actor: str | None, items: Any) -> int:
        """The first version: one ``record`` (head locked, entry and nodes inserted) each."""
        for item in items:
            record(db, actor, *item)
        return len(items)

    batched = reads.record_many

    def one(params: PageParams, mode: str) -> int:
        with factory.begin() as db:
            if mode == "without":
                list_page_json(db, user, params)
                return 0
            reads.record_many = batched if mode == "with" else each  # type: ignore[assignment]
            try:
                t = ReadTrail("bench list")
                list_page_json(db, user, params, trail=t)
                return t.write(db, "bench")
            finally:
                reads.record_many = batched  # type: ignore[assignment]

    out: dict[str, Any] = {"pledges": n_pledges, "page": 100, "lists_each": lists}
    for case, fraction in (("unlabelled", 0.0), ("labelled_20pct", 0.2)):
        if fraction:
            _label_fraction(engine, fraction, rng)
        modes = ("without", "with", "with_record_each")
        for params in pages[:5]:  # warm every path (label decisions cached, statements)
            for mode in modes:
                one(params, mode)
        cpu = dict.fromkeys(modes, 0.0)
        wall = dict.fromkeys(modes, 0.0)
        entries = 0
        for i in range(lists):
            params = pages[i % len(pages)]
            for mode in modes[i % 3:] + modes[: i % 3]:  # rotated: no mode always first
                c, w, n = _timed(lambda p=params, m=mode: one(p, m))
                cpu[mode] += c
                wall[mode] += w
                entries += n
        ms = {m: cpu[m] / lists * 1e3 for m in modes}
        row = {**{f"cpu_ms_{m}": round(v, 3) for m, v in ms.items()},
               "extra_cpu_ms": round(ms["with"] - ms["without"], 3),
               "ratio": round(ms["with"] / ms["without"], 3),
               "extra_cpu_ms_record_each": round(ms["with_record_each"] - ms["without"], 3),
               **{f"wall_ms_{m}": round(wall[m] / lists * 1e3, 3) for m in modes},
               "entries_per_list": round(entries / lists / 2, 2)}
        out[case] = row
        print(json.dumps({case: row}), flush=True)
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--window", type=int, default=300)
    ap.add_argument("--proofs", type=int, default=200)
    ap.add_argument("--pledges", type=int, default=5000)
    ap.add_argument("--lists", type=int, default=300, help="list reads of each kind")
    ap.add_argument("--only-reads", action="store_true", help="the read trail section only")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    rng = random.Random(14)
    folder = tempfile.mkdtemp(prefix="fg-audit-merkle-")
    engine = make_engine(f"sqlite:///{folder}/bench.sqlite")
    upgrade(engine)
    factory = make_session_factory(engine)
    key = SigningKey.generate("GBR")
    load_before = os.getloadavg()[0]
    reads = _list_reads(folder, args.pledges, args.lists)
    if args.only_reads:
        _write(args.out, {"machine": _machine(load_before), "list_reads": reads})
        return
    sizes = sorted({1_000, 10_000, args.entries})
    rows: list[dict[str, Any]] = []
    fill_cpu = 0.0
    for size in sizes:
        c, _, _ = _timed(lambda size=size: _fill(factory, size))
        fill_cpu += c
        row: dict[str, Any] = {"entries": size, "append": _appends(factory, args.window),
                               "naive_root_baseline": _naive_root(factory)}
        row.update(_proofs(factory, key, args.proofs, rng))
        rows.append(row)
        print(json.dumps(row), flush=True)
    with factory() as db:
        cpu, wall, result = _timed(lambda: verify(db))
        assert result.ok, result
        verified = {"entries": result.checked, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2)}
    engine.dispose()
    first, last = rows[0]["append"], rows[-1]["append"]
    doc = {
        "machine": _machine(load_before),
        "list_reads": reads,
        "window": args.window, "proofs": args.proofs, "sizes": rows, "verify": verified,
        "fill_cpu_s": round(fill_cpu, 1),
        "append_cpu_ratio_largest_vs_1k": round(
            last["cpu_ms_per_append"] / first["cpu_ms_per_append"], 2),
        "merkle_append_cpu_ratio_largest_vs_1k": round(
            last["merkle_cpu_ms_per_append"] / first["merkle_cpu_ms_per_append"], 2),
    }
    _write(args.out, doc)


def _machine(load_before: float) -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "load_1min_before": load_before, "load_1min_after": os.getloadavg()[0]}


def _write(out: Path, doc: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
