"""Small relief problems in memory and a brute-force oracle for the lexicographic matching."""

from __future__ import annotations

import itertools
import math

import numpy as np

from forcegen.network import haversine_km
from forcegen.relief.models import Facility, ReliefData
from forcegen.relief.transport import DETOUR


def random_relief(rng: np.random.Generator, n_offers: int, n_requests: int) -> ReliefData:
    """Air offers and requests around a few airfields in a 10-degree box (no sea legs)."""
    airfields = [Facility(id=f"AF{k}", at=(float(rng.uniform(160, 170)),
                                           float(rng.uniform(-25, -15))))
                 for k in range(4)]
    caps = ["WATER", "SHELTER"]
    offers = []
    for i in range(n_offers):
        af = airfields[int(rng.integers(len(airfields)))]
        offers.append({"id": f"OF-{i}", "nation": "NZL", "capability": caps[int(rng.integers(2))],
                       "quantity": int(rng.integers(1, 3)),
                       "home": [af.at[0] + float(rng.uniform(-0.3, 0.3)),
                                af.at[1] + float(rng.uniform(-0.3, 0.3))],
                       "notice_hours": float(rng.integers(0, 30)),
                       "speed": float(rng.choice([300.0, 600.0])),
                       "cost": float(rng.integers(0, 4))})
    requests = []
    for j in range(n_requests):
        af = airfields[int(rng.integers(len(airfields)))]
        requests.append({"id": f"RQ-{j}", "event": "E", "capability": caps[int(rng.integers(2))],
                         "quantity": int(rng.integers(1, 4)),
                         "at": [af.at[0] + float(rng.uniform(-0.4, 0.4)),
                                af.at[1] + float(rng.uniform(-0.4, 0.4))],
                         "by_hours": float(rng.integers(5, 40)),
                         "priority": int(rng.integers(1, 3))})
    return ReliefData.model_validate({
        "events": [{"id": "E"}], "items": [{"id": c} for c in caps], "offers": offers,
        "requests": requests, "airfields": [a.model_dump() for a in airfields],
        "settings": {"reach_km": 120}})


def arrival(rd: ReliefData, o: int, r: int, closed: frozenset[str] = frozenset()) -> float:
    """Arrival hours recomputed from scratch: nearest open airfields by brute force."""
    s = rd.settings
    offer, req = rd.offers[o], rd.requests[r]
    afs = [a for a in rd.airfields or [] if a.open and a.id not in closed]

    def km(p, q) -> float:
        return float(haversine_km(np.array(p[0]), np.array(p[1]), np.array(q[0]),
                                  np.array(q[1])))

    def nearest(p):
        best = min(afs, key=lambda a: (km(p, a.at), afs.index(a)), default=None)
        if best is None or km(p, best.at) > s.reach_km:
            return None
        return best
    a, b = nearest(offer.home), nearest(req.at)
    if a is None or b is None:
        return math.inf
    hop = 0.0 if a.id == b.id else km(a.at, b.at) / (offer.speed or s.air_speed) \
        + 2 * s.handling_hours
    drive = (km(offer.home, a.at) + km(b.at, req.at)) * DETOUR / s.ground_speed
    return offer.notice_hours + drive + hop


def brute_force(rd: ReliefData) -> tuple[float, ...]:
    """The lexicographically best objective vector over every integer plan."""
    pairs = [(o, r) for r, req in enumerate(rd.requests) for o, off in enumerate(rd.offers)
             if off.capability == req.capability and math.isfinite(arrival(rd, o, r))]
    prios = sorted({q.priority for q in rd.requests})
    order = sorted(range(len(pairs)), key=lambda k: (rd.requests[pairs[k][1]].id,
                                                     rd.offers[pairs[k][0]].id))
    rank = {k: i + 1 for i, k in enumerate(order)}
    hours = [arrival(rd, o, r) for o, r in pairs]
    ranges = [range(min(rd.offers[o].quantity, rd.requests[r].quantity) + 1) for o, r in pairs]
    best: tuple[float, ...] | None = None
    for x in itertools.product(*ranges):
        used_o = [0] * len(rd.offers)
        used_r = [0] * len(rd.requests)
        for (o, r), q in zip(pairs, x, strict=True):
            used_o[o] += q
            used_r[r] += q
        if any(u > f.quantity for u, f in zip(used_o, rd.offers, strict=True)) or any(
                u > q.quantity for u, q in zip(used_r, rd.requests, strict=True)):
            continue
        vec = [sum(q for (o, r), q, h in zip(pairs, x, hours, strict=True)
                   if rd.requests[r].priority == p and h <= rd.requests[r].by_hours + 1e-9)
               for p in prios]
        vec += [sum(q for (o, r), q in zip(pairs, x, strict=True)
                    if rd.requests[r].priority == p) for p in prios]
        vec.append(-round(sum(q * h for q, h in zip(x, hours, strict=True)), 6))
        vec.append(-sum(q * rd.offers[o].cost for (o, r), q in zip(pairs, x, strict=True)))
        vec.append(-sum(q * rank[k] for k, q in enumerate(x)))
        t = tuple(float(v) for v in vec)
        if best is None or t > best:
            best = t
    assert best is not None
    return best
