"""Why is a line short? Every cause, with the pledges behind it.

Each pledge of the line's capability is put under the first cause that keeps it off the line,
in this order: withdrawn, nation withdrawn (what-if), not ready in time, caveat, status not
included; pledges that are eligible are short because their nation's ceiling binds or their
units went to other lines. With an optimal plan that list is complete: an eligible pledge with
free units and ceiling room would have been used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from forcegen.scenario.models import CAPABILITY_ROLES, PLEDGE_STATUSES
from forcegen.sourcing._compile import Compiled
from forcegen.sourcing.options import SourcingOptions
from forcegen.sourcing.plan import Reason, Shortfall

__all__ = ["explain_shortfalls"]

_WITHDRAWN = PLEDGE_STATUSES.index("withdrawn")


def _fmt_days(d: float) -> str:
    return f"{d:g} day{'s' if d != 1 else ''}"


def _caveat_kinds(comp: Compiled, e: int) -> list[str]:
    """The caveats (sectors, roles, max_months) that keep pair ``e`` off its line."""
    return [
        name
        for name, ok in (
            ("sectors", comp.e_sector_ok[e]),
            ("roles", comp.e_role_ok[e]),
            ("max_months", comp.e_months_ok[e]),
        )
        if not ok
    ]


def explain_shortfalls(
    comp: Compiled,
    options: SourcingOptions,
    x: NDArray[np.float64],
    *,
    proven: bool,
) -> list[Shortfall]:
    """Shortfalls of the plan with units ``x`` per pair (in ``comp``'s pair order)."""
    filled = np.bincount(comp.e_r, weights=x, minlength=comp.r_qty.size)
    used_p = np.bincount(comp.e_p, weights=x, minlength=comp.p_qty.size)
    free_p = comp.p_qty - used_p
    ceilings = comp.ceilings(options)
    used_n = np.bincount(
        comp.p_nation, weights=used_p * comp.p_pers, minlength=len(comp.nations)
    )
    room_n = ceilings - used_n
    usable = comp.pledge_usable(options)
    caveats_ok = comp.caveats_ok(options)
    # Pairs grouped by line; units taken from each pledge by each line.
    order = np.argsort(comp.e_r, kind="stable")
    starts = np.searchsorted(comp.e_r[order], np.arange(comp.r_qty.size + 1))
    takers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    used = np.flatnonzero(x > 0)
    for p, r, u in zip(comp.e_p[used].tolist(), comp.e_r[used].tolist(),
                       x[used].astype(np.int64).tolist(), strict=True):
        takers[p].append((r, u))

    short = np.flatnonzero(filled < comp.r_qty - 1e-9)
    # The pairs of every short line, line after line, and the cause of each (vectorized).
    counts = starts[short + 1] - starts[short]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    sel = order[np.repeat(starts[short] - offsets[:-1], counts) + np.arange(offsets[-1])]
    cause = _causes(comp, options, sel, x, used_p, free_p, room_n, usable, caveats_ok)
    out: list[Shortfall] = []
    for i, r in enumerate(short.tolist()):
        missing = round(comp.r_qty[r] - filled[r])
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        groups: dict[str, list[int]] = defaultdict(list)
        caveat_kind: dict[int, list[str]] = {}
        for e, k in zip(sel[lo:hi].tolist(), cause[lo:hi].tolist(), strict=True):
            if k < 0:
                continue  # every unit of this pledge already serves this line
            p = int(comp.e_p[e])
            groups[_CAUSES[k]].append(p)
            if _CAUSES[k] == "caveat":
                caveat_kind[p] = _caveat_kinds(comp, e)
        reasons = _reasons(comp, r, missing, groups, caveat_kind, free_p, room_n, ceilings,
                           takers, proven)
        out.append(
            Shortfall(
                requirement=comp.line_ids[r],
                missing=missing,
                capability=comp.capabilities[comp.r_cap[r]],
                sector=comp.sectors[comp.r_sector[r]],
                priority=int(comp.r_prio[r]),
                reasons=reasons,
            )
        )
    return out


#: Causes that keep a pledge off a line, the first that applies (see the module docstring).
_CAUSES = ("withdrawn", "nation-withdrawn", "not-ready", "caveat", "not-certified",
           "not-approved", "ceiling", "unused", "taken")


def _causes(comp: Compiled, options: SourcingOptions, e: NDArray[np.int64],
            x: NDArray[np.float64], used_p: NDArray[Any], free_p: NDArray[np.float64],
            room_n: NDArray[np.float64], usable: NDArray[np.bool_],
            caveats_ok: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Index into ``_CAUSES`` of each pair ``e``: the first cause that applies.

    -1: the pledge's units all serve the pair's line. For all the pairs at once (numpy, not a
    loop per pair).
    """
    p = comp.e_p[e]
    nat = comp.p_nation[p]
    gone = set(options.withdraw)
    withdrawn_n = np.array([n in gone for n in comp.nations], dtype=bool)
    free = free_p[p] > 1e-9
    cert_bad = (~comp.e_cert_ok[e] if comp.e_cert_ok is not None
                else np.zeros(p.size, bool))
    conditions = [
        comp.p_status[p] == _WITHDRAWN,
        withdrawn_n[nat],
        ~comp.e_notice_ok[e],
        ~caveats_ok[e],
        cert_bad,
        ~usable[p],
        free & (room_n[nat] < comp.p_pers[p] - 1e-9),
        free,
        used_p[p] - x[e] > 1e-9,  # units of the pledge on another line (one pair per line)
    ]
    return np.select(conditions, list(range(len(_CAUSES))), default=-1).astype(np.int64)


@dataclass(frozen=True)
class _Line:
    """One short line and what every reason about it needs (pledge groups are index lists)."""

    comp: Compiled
    r: int
    missing: int
    free_p: NDArray[np.float64]

    def ids(self, ps: list[int]) -> list[str]:
        return [self.comp.pledge_ids[p] for p in ps]

    def nations_of(self, ps: list[int]) -> list[str]:
        return sorted({self.comp.nations[self.comp.p_nation[p]] for p in ps})

    def units(self, ps: list[int], free: bool = False) -> int:
        q = self.free_p if free else self.comp.p_qty
        return int(min(self.missing, sum(q[p] for p in ps)))

    def simple(self, kind: str, text: str, ps: list[int], free: bool = False) -> Reason:
        return Reason(kind, text, self.ids(ps), self.nations_of(ps), self.units(ps, free))


def _reasons(
    comp: Compiled,
    r: int,
    missing: int,
    groups: dict[str, list[int]],
    caveat_kind: dict[int, list[str]],
    free_p: NDArray[np.float64],
    room_n: NDArray[np.float64],
    ceilings: NDArray[np.float64],
    takers: dict[int, list[tuple[int, int]]],
    proven: bool,
) -> list[Reason]:
    cap = comp.capabilities[comp.r_cap[r]]
    if not np.any(comp.p_cap == comp.r_cap[r]):
        return [Reason("no-offer", f"no nation offers {cap}")]
    line = _Line(comp, r, missing, free_p)
    out: list[Reason] = []
    if ps := groups.get("withdrawn"):
        out.append(line.simple("withdrawn", f"{len(ps)} pledge(s) of {cap} were withdrawn", ps))
    if ps := groups.get("nation-withdrawn"):
        text = f"nation(s) {', '.join(line.nations_of(ps))} withdrawn in this what-if"
        out.append(line.simple("nation-withdrawn", text, ps))
    if ps := groups.get("not-ready"):
        out.append(_not_ready(line, ps))
    if ps := groups.get("caveat"):
        out.extend(_caveats(line, ps, caveat_kind))
    if ps := groups.get("not-certified"):
        text = ("units not certified in time for this line (an exercise that certifies them "
                "must end before the line's start)")
        out.append(line.simple("not-certified", text, ps))
    if ps := groups.get("not-approved"):
        out.append(_not_approved(line, ps))
    if ps := groups.get("ceiling"):
        out.extend(_ceilings(line, ps, room_n, ceilings))
    if ps := groups.get("taken"):
        out.append(_taken(line, ps, takers))
    if ps := groups.get("unused"):
        note = "" if proven else " (plan not proven optimal: the time limit was hit)"
        out.append(line.simple("unused", f"eligible units left unused{note}", ps, free=True))
    if not out:
        out.append(Reason("no-offer", f"no further units of {cap} are offered"))
    return out


def _not_ready(line: _Line, ps: list[int]) -> Reason:
    comp = line.comp
    best = float(min(comp.p_notice[p] for p in ps))
    need = float(comp.r_notice[line.r])
    return Reason(
        "not-ready",
        f"not ready in time: best notice to move offered {_fmt_days(best)}, "
        f"line needs {_fmt_days(need)}",
        line.ids(ps), line.nations_of(ps), line.units(ps),
        {"best_notice_days": best, "needed_notice_days": need},
    )


def _caveats(line: _Line, ps: list[int], caveat_kind: dict[int, list[str]]) -> list[Reason]:
    comp, r = line.comp, line.r
    by: dict[str, list[int]] = defaultdict(list)
    for p in ps:
        for kind in caveat_kind[p]:
            by[kind].append(p)
    what = {
        "sectors": f"sector {comp.sectors[comp.r_sector[r]]} not allowed",
        "roles": f"role {CAPABILITY_ROLES[comp.r_role[r]]} not allowed",
        "max_months": f"{comp.r_months[r]:g} months exceeds their limit",
    }
    out = []
    for kind, group in sorted(by.items()):
        nats = line.nations_of(group)
        out.append(Reason(
            "caveat", f"blocked by '{kind}' caveat of {', '.join(nats)}: {what[kind]}",
            line.ids(group), nats, line.units(group), {"caveat": kind},
        ))
    return out


def _not_approved(line: _Line, ps: list[int]) -> Reason:
    missing = line.missing
    by_status: dict[str, list[int]] = defaultdict(list)
    for p in ps:
        by_status[PLEDGE_STATUSES[line.comp.p_status[p]]].append(p)
    prov = line.units(by_status.get("provisional", []))
    both = line.units(ps)
    if prov >= missing:
        # The option by its parameter name (``include``): the CLI adds its flag where it prints.
        fix = "approving the provisional ones would fill it: include provisional pledges"
    elif both >= missing:
        fix = "it fills only if offered pledges are approved too: include offered pledges"
    else:
        fix = f"approving them all would add {both} of the {missing} missing unit(s)"
    statuses = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_status.items()))
    return Reason(
        "not-approved", f"offers exist but are not approved ({statuses}): {fix}",
        line.ids(ps), line.nations_of(ps), both,
        {"fills_with": "provisional" if prov >= missing else
         ("offered" if both >= missing else None)},
    )


def _ceilings(
    line: _Line, ps: list[int], room_n: NDArray[np.float64], ceilings: NDArray[np.float64]
) -> list[Reason]:
    comp = line.comp
    out = []
    for nation in line.nations_of(ps):
        group = [p for p in ps if comp.nations[comp.p_nation[p]] == nation]
        n = comp.nations.index(nation)
        out.append(Reason(
            "ceiling",
            f"{nation} personnel ceiling binding: {ceilings[n]:,.0f} allowed, "
            f"{max(room_n[n], 0):,.0f} left, a unit needs "
            f"{min(comp.p_pers[p] for p in group):,.0f}",
            line.ids(group), [nation], line.units(group, free=True),
            {"ceiling": float(ceilings[n]), "room": float(max(room_n[n], 0))},
        ))
    return out


def _taken(line: _Line, ps: list[int], takers: dict[int, list[tuple[int, int]]]) -> Reason:
    comp, r = line.comp, line.r
    lines: dict[str, tuple[int, int]] = {}
    for p in ps:
        for other, u in takers.get(p, []):
            if other == r:
                continue
            prio, prev = lines.get(comp.line_ids[other], (int(comp.r_prio[other]), 0))
            lines[comp.line_ids[other]] = (prio, prev + u)
    mine = int(comp.r_prio[r])
    higher = sorted(k for k, (pr, _) in lines.items() if pr < mine)
    label = "higher-priority" if higher and len(higher) == len(lines) else "other"
    return Reason(
        "taken",
        f"units taken by {label} lines: "
        + ", ".join(f"{k} (priority {pr}, {u})" for k, (pr, u) in sorted(lines.items())),
        line.ids(ps), line.nations_of(ps), 0,
        {"lines": {k: {"priority": pr, "units": u} for k, (pr, u) in lines.items()}},
    )
