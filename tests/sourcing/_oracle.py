"""Independent checks for sourcing plans, written from the spec, not from the optimizer.

Everything here reads the validated :class:`~forcegen.scenario.Scenario` objects (pledges,
requirements, nations, catalog) directly; nothing uses the optimizer's compiled arrays, masks or
models. The rules are the ones ``docs/scenario.md`` states under "Meanings the tools must honour"
plus the documented what-if switches of ``SourcingOptions``.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from forcegen.scenario import Scenario, scenario_from_dict
from forcegen.scenario.models import Pledge, Requirement
from forcegen.sourcing import Plan, SourcingOptions

__all__ = [
    "Rules",
    "brute_force",
    "brute_force_naive",
    "check_plan",
    "plan_key",
    "random_small_dict",
    "small_scenario",
]


# --------------------------------------------------------------------------- the rules
@dataclass(frozen=True)
class Rules:
    """The sourcing rules under one option set, evaluated from the scenario objects."""

    scenario: Scenario
    options: SourcingOptions

    @property
    def statuses(self) -> set[str]:
        # Approved always; asking for offered counts provisional too (documented option rule).
        s = {"approved", *self.options.include}
        if "offered" in s:
            s.add("provisional")
        return s

    def ceiling(self, nation: str) -> float:
        if nation in self.options.ceilings:
            value = self.options.ceilings[nation]
            return math.inf if value is None else float(value)
        n = self.scenario.nation_by_code[nation]
        if n.ceiling is None or n.ceiling.personnel is None:
            return math.inf
        return float(n.ceiling.personnel)

    def role_of(self, line: Requirement) -> str:
        return self.scenario.catalog[line.capability].role

    def violations(self, p: Pledge, line: Requirement) -> list[str]:
        """Every rule that keeps pledge ``p`` off ``line`` (empty: the pair may carry units)."""
        out = []
        if p.capability != line.capability:
            out.append("capability")
        if p.notice_days > line.notice_days:
            out.append("notice")
        if p.status not in self.statuses:
            out.append(f"status {p.status}")
        if p.nation in self.options.withdraw:
            out.append("nation withdrawn")
        cv = p.caveats
        if cv is not None and p.nation not in self.options.lift_caveats:
            if cv.sectors is not None and line.sector not in cv.sectors:
                out.append("caveat sectors")
            if cv.roles is not None and self.role_of(line) not in cv.roles:
                out.append("caveat roles")
            if (cv.max_months is not None and line.months is not None
                    and line.months > cv.max_months):
                out.append("caveat max_months")
        return out

    def eligible(self, p: Pledge, line: Requirement) -> bool:
        return not self.violations(p, line)


def priorities(scenario: Scenario) -> list[int]:
    return sorted({r.priority for r in scenario.requirements})


def plan_key(scenario: Scenario, plan: Plan) -> tuple[float, ...]:
    """(fill at priority 1, fill at priority 2, ..., -cost), recomputed from the assignments."""
    pledges = {p.id: p for p in scenario.pledges}
    lines = {r.id: r for r in scenario.requirements}
    fill: dict[int, int] = defaultdict(int)
    cost = 0.0
    for a in plan.assignments:
        fill[lines[a.requirement].priority] += a.units
        cost += a.units * pledges[a.pledge].cost
    return (*(fill[k] for k in priorities(scenario)), -cost)


# --------------------------------------------------------------------------- feasibility
def check_plan(scenario: Scenario, options: SourcingOptions, plan: Plan) -> list[str]:
    """Every way ``plan`` breaks the rules or misreports itself (empty list: all good)."""
    rules = Rules(scenario, options)
    pledges = {p.id: p for p in scenario.pledges}
    lines = {r.id: r for r in scenario.requirements}
    bad: list[str] = []
    per_pledge: dict[str, int] = defaultdict(int)
    per_line: dict[str, int] = defaultdict(int)
    per_nation: dict[str, float] = defaultdict(float)
    seen: set[tuple[str, str]] = set()
    for a in plan.assignments:
        if a.pledge not in pledges or a.requirement not in lines:
            bad.append(f"unknown pledge or line in {a}")
            continue
        p, r = pledges[a.pledge], lines[a.requirement]
        if (a.pledge, a.requirement) in seen:
            bad.append(f"pair {a.pledge}->{a.requirement} listed twice")
        seen.add((a.pledge, a.requirement))
        if a.units <= 0 or a.units != int(a.units):
            bad.append(f"{a.pledge}->{a.requirement}: units {a.units} not a positive integer")
        if why := rules.violations(p, r):
            bad.append(f"{a.pledge}->{a.requirement}: not allowed ({', '.join(why)})")
        if a.nation != p.nation:
            bad.append(f"{a.pledge}->{a.requirement}: nation {a.nation} != {p.nation}")
        if a.personnel != a.units * p.personnel:
            bad.append(f"{a.pledge}->{a.requirement}: personnel {a.personnel}")
        if not math.isclose(a.cost, a.units * p.cost, rel_tol=1e-9, abs_tol=1e-6):
            bad.append(f"{a.pledge}->{a.requirement}: cost {a.cost}")
        per_pledge[a.pledge] += a.units
        per_line[a.requirement] += a.units
        per_nation[p.nation] += a.units * p.personnel
    for pid, u in per_pledge.items():
        if u > pledges[pid].quantity:
            bad.append(f"pledge {pid}: {u} units used, {pledges[pid].quantity} offered")
    for rid, u in per_line.items():
        if u > lines[rid].quantity:
            bad.append(f"line {rid}: {u} units sourced, {lines[rid].quantity} needed")
    for nation, pers in per_nation.items():
        if pers > rules.ceiling(nation) + 1e-9:
            bad.append(f"nation {nation}: {pers:g} personnel over ceiling {rules.ceiling(nation)}")
    # The plan's own summary must agree with its assignments.
    if plan.fill != sum(per_line.values()):
        bad.append(f"plan.fill {plan.fill} != {sum(per_line.values())}")
    total_cost = sum(a.units * pledges[a.pledge].cost for a in plan.assignments
                     if a.pledge in pledges)
    if not math.isclose(plan.cost, total_cost, rel_tol=1e-9, abs_tol=1e-6):
        bad.append(f"plan.cost {plan.cost} != {total_cost}")
    by_prio: dict[int, int] = defaultdict(int)
    for rid, u in per_line.items():
        by_prio[lines[rid].priority] += u
    if {k: v for k, v in plan.fill_by_priority.items() if v} != {
            k: v for k, v in by_prio.items() if v}:
        bad.append(f"fill_by_priority {plan.fill_by_priority} != {dict(by_prio)}")
    filled = {x.requirement: x.filled for x in plan.lines}
    for r in scenario.requirements:
        if filled.get(r.id) != per_line.get(r.id, 0):
            bad.append(f"line {r.id}: reported filled {filled.get(r.id)}, "
                       f"assigned {per_line.get(r.id, 0)}")
    short = {s.requirement: s.missing for s in plan.shortfalls}
    want = {r.id: r.quantity - per_line.get(r.id, 0) for r in scenario.requirements
            if per_line.get(r.id, 0) < r.quantity}
    if short != want:
        bad.append(f"shortfalls {short} != {want}")
    for s in plan.shortfalls:
        if not s.reasons:
            bad.append(f"shortfall {s.requirement} without a reason")
    return bad


# --------------------------------------------------------------------------- brute force
def _allocations(qty: int, caps: Sequence[int]) -> Iterable[tuple[int, ...]]:
    """Every way to put at most ``qty`` units on slots with the given capacities."""
    if not caps:
        yield ()
        return
    for first in range(min(qty, caps[0]) + 1):
        for rest in _allocations(qty - first, caps[1:]):
            yield (first, *rest)


def brute_force(scenario: Scenario, options: SourcingOptions,
                weight: Callable[[str, str], float] | None = None) -> tuple[float, ...]:
    """Best (fill at priority 1, ..., -cost) over all integer assignments.

    With ``weight`` (pledge id, line id -> tie-break weight) the key gains a last entry,
    -sum(weight x units), so the best key is that of the canonical plan among the optimal ones.

    Exhaustive search pledge by pledge (every split of every pledge's units over the lines it
    may serve), memoized on what is left of each line and each nation's ceiling: the objective is
    a sum of per-pledge contributions, so the memo keeps the search exact.
    """
    rules = Rules(scenario, options)
    prios = priorities(scenario)
    lines = scenario.requirements
    pledges = scenario.pledges
    nations = sorted({n.code for n in scenario.nations})
    n_index = {n: i for i, n in enumerate(nations)}
    options_of = [[j for j, r in enumerate(lines) if rules.eligible(p, r)] for p in pledges]
    zero = (0,) * len(prios) + ((0.0, 0.0) if weight else (0.0,))

    @cache
    def best(i: int, need: tuple[int, ...], room: tuple[float, ...]) -> tuple[float, ...]:
        if i == len(pledges):
            return zero
        p = pledges[i]
        slots = options_of[i]
        top: tuple[float, ...] | None = None
        for alloc in _allocations(p.quantity, [need[j] for j in slots]):
            units = sum(alloc)
            n = n_index[p.nation]
            if units * p.personnel > room[n] + 1e-9:
                continue
            need2 = list(need)
            gain = [0] * len(prios)
            for j, u in zip(slots, alloc, strict=True):
                need2[j] -= u
                gain[prios.index(lines[j].priority)] += u
            room2 = list(room)
            room2[n] -= units * p.personnel
            rest = best(i + 1, tuple(need2), tuple(room2))
            k = len(prios)
            cand = (*(g + f for g, f in zip(gain, rest[:k], strict=True)),
                    rest[k] - units * p.cost)
            if weight:
                w = sum(u * weight(p.id, lines[j].id) for j, u in zip(slots, alloc, strict=True))
                cand = (*cand, rest[k + 1] - w)
            if top is None or cand > top:
                top = cand
        assert top is not None  # the empty allocation is always allowed
        return top

    room0 = tuple(rules.ceiling(n) for n in nations)
    return best(0, tuple(r.quantity for r in lines), room0)


def brute_force_naive(scenario: Scenario, options: SourcingOptions) -> tuple[float, ...]:
    """The same optimum by plain enumeration of every pair's units (micro cases only)."""
    rules = Rules(scenario, options)
    prios = priorities(scenario)
    pairs = [(p, r) for p in scenario.pledges for r in scenario.requirements
             if rules.eligible(p, r)]
    best: tuple[float, ...] | None = None
    ranges = [range(min(p.quantity, r.quantity) + 1) for p, r in pairs]
    for units in itertools.product(*ranges):
        by_p: dict[str, int] = defaultdict(int)
        by_r: dict[str, int] = defaultdict(int)
        by_n: dict[str, float] = defaultdict(float)
        for (p, r), u in zip(pairs, units, strict=True):
            by_p[p.id] += u
            by_r[r.id] += u
            by_n[p.nation] += u * p.personnel
        if any(by_p[p.id] > p.quantity for p in scenario.pledges):
            continue
        if any(by_r[r.id] > r.quantity for r in scenario.requirements):
            continue
        if any(v > rules.ceiling(n) + 1e-9 for n, v in by_n.items()):
            continue
        fill = [0] * len(prios)
        cost = 0.0
        for (p, r), u in zip(pairs, units, strict=True):
            fill[prios.index(r.priority)] += u
            cost += u * p.cost
        key = (*fill, -cost)
        if best is None or key > best:
            best = key
    assert best is not None
    return best


