"""The matching against brute force on small random cases, with feasibility recomputed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _relief_oracle import arrival, brute_force, random_relief

from forcegen.relief import build, plan_relief


def _vector(plan) -> tuple[float, ...]:
    out = []
    for s in plan.stages:
        v = s.value if s.sense == "max" else -s.value
        out.append(round(v, 6) if s.name == "arrival hours" else v)
    return tuple(out)


@pytest.mark.parametrize("seed", range(12))
def test_lexicographic_optimum_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    rd = random_relief(rng, int(rng.integers(2, 4)), int(rng.integers(2, 4)))
    plan = plan_relief(build(rd), per_request=1)  # the rest priced in
    assert plan.status == "optimal"
    got = _vector(plan)
    want = brute_force(rd)
    # the arrival stage is a sum of floats: equal to the oracle's within rounding
    assert got[:-3] == want[:-3]
    assert got[-3] == pytest.approx(want[-3], abs=1e-4)
    assert got[-2:] == want[-2:]


@pytest.mark.parametrize("seed", range(30, 36))
def test_integer_stages_agree_with_the_face_method(seed):
    rng = np.random.default_rng(seed)
    rd = random_relief(rng, 4, 3)
    prob = build(rd)
    face, mip = plan_relief(prob), plan_relief(prob, method="mip")
    assert face.status == mip.status == "optimal"
    assert all(s.how == "lp" for s in face.stages) and all(s.how == "mip" for s in mip.stages)
    assert [round(s.value, 6) for s in face.stages] == [round(s.value, 6) for s in mip.stages]
    assert _vector(mip)[:-3] == brute_force(rd)[:-3]


@pytest.mark.parametrize("seed", range(40, 46))
def test_pricing_columns_in_reaches_the_full_models_optimum(seed):
    rng = np.random.default_rng(seed)
    prob = build(random_relief(rng, 40, 25))
    priced = plan_relief(prob, per_request=1)
    full = plan_relief(prob, per_request=None)
    assert priced.status == full.status == "optimal"
    assert [round(s.value, 6) for s in priced.stages] == [round(s.value, 6) for s in full.stages]


@pytest.mark.parametrize("seed", range(12, 20))
def test_plan_is_feasible_recomputed(seed):
    rng = np.random.default_rng(seed)
    rd = random_relief(rng, 4, 3)
    plan = plan_relief(build(rd))
    offers = {o.id: (i, o) for i, o in enumerate(rd.offers)}
    reqs = {r.id: (j, r) for j, r in enumerate(rd.requests)}
    sent: dict[str, int] = {}
    got: dict[str, int] = {}
    for d in plan.deliveries:
        i, o = offers[d.offer]
        j, r = reqs[d.request]
        assert o.capability == r.capability
        h = arrival(rd, i, j)
        assert math.isfinite(h)
        assert d.hours == pytest.approx(h, abs=0.01)
        assert d.in_time == (h <= r.by_hours + 1e-9)
        sent[d.offer] = sent.get(d.offer, 0) + d.quantity
        got[d.request] = got.get(d.request, 0) + d.quantity
    assert all(sent[k] <= offers[k][1].quantity for k in sent)
    assert all(got[k] <= reqs[k][1].quantity for k in got)
    for f in plan.requests:
        assert f.in_time + f.late + f.short == f.quantity
        assert f.in_time + f.late == got.get(f.request, 0)
        assert (f.reasons != []) == (f.in_time < f.quantity)


def test_closing_an_airfield_recomputes_routes():
    rng = np.random.default_rng(3)
    rd = random_relief(rng, 3, 3)
    for af in rd.airfields or []:
        plan = plan_relief(build(rd, close=(af.id,)))
        for d in plan.deliveries:
            i = next(k for k, o in enumerate(rd.offers) if o.id == d.offer)
            j = next(k for k, r in enumerate(rd.requests) if r.id == d.request)
            assert d.hours == pytest.approx(arrival(rd, i, j, frozenset({af.id})), abs=0.01)
            assert all(af.name is None or af.name not in (g["from"], g["to"]) for g in d.legs)
            assert af.id not in {g["from"] for g in d.legs} | {g["to"] for g in d.legs}


def test_late_help_can_be_switched_off():
    rng = np.random.default_rng(5)
    rd = random_relief(rng, 3, 3)
    rd = rd.model_copy(update={"settings": rd.settings.model_copy(update={"late": False})})
    plan = plan_relief(build(rd))
    assert all(d.in_time for d in plan.deliveries)
    assert not any(s.name.startswith("at all") for s in plan.stages)


@pytest.mark.parametrize("seed", range(50, 56))
def test_greedy_baseline_is_feasible_and_never_beats_the_optimum(seed):
    from forcegen.relief.greedy import greedy_units
    from forcegen.relief.plan import stage_coefficients

    rng = np.random.default_rng(seed)
    prob = build(random_relief(rng, 30, 20))
    x = greedy_units(prob)
    t = prob.pairs
    used = np.bincount(t.offer, weights=x, minlength=len(prob.data.offers))
    got = np.bincount(t.request, weights=x, minlength=len(prob.data.requests))
    assert np.all(used <= [o.quantity for o in prob.data.offers])
    assert np.all(got <= [r.quantity for r in prob.data.requests])
    assert np.all(np.isfinite(t.hours[x > 0]))
    plan = plan_relief(prob)
    greedy_vec = [float(c @ x) for name, _, c in stage_coefficients(prob)
                  if name.startswith("in time")]
    exact_vec = [s.value for s in plan.stages if s.name.startswith("in time")]
    assert tuple(exact_vec) >= tuple(greedy_vec)


@pytest.mark.parametrize("per_request", [1, 2, 5, 100])
def test_first_columns_are_each_requests_fastest_ties_to_the_first_listed(per_request):
    from forcegen.relief.plan import first_columns

    rng = np.random.default_rng(7)
    rd = random_relief(rng, 30, 12)
    # Offers at the same few homes with the same notice and speed arrive at the same hour:
    # ties everywhere, which must go to the pair listed first.
    for k, o in enumerate(rd.offers):
        o.home = rd.offers[k % 3].home
        o.notice_hours, o.speed = float(k % 2), 600.0
    prob = build(rd)
    t = prob.pairs
    want: list[int] = []
    tied = 0
    for j in range(len(rd.requests)):
        mine = [k for k in range(len(t)) if t.request[k] == j and math.isfinite(t.hours[k])]
        want += sorted(mine, key=lambda k: (t.hours[k], k))[:per_request]
        tied += len(mine) - len({float(t.hours[k]) for k in mine})
    assert sorted(set(want)) == first_columns(prob, per_request).tolist()
    assert tied > 10
