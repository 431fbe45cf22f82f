"""The bundled reassurance-force example: feasible, optimal, and short where its README says."""

from __future__ import annotations

import math

import pytest
from _oracle import check_plan, plan_key

from forcegen.scenario import Scenario
from forcegen.sourcing import Plan, Reason, SourcingOptions, solve

APPROVED = SourcingOptions()
ALL = SourcingOptions(include=("offered",))


@pytest.fixture(scope="module")
def plans(example: Scenario) -> dict[tuple[str, str], Plan]:
    out = {}
    for name, options in (("approved", APPROVED), ("all", ALL)):
        for method in ("auto", "exact"):
            out[name, method] = solve(example, SourcingOptions(
                include=options.include, method=method))
    return out


def reasons(plan: Plan, rid: str) -> dict[str, Reason]:
    found = [s for s in plan.shortfalls if s.requirement == rid]
    assert found, f"{rid} is not short"
    return {r.code: r for r in found[0].reasons}


@pytest.mark.parametrize("method", ["auto", "exact"])
@pytest.mark.parametrize("which", ["approved", "all"])
def test_plan_is_feasible_and_optimal(example: Scenario, plans: dict, which: str,
                                      method: str) -> None:
    plan = plans[which, method]
    options = APPROVED if which == "approved" else ALL
    assert check_plan(example, options, plan) == []
    assert plan.status == "optimal"
    assert plan.gap <= options.mip_gap
    # A proven optimum leaves no eligible unit idle next to a short line.
    assert not any(r.code == "unused" for s in plan.shortfalls for r in s.reasons)


@pytest.mark.parametrize("which", ["approved", "all"])
def test_methods_agree(example: Scenario, plans: dict, which: str) -> None:
    """Both methods claim optimality: same fills, and costs within the optimality gap."""
    auto, exact = plans[which, "auto"], plans[which, "exact"]
    assert plan_key(example, auto)[:-1] == plan_key(example, exact)[:-1]
    assert math.isclose(auto.cost, exact.cost, rel_tol=APPROVED.mip_gap), (auto.cost, exact.cost)


@pytest.mark.parametrize("method", ["auto", "exact"])
def test_designed_shortfalls_approved_only(plans: dict, method: str) -> None:
    plan = plans["approved", method]
    short = {s.requirement for s in plan.shortfalls}
    assert len(short) == 13
    core = {"R-007", "R-008", "R-020", "R-023", "R-029", "R-037", "R-048", "R-049", "R-059",
            "R-072", "R-084", "R-089"}
    assert core <= short, sorted(short)
    assert short - core <= {"R-040", "R-053"} and len(short - core) == 1
    # Poland's ceiling leaves the maintenance company line short.
    ceiling = reasons(plan, "R-072")["ceiling"]
    assert ceiling.nations == ["POL"] and ceiling.detail["ceiling"] == 1200


def test_shortfall_reasons_approved_only(plans: dict) -> None:
    plan = plans["approved", "exact"]
    # Nobody offers a deployable CBRN laboratory.
    assert [r.code for r in next(s for s in plan.shortfalls
                                 if s.requirement == "R-020").reasons] == ["no-offer"]
    # Counter-drone in Odesa needs 5 days; Ukraine's 7 days is the fastest offer.
    late = reasons(plan, "R-049")["not-ready"]
    assert late.detail == {"best_notice_days": 7.0, "needed_notice_days": 5.0}
    assert "UKR" in late.nations
    assert set(reasons(plan, "R-049")) == {"not-ready"}
    # Seven Role 2 offers, each with a sector caveat excluding Dnipro.
    role2 = reasons(plan, "R-037")
    assert set(role2) == {"caveat"} and role2["caveat"].detail["caveat"] == "sectors"
    assert len(role2["caveat"].pledges) == 7 and len(role2["caveat"].nations) == 7
    # Tanks: only provisional or offered ones; Poland's approved battalion is sector-barred.
    for rid in ("R-007", "R-029"):
        r = reasons(plan, rid)
        assert r["caveat"].nations == ["POL"] and r["caveat"].detail["caveat"] == "sectors"
        assert {"FRA", "GBR"} <= set(r["not-approved"].nations)
        assert r["not-approved"].detail["fills_with"] == "provisional"
    # Frigates: one withdrawn (Türkiye), the rest not approved.
    frig = reasons(plan, "R-089")
    assert frig["withdrawn"].nations == ["TUR"]
    assert "not-approved" in frig
    # Mine hunters beyond the approved four are provisional or offered.
    assert reasons(plan, "R-084")["not-approved"].detail["fills_with"] == "provisional"
    assert reasons(plan, "R-059")["not-approved"].detail["fills_with"] == "provisional"
    # The one approved tactical UAV battery goes to priority-1 R-044, not priority-3 R-023.
    taken = reasons(plan, "R-023")["taken"]
    assert set(taken.detail["lines"]) == {"R-044"}
    assert taken.detail["lines"]["R-044"]["priority"] == 1
    # Artillery: priority-2 R-031 takes it from priority-3 R-008.
    assert set(reasons(plan, "R-008")["taken"].detail["lines"]) == {"R-031"}


@pytest.mark.parametrize("method", ["auto", "exact"])
def test_designed_shortfalls_with_every_pledge(example: Scenario, plans: dict,
                                               method: str) -> None:
    plan = plans["all", method]
    assert {s.requirement for s in plan.shortfalls} == {"R-020", "R-037", "R-049", "R-072"}
    assert reasons(plan, "R-072")["ceiling"].nations == ["POL"]
    assert set(reasons(plan, "R-020")) == {"no-offer"}
    # Counting provisional pledges alone already leaves the same four.
    prov = solve(example, SourcingOptions(include=("provisional",), method=method))
    assert {s.requirement for s in prov.shortfalls} == {"R-020", "R-037", "R-049", "R-072"}


def test_caveats_seen_in_the_example(example: Scenario, plans: dict) -> None:
    plan = plans["approved", "exact"]
    by_line: dict[str, set[str]] = {}
    for a in plan.assignments:
        by_line.setdefault(a.requirement, set()).add(a.pledge)
    # Swedish and Belgian fighters (max 6 months) serve the 6-month surge, not the 12-month line.
    assert {"P-SWE-01", "P-BEL-02"} <= by_line["R-078"]
    assert not {"P-SWE-01", "P-BEL-02"} & by_line.get("R-077", set())
    # Iceland stays within its 20-person ceiling.
    assert sum(a.personnel for a in plan.assignments if a.nation == "ISL") <= 20
    # Ireland deploys no combat unit.
    roles = {a.pledge: example.catalog[next(p.capability for p in example.pledges
                                            if p.id == a.pledge)].role
             for a in plan.assignments if a.nation == "IRL"}
    assert "combat" not in roles.values()