# --------------------------------------------------------------------------- small cases
_NATIONS = ("FRA", "DEU", "POL", "ITA")
_SECTORS = ("north", "south", "east")
_CATALOG = [
    {"code": "X-CBT", "name": "Test combat unit", "category": "land", "role": "combat"},
    {"code": "X-SUP", "name": "Test support unit", "category": "logistics",
     "role": "service-support"},
]


def small_scenario(nations: list[dict[str, Any]], requirements: list[dict[str, Any]],
                   pledges: list[dict[str, Any]], **extra: Any) -> Scenario:
    """A scenario from inline sections, three sectors and the two test capability types."""
    return scenario_from_dict({
        "forcegen": 1,
        "name": extra.pop("name", "test"),
        "nations": nations,
        "catalog": extra.pop("catalog", _CATALOG),
        "sectors": [{"id": s} for s in _SECTORS],
        "requirements": requirements,
        "pledges": pledges,
        **extra,
    })


def random_small_dict(seed: int, *, max_pledges: int = 6, max_lines: int = 4) -> tuple[
        dict[str, Any], SourcingOptions]:
    """A tiny random scenario (tight ceilings, caveats, statuses) and random what-if options."""
    rng = random.Random(seed)
    codes = list(_NATIONS[: rng.randint(2, 4)])
    caps = [c["code"] for c in _CATALOG]
    n_lines = rng.randint(2, max_lines)
    n_pledges = rng.randint(3, max_pledges)
    pledges = []
    for i in range(n_pledges):
        row: dict[str, Any] = {
            "id": f"P{i}", "nation": rng.choice(codes), "capability": rng.choice(caps),
            "quantity": rng.choice([1, 1, 2, 2, 3]), "personnel": rng.choice([10, 20, 30, 50]),
            "notice_days": rng.choice([5, 10, 20, 30]),
            "status": rng.choices(["approved", "provisional", "offered", "withdrawn"],
                                  [6, 2, 1, 1])[0],
            "cost": rng.randint(0, 40),
        }
        cav: dict[str, Any] = {}
        if rng.random() < 0.3:
            cav["sectors"] = sorted(rng.sample(_SECTORS, rng.randint(1, 2)))
        if rng.random() < 0.2:
            cav["roles"] = [rng.choice(["combat", "service-support", "combat-support"])]
        if rng.random() < 0.2:
            cav["max_months"] = 6
        if cav:
            row["caveats"] = cav
        pledges.append(row)
    lines = []
    for j in range(n_lines):
        row = {
            "id": f"R{j}", "capability": rng.choice(caps), "quantity": rng.randint(1, 3),
            "sector": rng.choice(_SECTORS), "priority": rng.randint(1, 2),
            "notice_days": rng.choice([10, 20, 30]),
        }
        if rng.random() < 0.6:
            row["months"] = rng.choice([3, 6, 12])
        lines.append(row)
    pledged: dict[str, int] = defaultdict(int)
    for p in pledges:
        pledged[p["nation"]] += p["quantity"] * p["personnel"]
    nations = []
    for c in codes:
        row = {"code": c}
        if rng.random() < 0.8:
            # Tight: often below what the nation pledged, sometimes below a single unit.
            row["ceiling"] = {"personnel": int(pledged[c] * rng.uniform(0.2, 1.0))}
        nations.append(row)
    include: tuple[str, ...] = rng.choice([(), ("provisional",), ("offered",)])
    withdraw = (rng.choice(codes),) if rng.random() < 0.2 else ()
    lift = (rng.choice(codes),) if rng.random() < 0.2 else ()
    ceilings: dict[str, int | None] = {}
    if rng.random() < 0.2:
        ceilings[rng.choice(codes)] = rng.choice([None, 0, 40, 100])
    doc = {
        "forcegen": 1, "name": f"small {seed}", "nations": nations, "catalog": _CATALOG,
        "sectors": [{"id": s} for s in _SECTORS], "requirements": lines, "pledges": pledges,
    }
    return doc, SourcingOptions(include=include, withdraw=withdraw, lift_caveats=lift,
                                ceilings=ceilings)
