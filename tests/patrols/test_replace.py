"""The vectorised replacement move picks what pricing every swap one by one picks."""

from __future__ import annotations

import numpy as np
import pytest
from _patrol_oracle import random_instance, write_patrol

from forcegen.patrols import load_patrol
from forcegen.patrols.heuristic import _Ctx, greedy
from forcegen.patrols.replace import replace_move


def _best_swap(prob, routes):
    """(value gained, hours saved) of the best swap, by trying every stop, area and place."""
    ctx = _Ctx(prob)
    on = {a for r in routes for a in r}
    best = None
    for k, r in enumerate(routes):
        base = ctx.length(k, r)
        for i, x in enumerate(r):
            rest = r[:i] + r[i + 1:]
            for c in range(prob.n_areas):
                if c in on or not prob.allowed[k, c] or prob.values[c] < prob.values[x]:
                    continue
                for p in range(len(rest) + 1):
                    trial = [*rest[:p], c, *rest[p:]]
                    if not ctx.ok(k, trial):
                        continue
                    key = (float(prob.values[c] - prob.values[x]), base - ctx.length(k, trial))
                    if (key[0] > 0 or key[1] > 1e-6) and (best is None or key > best):
                        best = key
    return best


@pytest.mark.parametrize("seed", range(6))
def test_replace_move_matches_brute_force(tmp_path, seed):
    patrol, legs = random_instance(seed, 9, 2, caveats=seed % 2 == 1)
    prob = load_patrol(write_patrol(tmp_path, patrol, legs), drop_unreachable=True)
    routes = greedy(prob)
    rng = np.random.default_rng(seed)
    for r in routes:  # drop some stops so that swaps have unvisited areas to bring in
        for a in list(r):
            if rng.random() < 0.4:
                r.remove(a)
    expect = _best_swap(prob, routes)
    ctx = _Ctx(prob)
    visited = np.zeros(prob.n_areas, dtype=bool)
    for r in routes:
        visited[r] = True
    before_v = sum(prob.values[a] for r in routes for a in r)
    before_h = sum(ctx.length(k, r) for k, r in enumerate(routes))
    moved = replace_move(ctx, routes, visited)
    assert moved == (expect is not None)
    if moved:
        gained = sum(prob.values[a] for r in routes for a in r) - before_v
        saved = before_h - sum(ctx.length(k, r) for k, r in enumerate(routes))
        assert (gained, saved) == pytest.approx(expect)
        assert all(ctx.ok(k, r) for k, r in enumerate(routes))
        assert visited.tolist() == [any(a in r for r in routes) for a in range(prob.n_areas)]
