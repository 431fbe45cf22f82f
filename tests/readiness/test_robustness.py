"""Monte Carlo disruption against exact enumeration; processes, Dask, robust siting, network."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from forcegen.readiness.robustness import (
    DisruptionModel,
    exact_distribution,
    robust_siting,
    saa_costs,
    simulate,
)

COST = np.array([[1.0, 6.0, 9.0], [4.0, 2.0, 7.0], [8.0, 5.0, 3.0], [5.0, 5.0, 5.0]])
FAIL = np.array([0.1, 0.3, 0.2, 0.4])


def _model() -> DisruptionModel:
    return DisruptionModel.from_matrix(COST, list("abcd"), list("xyz"), fail_prob=FAIL)


def test_monte_carlo_matches_exact_enumeration() -> None:
    n = 200_000
    res = simulate(_model(), n, seed=1, keep_times=True)
    times, prob = exact_distribution(COST, FAIL)
    assert prob.sum() == pytest.approx(1.0)
    assert res.times is not None
    for j, st in enumerate(res.sectors):
        col = times[:, j]
        fin = np.isfinite(col)
        p_unserved = prob[~fin].sum()
        assert st.unserved == pytest.approx(p_unserved, abs=4 * np.sqrt(p_unserved / n) + 1e-4)
        mean = (prob[fin] * col[fin]).sum() / prob[fin].sum()
        sd = np.sqrt((prob[fin] * (col[fin] - mean) ** 2).sum() / prob[fin].sum())
        assert st.mean == pytest.approx(mean, abs=4 * sd / np.sqrt(n))
        # Whole empirical CDF within 4 standard errors at every support point.
        for v in np.unique(col[fin]):
            f_exact = prob[col <= v].sum()
            f_mc = float((res.times[:, j] <= v).mean())
            assert abs(f_mc - f_exact) <= 4 * np.sqrt(f_exact * (1 - f_exact) / n) + 1e-4
        # Quantiles: the exact inverted-CDF quantile (support points are far from 0.5 / 0.9).
        order = np.argsort(col, kind="stable")
        cdf = np.cumsum(prob[order])
        for q, got in ((0.5, st.median), (0.9, st.p90)):
            exact_q = col[order][np.searchsorted(cdf, q)]
            if not any(abs(prob[col <= v].sum() - q) < 0.01 for v in np.unique(col[fin])):
                assert got == pytest.approx(exact_q)
        assert st.worst == np.inf  # every depot can be lost at once
        assert st.worst_served == pytest.approx(col[fin].max())


def test_results_do_not_depend_on_workers() -> None:
    model = _model()
    one = simulate(model, 60_000, seed=3, keep_times=True)
    two = simulate(model, 60_000, seed=3, workers=2, keep_times=True)
    assert one.times is not None and two.times is not None
    assert np.array_equal(one.times, two.times)


def test_dask_local_cluster_gives_the_same_answer() -> None:
    distributed = pytest.importorskip("dask.distributed")
    model = _model()
    ref = simulate(model, 30_000, seed=4, keep_times=True)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        got = simulate(model, 30_000, seed=4, scheduler=cluster.scheduler_address,
                       keep_times=True)
    assert ref.times is not None and got.times is not None
    assert np.array_equal(ref.times, got.times)


def test_lost_depots_are_never_used() -> None:
    model = DisruptionModel.from_matrix(COST, list("abcd"), list("xyz"), lost=["a"])
    res = simulate(model, 100, seed=0)
    assert res.depots == ["b", "c", "d"]
    assert [s.median for s in res.sectors] == list(COST[1:].min(axis=0))


def test_robust_siting_matches_brute_force_on_the_same_samples() -> None:
    rng = np.random.default_rng(7)
    cost = rng.uniform(1, 10, (6, 4))
    model = DisruptionModel.from_matrix(cost, [f"s{i}" for i in range(6)], list("wxyz"),
                                        fail_prob=0.3, demand=[1, 2, 1, 3])
    cols, w = saa_costs(model, 40, seed=2)
    assert w.sum() == pytest.approx(7.0)
    best = min(float(w @ cols[list(s)].min(axis=0)) for s in itertools.combinations(range(6), 2))
    rs = robust_siting(model, 2, samples=40, seed=2)
    assert rs.status == "optimal"
    assert rs.expected == pytest.approx(best / 7.0)
    # It differs from the plain p-median when losses matter: never worse in expectation.
    plain = min(itertools.combinations(range(6), 2),
                key=lambda s: float(model.demand @ cost[list(s)].min(axis=0)))
    assert float(w @ cols[list(plain)].min(axis=0)) >= best - 1e-9


def test_named_link_cut_on_a_network(tmp_path: Path) -> None:
    from forcegen.readiness._disruptions import disruption_model
    from forcegen.scenario import load_scenario

    (tmp_path / "nodes.csv").write_text(
        "id,lon,lat\nA,20.0,50.0\nB,21.0,50.0\nC,22.0,50.0\nD,21.0,51.0\n")
    (tmp_path / "network.csv").write_text(
        "from,to,hours,mode\nA,B,2,road\nB,C,2,road\nA,D,3,road\nD,C,4,road\n")
    (tmp_path / "scenario.yaml").write_text(
        "forcegen: 1\nname: net\nnetwork: network.csv\nnodes: nodes.csv\n"
        "sectors:\n  - {id: east, node: C}\n"
        "depot_sites:\n  - {id: west, node: A}\n"
        "x-disruptions:\n  - {name: bridge B-C down, links: [[B, C]]}\n", encoding="utf-8")
    sc = load_scenario(tmp_path)
    intact = simulate(disruption_model(sc), 10, seed=0)
    assert intact.sectors[0].median == pytest.approx(4.0)
    cut = simulate(disruption_model(sc, named=["bridge B-C down"]), 10, seed=0)
    assert cut.sectors[0].median == pytest.approx(7.0)  # detour A-D-C
    # Random link failures: every edge cut with p=1 leaves the sector unserved.
    gone = simulate(disruption_model(sc, link_prob=1.0, link_patterns=2), 10, seed=0)
    assert gone.sectors[0].unserved == 1.0
