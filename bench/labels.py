"""Security labels benchmark: access decisions and the Merkle audit log (issue 14 targets).

Usage::

    python bench/labels.py                 # ~1 minute on a quiet machine
    python bench/labels.py --quick         # smaller baselines, for a smoke run

Access decisions: ``--labels`` mixed labels (NATO, GBR, NZL, TLP; 0-3 categories, some
invalid) and ``--readers`` mixed clearances; ``--pairs`` random (label, reader) pairs decided
by the vectorised path (:mod:`forcegen.labels.fast`, numpy, one thread) and, on the first
``--baseline-pairs`` of them in the same run, by two per-item Python implementations of the
same rules: the reference :func:`forcegen.labels.decide.decide` (validates each label, explains
each decision) and a lean loop over pre-validated labels (ranks and sets precomputed), the
fairest pure-Python comparison. Both must agree with the fast path on every pair they decide.
Target: >= 200,000 decisions/s on one core.

Audit: append ``--entries`` JSON entries to a log (canonical JSON + RFC 6962 tree), then time
inclusion and consistency proofs for random indices and sizes, and their verification; the
baseline recomputes a few inclusion proofs from the RFC's recursive definition over all leaves.
Target: 100,000 appends and an inclusion proof in <= 1 ms.

Results: ``bench/results/labels.json`` with the machine's facts and the load average.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from forcegen.labels.auditlog import AuditLog, canonical_entry
from forcegen.labels.decide import Clearance, clearance_for, decide
from forcegen.labels.fast import LabelBatch, ReaderBatch, allowed_pairs
from forcegen.labels.keys import SigningKey
from forcegen.labels.label import Category, Label
from forcegen.labels.merkle import leaf_hash, verify_consistency, verify_inclusion
from forcegen.labels.registry import PolicySet, default_policies

OUT = Path(__file__).resolve().parent / "results" / "labels.json"
# 40 nations: with the groups and caveats the vocabulary needs two 64-bit words per bitset
NATIONS = ["ALB", "AUS", "AUT", "BEL", "BGR", "CAN", "CZE", "DEU", "DNK", "ESP", "EST", "FIN",
           "FRA", "GBR", "GRC", "HRV", "HUN", "IRL", "ISL", "ITA", "JPN", "KOR", "LTU", "LUX",
           "LVA", "MKD", "MNE", "NLD", "NOR", "NZL", "POL", "PRT", "ROU", "SVK", "SVN", "SWE",
           "TUR", "UKR", "USA", "MDA"]
RECIPIENTS = ["CERT-GBR", "CERT-NZL", "SOC-A", "SOC-B"]


def random_label(rnd: random.Random, ps: PolicySet) -> Label:
    pid = rnd.choice(sorted(ps.policies))
    pol = ps.policies[pid]
    names = [c.name for c in pol.classifications]
    cls = "BOGUS" if rnd.random() < 0.02 else rnd.choice(names)
    cats = []
    for tag, cdef in pol.categories.items():
        if cdef.type == "informative" or rnd.random() < 0.5:
            continue
        if tag == "Recipients":
            pool = RECIPIENTS
        else:
            pool = sorted(cdef.values - {"NONE"}) + (NATIONS if tag == "Releasable To" else [])
        vals = rnd.sample(pool, rnd.randint(1, min(3, len(pool))))
        cats.append(Category(tag, cdef.type, tuple(sorted(vals))))
    return Label(pid, cls, tuple(sorted(cats, key=lambda c: c.tag)))


def random_reader(rnd: random.Random, ps: PolicySet) -> Clearance:
    pid = rnd.choice(sorted(ps.policies))
    pol = ps.policies[pid]
    extra: dict[str, list[str]] = {}
    if "Special Handling" in pol.categories:
        values = sorted(pol.categories["Special Handling"].values)
        extra["Special Handling"] = rnd.sample(values, rnd.randint(0, len(values)))
    if "Recipients" in pol.categories:
        extra["Recipients"] = rnd.sample(RECIPIENTS, rnd.randint(0, 2))
    return clearance_for(rnd.choice(NATIONS), rnd.choice([c.name for c in pol.classifications]),
                         pid, extra, ps)


def lean_decider(ps: PolicySet, labels: list[Label]) -> Any:
    """A straightforward per-item Python decision over pre-validated labels (same rules)."""
    pre: list[Any] = []
    for lab in labels:
        pol = ps.policies[lab.policy]
        try:
            rank = pol.rank(lab.classification)
        except KeyError:
            pre.append(None)
            continue
        pre.append((lab.policy, rank, [(c.tag, c.type, frozenset(c.values))
                                       for c in lab.categories]))

    expanded: dict[int, dict[str, frozenset[str]]] = {}  # per reader, with the equivalences

    def allowed(i: int, r: Clearance) -> bool:
        p = pre[i]
        if p is None:
            return False
        holds = expanded.get(id(r))
        if holds is None:
            holds = expanded[id(r)] = ps.expand(r.categories)
        rpol = ps.policies[r.policy]
        need = ps.map_rank(p[0], p[1], r.policy)
        if need < 0 or rpol.rank(r.classification) < need:
            return False
        for tag, typ, vals in p[2]:
            held = holds.get(tag, frozenset())
            if typ == "restrictive" and not vals <= held:
                return False
            if typ == "permissive" and not vals & held:
                return False
        return True

    return allowed


def bench_decisions(args: argparse.Namespace) -> dict[str, Any]:
    ps = default_policies()
    rnd = random.Random(14)
    labels = [random_label(rnd, ps) for _ in range(args.labels)]
    readers = [random_reader(rnd, ps) for _ in range(args.readers)]
    rng = np.random.default_rng(14)
    li = rng.integers(0, len(labels), args.pairs)
    ri = rng.integers(0, len(readers), args.pairs)

    t = time.perf_counter()
    batch = LabelBatch(labels, ps)
    rb = ReaderBatch(batch, readers)
    compile_s = time.perf_counter() - t
    best = float("inf")
    for _ in range(args.repeats):
        t = time.perf_counter()
        fast = allowed_pairs(batch, li, rb, ri)
        best = min(best, time.perf_counter() - t)

    nb = args.baseline_pairs
    t = time.perf_counter()
    ref = [decide(labels[i], readers[j], ps).allowed for i, j in zip(li[:nb], ri[:nb],
                                                                      strict=True)]
    ref_s = time.perf_counter() - t
    lean = lean_decider(ps, labels)
    t = time.perf_counter()
    lean_out = [lean(int(i), readers[j]) for i, j in zip(li[:nb], ri[:nb], strict=True)]
    lean_s = time.perf_counter() - t
    agree = bool(np.array_equal(fast[:nb], np.array(ref))) and ref == lean_out
    fast_rate = args.pairs / best
    return {
        "labels": args.labels, "readers": args.readers, "pairs": args.pairs,
        "distinct_labels": batch.distinct, "vocabulary_bits": len(batch.vocab),
        "released_share": float(fast.mean()),
        "compile_seconds": round(compile_s, 3),
        "fast_seconds_best_of": [args.repeats, round(best, 4)],
        "fast_decisions_per_second": round(fast_rate),
        "baseline_pairs": nb,
        "reference_decide_per_second": round(nb / ref_s),
        "lean_python_per_second": round(nb / lean_s),
        "ratio_fast_vs_reference": round(fast_rate / (nb / ref_s), 1),
        "ratio_fast_vs_lean_python": round(fast_rate / (nb / lean_s), 1),
        "all_agree_on_baseline_pairs": agree,
        "target_200k_per_second_met": fast_rate >= 200_000,
    }


def _ref_mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _ref_mth(leaves[:k]) + _ref_mth(leaves[k:])).digest()


def _ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*_ref_path(m, leaves[:k]), _ref_mth(leaves[k:])]
    return [*_ref_path(m - k, leaves[k:]), _ref_mth(leaves[:k])]


def bench_audit(args: argparse.Namespace) -> dict[str, Any]:
    n = args.entries
    entries = [{"seq": i, "at": f"2026-12-01T00:{i // 6000 % 60:02d}:{i // 100 % 60:02d}Z",
                "action": ("create", "change", "release", "read")[i % 4],
                "item": f"P-{NATIONS[i % len(NATIONS)]}-{i // 4}", "by": NATIONS[i % 7]}
               for i in range(n)]
    log = AuditLog()
    t = time.perf_counter()
    for e in entries:
        log.append(e)
    append_s = time.perf_counter() - t
    key = SigningKey.generate("GBR")
    t = time.perf_counter()
    head = log.head(key)
    head_s = time.perf_counter() - t
    rng = random.Random(6962)
    idx = [rng.randrange(n) for _ in range(args.proofs)]
    t = time.perf_counter()
    proofs = [log.tree.inclusion_proof(i) for i in idx]
    incl_s = (time.perf_counter() - t) / len(idx)
    t = time.perf_counter()
    ok = all(verify_inclusion(i, n, log.tree.leaf(i), p, head.root_hash)
             for i, p in zip(idx, proofs, strict=True))
    incl_verify_s = (time.perf_counter() - t) / len(idx)
    sizes = [sorted((rng.randrange(1, n + 1), rng.randrange(1, n + 1))) for _ in range(args.proofs)]
    t = time.perf_counter()
    cons = [log.tree.consistency_proof(a, b) for a, b in sizes]
    cons_s = (time.perf_counter() - t) / len(sizes)
    ok_c = all(verify_consistency(a, b, log.tree.root(a), log.tree.root(b), c)
               for (a, b), c in zip(sizes[:200], cons[:200], strict=True))
    leaves = [leaf_hash(canonical_entry(e)) for e in entries]
    t = time.perf_counter()
    for i in idx[: args.baseline_proofs]:
        assert _ref_path(i, leaves) == log.tree.inclusion_proof(i)
    base_s = (time.perf_counter() - t) / args.baseline_proofs
    return {
        "entries": n, "append_seconds": round(append_s, 3),
        "appends_per_second": round(n / append_s),
        "signed_head_seconds": round(head_s, 5),
        "inclusion_proof_ms": round(incl_s * 1e3, 4),
        "inclusion_verify_ms": round(incl_verify_s * 1e3, 4),
        "consistency_proof_ms": round(cons_s * 1e3, 4),
        "proofs_timed": len(idx), "all_proofs_verify": ok and ok_c,
        "baseline_recursive_rfc_inclusion_ms": round(base_s * 1e3, 1),
        "ratio_baseline_vs_inclusion_proof": round(base_s / incl_s),
        "target_1ms_per_inclusion_proof_met": incl_s <= 1e-3,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--labels", type=int, default=200_000)
    ap.add_argument("--readers", type=int, default=200)
    ap.add_argument("--pairs", type=int, default=1_000_000)
    ap.add_argument("--baseline-pairs", type=int, default=50_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--proofs", type=int, default=2_000)
    ap.add_argument("--baseline-proofs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smaller cases and baselines")
    args = ap.parse_args()
    if args.quick:
        args.labels, args.pairs, args.baseline_pairs = 20_000, 200_000, 5_000
        args.entries, args.proofs, args.baseline_proofs = 20_000, 500, 1
    load0 = os.getloadavg()[0]
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform(), "load_1min_before": load0},
        "decisions": bench_decisions(args),
        "audit": bench_audit(args),
    }
    result["machine"]["load_1min_after"] = os.getloadavg()[0]
    if not args.quick:
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
