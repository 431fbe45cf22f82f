"""Compile a scenario into flat arrays: pledges, lines, and every (pledge, line) pair.

Pledges, lines, nations and sectors are indexed in id order, whatever order the scenario lists
them in, so that the same data always gives the same model.

A pair exists when capabilities match ("the universe"). Whether a pair may be used is decided by
boolean arrays (notice, each caveat, status, withdrawal), so a what-if only flips masks and
bounds: the optimizer model and the shortfall explanations both read these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from forcegen.scenario import Scenario
from forcegen.scenario.models import CAPABILITY_ROLES, PLEDGE_STATUSES, Pledge, Requirement
from forcegen.sourcing.options import SourcingOptions

__all__ = ["Compiled", "certified_ok", "compile_scenario"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(eq=False)
class Compiled:
    """Arrays of a sourcing problem (index spaces: P pledges, R lines, N nations, E pairs)."""

    pledge_ids: list[str]
    line_ids: list[str]
    nations: list[str]
    sectors: list[str]
    capabilities: list[str]
    # pledges
    p_nation: IntArray
    p_cap: IntArray
    p_qty: FloatArray
    p_pers: FloatArray
    p_notice: FloatArray
    p_cost: FloatArray
    p_status: IntArray  # index into PLEDGE_STATUSES
    # lines
    r_cap: IntArray
    r_qty: FloatArray
    r_sector: IntArray
    r_prio: IntArray
    r_notice: FloatArray
    r_role: IntArray  # index into CAPABILITY_ROLES
    r_months: FloatArray  # 0 when the line gives no duration
    # nations
    n_ceiling: FloatArray  # inf when none
    # pairs (the universe: capability matches)
    e_p: IntArray
    e_r: IntArray
    e_notice_ok: BoolArray
    e_sector_ok: BoolArray
    e_role_ok: BoolArray
    e_months_ok: BoolArray
    #: Pairs whose pledge holds every certification the line asks for (``certified``) by the
    #: line's start; ``None`` when no line asks for any (see :func:`certified_ok`).
    e_cert_ok: BoolArray | None = None

    @property
    def n_pairs(self) -> int:
        return int(self.e_p.size)

    def ceilings(self, options: SourcingOptions) -> FloatArray:
        """Nation ceilings after the what-if overrides."""
        out = self.n_ceiling.copy()
        index = {n: i for i, n in enumerate(self.nations)}
        for nation, value in options.ceilings.items():
            if nation in index:
                out[index[nation]] = np.inf if value is None else float(value)
        return out

    def pledge_usable(self, options: SourcingOptions) -> BoolArray:
        """Pledges whose status is included and whose nation is not withdrawn."""
        allowed = np.array([s in options.statuses for s in PLEDGE_STATUSES])
        out: BoolArray = allowed[self.p_status]
        if options.withdraw:
            gone = np.isin(np.array(self.nations, dtype=object), list(options.withdraw))
            out &= ~gone[self.p_nation]
        return out

    def caveats_ok(self, options: SourcingOptions) -> BoolArray:
        ok: BoolArray = self.e_sector_ok & self.e_role_ok & self.e_months_ok
        if options.lift_caveats:
            lifted = np.isin(np.array(self.nations, dtype=object), list(options.lift_caveats))
            ok = ok | lifted[self.p_nation[self.e_p]]
        return ok

    def eligible(self, options: SourcingOptions) -> BoolArray:
        """Pairs that may carry units under ``options``."""
        usable = self.pledge_usable(options)[self.e_p]
        ok: BoolArray = usable & self.e_notice_ok & self.caveats_ok(options)
        return ok if self.e_cert_ok is None else ok & self.e_cert_ok

    def pair_upper(self, options: SourcingOptions) -> FloatArray:
        ub = np.minimum(self.p_qty[self.e_p], self.r_qty[self.e_r])
        return np.where(self.eligible(options), ub, 0.0)


def _index(values: list[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


def _ragged_pairs(p_cap: IntArray, r_cap: IntArray, n_caps: int) -> tuple[IntArray, IntArray]:
    """All (pledge, line) index pairs with equal capability, without a Python loop."""
    order = np.argsort(p_cap, kind="stable")
    count = np.bincount(p_cap, minlength=n_caps)
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    per_line = count[r_cap]
    total = int(per_line.sum())
    e_r = np.repeat(np.arange(r_cap.size), per_line)
    first = np.repeat(start[r_cap] - (np.cumsum(per_line) - per_line), per_line)
    e_p = order[first + np.arange(total)]
    return e_p.astype(np.int64), e_r.astype(np.int64)


def certified_ok(pledges: list[Pledge], lines: list[Requirement], e_p: IntArray,
                 e_r: IntArray) -> BoolArray | None:
    """Whether each pair's pledge holds the certifications its line asks for, in time.

    A line's ``certified: [C, ...]`` is met by a pledge whose extension ``x-certified`` maps
    every C to the date it was earned (a date, or ``true`` for "already held"), on or before the
    line's ``start`` (any date when the line has none). forcegen.exercises writes these from a
    schedule, splitting a pledge whose units earn different certifications.
    """
    asks = [i for i, r in enumerate(lines) if r.certified]
    if not asks:
        return None
    ok = np.ones(e_p.size, dtype=bool)
    held = [p.extensions().get("x-certified") or {} for p in pledges]
    for e in np.flatnonzero(np.isin(e_r, asks)):
        line, have = lines[int(e_r[e])], held[int(e_p[e])]
        for cert in line.certified or ():
            when = have.get(cert) if isinstance(have, dict) else None
            if when is None or when is False:
                ok[e] = False
            elif when is not True and line.start is not None:
                ok[e] &= str(when) <= line.start.isoformat()  # ISO dates sort as text
    return ok


def compile_scenario(scenario: Scenario) -> Compiled:
    """Turn a validated scenario into :class:`Compiled` arrays."""
    # Every index space in id order, not file order: the model HiGHS sees (and so the plan)
    # is then the same whatever order the rows came in (files, database, API).
    scenario_nations = sorted(scenario.nations, key=lambda n: n.code)
    nations = [n.code for n in scenario_nations]
    sectors = sorted(s.id for s in scenario.sectors)
    caps = sorted(scenario.catalog)
    n_idx, s_idx, c_idx = _index(nations), _index(sectors), _index(caps)
    role_idx = _index(list(CAPABILITY_ROLES))
    status_idx = _index(list(PLEDGE_STATUSES))
    pledges = sorted(scenario.pledges, key=lambda p: p.id)
    lines = sorted(scenario.requirements, key=lambda r: r.id)
    P, R, S = len(pledges), len(lines), len(sectors)

    p_nation = np.fromiter((n_idx[p.nation] for p in pledges), np.int64, P)
    p_cap = np.fromiter((c_idx[p.capability] for p in pledges), np.int64, P)
    p_qty = np.fromiter((p.quantity for p in pledges), np.float64, P)
    p_pers = np.fromiter((p.personnel for p in pledges), np.float64, P)
    p_notice = np.fromiter((p.notice_days for p in pledges), np.float64, P)
    p_cost = np.fromiter((p.cost for p in pledges), np.float64, P)
    p_status = np.fromiter((status_idx[p.status] for p in pledges), np.int64, P)
    sector_allowed = np.ones((P, max(S, 1)), dtype=bool)
    role_allowed = np.ones((P, len(CAPABILITY_ROLES)), dtype=bool)
    max_months = np.full(P, np.inf)
    for i, p in enumerate(pledges):
        cv = p.caveats
        if cv is None:
            continue
        if cv.sectors is not None:
            sector_allowed[i] = False
            sector_allowed[i, [s_idx[s] for s in cv.sectors]] = True
        if cv.roles is not None:
            role_allowed[i] = False
            role_allowed[i, [role_idx[r] for r in cv.roles]] = True
        if cv.max_months is not None:
            max_months[i] = cv.max_months

    r_cap = np.fromiter((c_idx[r.capability] for r in lines), np.int64, R)
    r_qty = np.fromiter((r.quantity for r in lines), np.float64, R)
    r_sector = np.fromiter((s_idx[r.sector] for r in lines), np.int64, R)
    r_prio = np.fromiter((r.priority for r in lines), np.int64, R)
    r_notice = np.fromiter((r.notice_days for r in lines), np.float64, R)
    r_role = np.fromiter(
        (role_idx[scenario.catalog[r.capability].role] for r in lines), np.int64, R
    )
    r_months = np.fromiter((r.months or 0 for r in lines), np.float64, R)

    n_ceiling = np.fromiter(
        (
            float(n.ceiling.personnel)
            if n.ceiling is not None and n.ceiling.personnel is not None
            else np.inf
            for n in scenario_nations
        ),
        np.float64,
        len(nations),
    )
    e_p, e_r = _ragged_pairs(p_cap, r_cap, len(caps))
    return Compiled(
        pledge_ids=[p.id for p in pledges],
        line_ids=[r.id for r in lines],
        nations=nations,
        sectors=sectors,
        capabilities=caps,
        p_nation=p_nation, p_cap=p_cap, p_qty=p_qty, p_pers=p_pers, p_notice=p_notice,
        p_cost=p_cost, p_status=p_status,
        r_cap=r_cap, r_qty=r_qty, r_sector=r_sector, r_prio=r_prio, r_notice=r_notice,
        r_role=r_role, r_months=r_months,
        n_ceiling=n_ceiling,
        e_p=e_p, e_r=e_r,
        e_notice_ok=p_notice[e_p] <= r_notice[e_r],
        e_sector_ok=sector_allowed[e_p, r_sector[e_r]] if S else np.ones(e_p.size, bool),
        e_role_ok=role_allowed[e_p, r_role[e_r]],
        e_months_ok=r_months[e_r] <= max_months[e_p],
        e_cert_ok=certified_ok(pledges, lines, e_p, e_r),
    )
