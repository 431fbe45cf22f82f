"""An independent feasibility check of a schedule and random tiny programmes (test helpers).

Written from the meaning in docs/scenario.md ("Exercises"), not from the solver: every rule is
recomputed from the problem's arrays and the schedule alone.
"""

from __future__ import annotations

import numpy as np

from forcegen.exercises.problem import ExerciseProblem, Schedule


def violations(p: ExerciseProblem, s: Schedule) -> list[str]:
    out = []
    held = [e for e in range(p.n) if s.start[e] >= 0]
    weeks_of = {e: set(range(int(s.start[e]), int(s.start[e] + p.dur[e]))) for e in held}
    for e in held:
        t = int(s.start[e])
        if not p.lo[e] <= t <= p.hi[e]:
            out.append(f"{p.ids[e]} starts in week {t}, outside its window")
        if s.area[e] not in p.areas[e]:
            out.append(f"{p.ids[e]} in an area it does not accept")
        if len(s.units[e]) != len(p.needs[e]):
            out.append(f"{p.ids[e]}: units for {len(s.units[e])} needs, has {len(p.needs[e])}")
        all_units = [u for need in s.units[e] for u in need]
        if len(set(all_units)) != len(all_units):
            out.append(f"{p.ids[e]}: a unit fills two places")
        for (q, cands), got in zip(p.needs[e], s.units[e], strict=False):
            if len(got) != q or not set(got) <= set(cands):
                out.append(f"{p.ids[e]}: need of {q} filled by {got}")
        for u in all_units:
            busy = range(t, t + int(p.dur[e]) + p.rest)
            if any(w < p.blocked.shape[1] and p.blocked[u, w] for w in busy):
                out.append(f"{p.ids[e]}: unit {u} unavailable during the exercise or its rest")
        for i in p.preds[e]:
            if s.start[i] < 0:
                out.append(f"{p.ids[e]} held without its prerequisite {p.ids[i]}")
            elif t < s.start[i] + p.dur[i]:
                out.append(f"{p.ids[e]} starts before {p.ids[i]} ends")
    horizon = max([int(s.start[e] + p.dur[e]) for e in held], default=0)
    for a in range(len(p.area_ids)):
        for w in range(horizon):
            n = sum(1 for e in held if s.area[e] == a and w in weeks_of[e])
            if n > p.capacity[a]:
                out.append(f"area {p.area_ids[a]} hosts {n} in week {w}")
    for x in held:
        for y in held:
            if x >= y:
                continue
            shared = {u for n in s.units[x] for u in n} & {u for n in s.units[y] for u in n}
            if not shared:
                continue
            sx, sy = int(s.start[x]), int(s.start[y])
            if not (sy >= sx + p.dur[x] + p.rest or sx >= sy + p.dur[y] + p.rest):
                out.append(f"units {sorted(shared)} in {p.ids[x]} and {p.ids[y]} without rest")
    return out


def lines_in_time(p: ExerciseProblem, s: Schedule) -> int:
    """Lines with enough units holding every certification they ask for by their last week."""
    count = 0
    for k, (q, last, certs, units) in enumerate(p.lines):
        ok = 0
        for u in units:
            if all((u, c, k) in p.preheld or any(
                    s.start[e] >= 0 and c in p.certifies[e] and s.start[e] + p.dur[e] <= last
                    and any(u in need for need in s.units[e]) for e in range(p.n))
                   for c in certs):
                ok += 1
        count += ok >= q
    return count


def random_problem(rng: np.random.Generator, n: int, units: int = 4, areas: int = 2,
                   caps: int = 2, weeks: int = 7) -> ExerciseProblem:
    dur = rng.integers(1, 3, n)
    lo = rng.integers(0, 3, n)
    hi = np.minimum(lo + rng.integers(0, 4, n), weeks - dur)
    hi = np.maximum(hi, lo)
    u_cap = rng.integers(0, caps, units)
    needs = []
    for _ in range(n):
        ks = rng.choice(caps, size=int(rng.integers(1, 3)), replace=False)
        needs.append([(int(rng.integers(1, 3)), [int(u) for u in np.flatnonzero(u_cap == k)])
                      for k in ks])
    preds = [[i for i in range(j) if rng.random() < 0.25] for j in range(n)]
    rest = int(rng.integers(0, 2))
    horizon = int((hi + dur).max()) + rest
    blocked = rng.random((units, horizon)) < 0.1
    n_certs = 2
    lines = []
    for _ in range(int(rng.integers(1, 3))):
        k = int(rng.integers(0, caps))
        lines.append((int(rng.integers(1, 3)), int(rng.integers(2, weeks)),
                      sorted(rng.choice(n_certs, size=int(rng.integers(1, 3)),
                                        replace=False, p=[0.7, 0.3]).tolist()),
                      [int(u) for u in np.flatnonzero(u_cap == k)]))
    preheld = {(u, c, k) for k, (_, _, cs, us) in enumerate(lines) for u in us for c in cs
               if rng.random() < 0.15}
    return ExerciseProblem(
        certifies=[sorted(rng.choice(n_certs, size=int(rng.integers(1, 3)), replace=False)
                          .tolist()) for _ in range(n)],
        cert_ids=["C0", "C1"], lines=lines, line_ids=[f"L{k}" for k in range(len(lines))],
        preheld=preheld,
        ids=[f"E{i}" for i in range(n)], dur=dur.astype(np.int64),
        value=rng.integers(1, 6, n).astype(np.int64), lo=lo.astype(np.int64),
        hi=hi.astype(np.int64),
        areas=[sorted(rng.choice(areas, size=int(rng.integers(1, areas + 1)), replace=False)
                      .tolist()) for _ in range(n)],
        needs=needs, preds=preds, area_ids=[f"A{a}" for a in range(areas)],
        capacity=rng.integers(1, 3, areas).astype(np.int64),
        unit_ids=[f"U{u}" for u in range(units)], blocked=blocked, rest=rest)
