"""Why a request is not filled in time, in words a relief coordinator can act on.

Codes: ``no-offer`` (nothing of that capability is offered, or every such offer is out: released
or withdrawn), ``no-route`` (offers exist but cannot get there: no open airfield or port near
home or near the place, or no sea route), ``too-late`` (the fastest offer arrives after the
needed-by hour; the message names its slowest leg), ``taken`` (offers that would arrive in time
go to other requests the objective ranks first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from forcegen.relief.transport import BLOCKED

if TYPE_CHECKING:
    from forcegen.relief.loader import ReliefProblem

__all__ = ["Reason", "reasons_for"]

_BLOCKED = {
    "no-departure": "no open {what} within {km:g} km of home",
    "no-arrival": "no open {what} within {km:g} km of the place",
    "no-sea-route": "no sea route between the ports",
}


@dataclass(frozen=True)
class Reason:
    """One reason a request is short in time, with the offers it concerns."""

    code: str
    message: str
    offers: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The reason as a JSON-ready mapping."""
        return {"code": self.code, "message": self.message, "offers": self.offers}


def reasons_for(prob: ReliefProblem, j: int, x: NDArray[np.float64], used: NDArray[np.float64],
                missing: int) -> list[Reason]:
    """Reasons for request ``j`` lacking ``missing`` units in time, given the plan ``x``."""
    rd, t = prob.data, prob.pairs
    r = rd.requests[j]
    # Pairs are grouped by request (see loader._candidate_pairs): a slice, not a scan.
    lo, hi = np.searchsorted(t.request, [j, j + 1])
    mine = np.arange(lo, hi)
    if mine.size == 0:
        gone = sorted(f.id for f in rd.offers if f.capability == r.capability
                      and f.id in prob.out)
        extra = f" (out: {', '.join(f'{g} {prob.out[g]}' for g in gone)})" if gone else ""
        return [Reason("no-offer", f"no offer of {r.capability}{extra}", gone)]
    hours = t.hours[mine]
    out: list[Reason] = []
    blocked = [k for k in mine.tolist() if t.blocked[k] > 0]
    if blocked:
        words = sorted({_blocked_words(prob, k) for k in blocked})
        ids = sorted({rd.offers[int(t.offer[k])].id for k in blocked})
        out.append(Reason("no-route", f"{len(ids)} offer(s) cannot get there: "
                          f"{'; '.join(words)}", ids))
    routed = mine[np.isfinite(hours)]
    h = t.hours[routed]
    on_time, late = routed[h <= r.by_hours + 1e-9], routed[h > r.by_hours + 1e-9]
    sent = np.flatnonzero(x > 0.5)
    gone = sent[np.isin(t.offer[sent], t.offer[on_time]) & (t.request[sent] != j)]
    if gone.size:
        others = sorted({rd.requests[int(k)].id for k in t.request[gone].tolist()})
        ids = sorted({rd.offers[int(o)].id for o in t.offer[gone].tolist()})
        out.append(Reason("taken", f"offers that could arrive in time ({', '.join(ids)}) go to "
                          f"{', '.join(others)}, which rank first (priority, then fill in time)",
                          ids))
    if late.size:
        k = int(late[np.lexsort((t.offer[late], t.hours[late]))[0]])
        slow = max(prob.transport.legs(t, k), key=lambda g: g.hours)
        o = rd.offers[int(t.offer[k])]
        first = "the fastest offer" if on_time.size == 0 else "the fastest offer not in time"
        out.append(Reason("too-late", f"{first}, {o.id} ({o.nation}, {o.mode}), arrives at "
                          f"{t.hours[k]:.1f} h, after the {r.by_hours:g} h needed; slowest "
                          f"leg: {slow.words()}", [o.id]))
    if not out:
        have = int(sum(rd.offers[int(o)].quantity for o in set(t.offer[on_time].tolist())))
        out.append(Reason("no-offer", f"not enough {r.capability} offered: the offers in play "
                          f"that arrive in time hold {have}, {r.quantity} asked",
                          sorted({rd.offers[int(o)].id for o in t.offer[on_time].tolist()})))
    del used, missing  # the plan and the gap are read from x and the pairs themselves
    return out


def _blocked_words(prob: ReliefProblem, k: int) -> str:
    t = prob.pairs
    o = prob.data.offers[int(t.offer[k])]
    what = "port" if o.mode == "sea" else "airfield"
    code = BLOCKED[int(t.blocked[k])] or ""
    text = _BLOCKED[code].format(what=what, km=prob.data.settings.reach_km)
    return f"{o.mode}: {text}"
