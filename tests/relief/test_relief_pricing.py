"""Pricing rounds that reuse the pool's pairs, rows and costs within a stage add the same
columns, and so give the same plan, as pricing every pool pair afresh each round."""

from __future__ import annotations

import numpy as np
import pytest
from _relief_oracle import random_relief

from forcegen.relief import build, plan_relief
from forcegen.relief.match import _Stages


def _afresh(self, cost):
    """The straightforward pricing: the pool listed and gathered again every round."""
    y = np.asarray(self.h.getSolution().row_dual, dtype=float)
    p = np.flatnonzero(self.pool)
    return p, cost[p] - y[self.e_o[p]] - y[self.n_o + self.e_r[p]]


def _plan(prob):
    plan = plan_relief(prob, per_request=1)  # few start columns: many pricing rounds
    return plan, sorted((d.offer, d.request, d.quantity) for d in plan.deliveries)


@pytest.mark.parametrize("seed", range(50, 56))
def test_reused_pricing_adds_the_same_columns(seed, monkeypatch):
    prob = build(random_relief(np.random.default_rng(seed), 60, 30))
    added: list[list[int]] = []
    inner = _Stages._add

    def spy(self, pairs, cost):
        added.append(pairs.tolist())
        inner(self, pairs, cost)

    monkeypatch.setattr(_Stages, "_add", spy)
    reused, reused_d = _plan(prob)
    reused_added = list(added)
    added.clear()
    monkeypatch.setattr(_Stages, "_priced", _afresh)
    fresh, fresh_d = _plan(prob)
    assert reused.status == fresh.status == "optimal"
    assert any(reused_added)  # columns were priced in
    assert reused_added == added
    assert reused_d == fresh_d
    assert [s.value for s in reused.stages] == [s.value for s in fresh.stages]
