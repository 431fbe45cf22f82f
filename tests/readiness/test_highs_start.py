"""A starting solution never makes ``solve_milp`` report columns worth less than its objective.

``tests/data/highs/start_returned.npz`` is a pooled exercise-value model (55 columns, 219 rows,
maximise) with a feasible starting plan worth 46 whose optimum is 50: HiGHS 1.16, given that
start through ``setSolution``, reports the optimum 50 yet returns the start's columns. The
wrapper must return columns that are feasible and worth what it reports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from forcegen.readiness._highs import solve_milp

DATA = Path(__file__).resolve().parents[1] / "data" / "highs" / "start_returned.npz"


def _model() -> dict[str, np.ndarray]:
    with np.load(DATA) as z:
        return {k: z[k] for k in z.files}


def _solve(m: dict[str, np.ndarray], start: np.ndarray | None):
    a = sp.csr_array((m["data"], m["indices"], m["indptr"]), shape=tuple(m["shape"]))
    n = a.shape[1]
    return a, solve_milp(m["c"], a, m["lo"], m["hi"], np.zeros(n), np.ones(n),
                         np.ones(n, dtype=bool), maximize=True, start=start, rel_gap=0.0)


@pytest.mark.parametrize("with_start", [False, True])
def test_columns_are_feasible_and_worth_the_reported_objective(with_start: bool) -> None:
    m = _model()
    x0 = m["x0"]
    a, sol = _solve(m, x0 if with_start else None)
    assert sol.status == "optimal" and sol.x is not None
    x = np.round(sol.x)
    ax = a @ x
    assert np.all(ax >= m["lo"] - 1e-6) and np.all(ax <= m["hi"] + 1e-6)
    assert float(m["c"] @ x) == pytest.approx(sol.objective)
    # The start is feasible and strictly worse, so the optimum must differ from it.
    s0 = a @ x0
    assert np.all(s0 >= m["lo"] - 1e-6) and np.all(s0 <= m["hi"] + 1e-6)
    assert float(m["c"] @ x) > float(m["c"] @ x0)


def test_the_optimum_is_the_same_with_and_without_a_start() -> None:
    m = _model()
    _, cold = _solve(m, None)
    _, warm = _solve(m, m["x0"])
    assert warm.objective == pytest.approx(cold.objective)
