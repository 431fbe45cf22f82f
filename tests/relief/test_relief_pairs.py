"""Flight hours of every pair from the table over (speed, departure, arrival) classes: the
same, to the bit, as pair by pair, and as the oracle recomputes them from scratch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _relief_oracle import arrival, random_relief

from forcegen.relief import build
from forcegen.relief.models import ReliefData
from forcegen.relief.transport import Transport

FIELDS = ("offer", "request", "notice", "first", "hop", "last", "blocked")


def _varied(seed: int) -> ReliefData:
    """Random offers and requests, some out of every airfield's reach, mixed speeds."""
    rng = np.random.default_rng(seed)
    rd = random_relief(rng, 30, 20)
    doc = rd.model_dump()
    for i, o in enumerate(doc["offers"]):
        if i % 7 == 0:
            o["home"] = [150.0, -40.0]  # no airfield within reach: blocked at departure
        o["speed"] = [None, 300.0, 450.0, 600.0][i % 4]  # None: the settings' air speed
    for j, r in enumerate(doc["requests"]):
        if j % 5 == 0:
            r["at"] = [175.0, -5.0]  # blocked at arrival
    return ReliefData.model_validate(doc)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("closed", [(), ("AF1",)])
def test_table_equals_pair_by_pair(seed, closed, monkeypatch):
    rd = _varied(seed)
    fast = build(rd, close=closed).pairs
    assert {0, 1, 2} <= set(fast.blocked.tolist())  # every case met
    monkeypatch.setattr(Transport, "_air_hops", lambda *args: None)
    slow = build(rd, close=closed).pairs
    for name in FIELDS:
        a, b = getattr(fast, name), getattr(slow, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name


@pytest.mark.parametrize("seed", range(3))
def test_table_hours_as_recomputed(seed):
    rd = _varied(seed)
    t = build(rd, close=("AF2",)).pairs
    for k in range(len(t)):
        want = arrival(rd, int(t.offer[k]), int(t.request[k]), frozenset({"AF2"}))
        got = float(t.hours[k])
        assert (got == want) if math.isinf(want) else got == pytest.approx(want, abs=1e-9)


def test_too_many_classes_go_pair_by_pair(monkeypatch):
    import forcegen.relief.transport as transport

    rd = _varied(1)
    calls: list[bool] = []
    inner = Transport._air_hops

    def spy(self, *args):
        out = inner(self, *args)
        calls.append(out is None)
        return out

    monkeypatch.setattr(Transport, "_air_hops", spy)
    table = build(rd).pairs
    monkeypatch.setattr(transport, "_TABLE_MAX", 1)
    by_pair = build(rd).pairs
    assert calls == [False, True]
    for name in FIELDS:
        assert np.array_equal(getattr(table, name), getattr(by_pair, name)), name


@pytest.mark.parametrize("ids", ["in order", "out of order"])
def test_tie_break_rank_is_the_rank_in_id_order(ids):
    from forcegen.relief.plan import _tie_rank

    doc = random_relief(np.random.default_rng(9), 12, 8).model_dump()
    if ids == "in order":  # OF-00 ... OF-11 sort as they are listed
        for i, o in enumerate(doc["offers"]):
            o["id"] = f"OF-{i:02d}"
    prob = build(ReliefData.model_validate(doc))
    t, rd = prob.pairs, prob.data
    order = sorted(range(len(t)), key=lambda k: (rd.requests[int(t.request[k])].id,
                                                 rd.offers[int(t.offer[k])].id))
    want = np.empty(len(t))
    want[order] = np.arange(1, len(t) + 1)
    assert np.array_equal(_tie_rank(prob), want)


def test_no_airfield_at_all_blocks_every_pair():
    doc = random_relief(np.random.default_rng(1), 5, 4).model_dump()
    doc["airfields"] = []
    t = build(ReliefData.model_validate(doc)).pairs
    assert len(t) > 0
    assert set(t.blocked.tolist()) == {1} and np.isinf(t.hours).all()
