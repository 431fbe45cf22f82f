"""Shortfall reasons: each cause built on purpose, and checked against an independent account.

Every scenario here has one obvious answer, so the reason code, the pledges and nations it
names and its details can be asserted exactly.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from _oracle import Rules, random_small_dict, small_scenario

from forcegen.scenario import Scenario, scenario_from_dict
from forcegen.sourcing import Plan, Reason, SourcingOptions, solve


def line(rid: str, cap: str = "X-CBT", qty: int = 1, **kw: Any) -> dict[str, Any]:
    return {"id": rid, "capability": cap, "quantity": qty, "sector": kw.pop("sector", "north"),
            "priority": kw.pop("priority", 1), "notice_days": kw.pop("notice_days", 30), **kw}


def pledge(pid: str, nation: str, cap: str = "X-CBT", qty: int = 1, **kw: Any) -> dict[str, Any]:
    return {"id": pid, "nation": nation, "capability": cap, "quantity": qty,
            "personnel": kw.pop("personnel", 10), "notice_days": kw.pop("notice_days", 5),
            "status": kw.pop("status", "approved"), "cost": kw.pop("cost", 1), **kw}


NATIONS = [{"code": "FRA"}, {"code": "DEU"}, {"code": "POL"}]


def shortfall_reasons(plan: Plan, rid: str) -> dict[str, list[Reason]]:
    """Reasons of line ``rid`` by code (fails when the line is not short)."""
    found = [s for s in plan.shortfalls if s.requirement == rid]
    assert found, f"{rid} is not short: {plan.shortfalls}"
    out: dict[str, list[Reason]] = defaultdict(list)
    for r in found[0].reasons:
        out[r.code].append(r)
    return dict(out)


def filled(plan: Plan, rid: str) -> int:
    return next(x.filled for x in plan.lines if x.requirement == rid)


# --------------------------------------------------------------------------- no offer
def test_no_offer_of_the_capability() -> None:
    sc = small_scenario(NATIONS, [line("R1", "X-SUP"), line("R2", "X-CBT")],
                        [pledge("P1", "FRA", "X-CBT", 2)])
    plan = solve(sc)
    assert [s.requirement for s in plan.shortfalls] == ["R1"]
    (reason,) = plan.shortfalls[0].reasons
    assert reason.code == "no-offer"
    assert reason.pledges == [] and reason.nations == []
    assert plan.shortfalls[0].missing == 1


# --------------------------------------------------------------------------- status
def test_not_approved_provisional_would_fill() -> None:
    sc = small_scenario(NATIONS, [line("R1", qty=1)], [
        pledge("P-FRA", "FRA", status="provisional"),
        pledge("P-DEU", "DEU", status="offered"),
    ])
    plan = solve(sc)
    (reason,) = shortfall_reasons(plan, "R1")["not-approved"]
    assert set(reason.pledges) == {"P-FRA", "P-DEU"}
    assert reason.nations == ["DEU", "FRA"]
    assert reason.detail["fills_with"] == "provisional"
    # Web and API users read this too: the option by its name, never a command-line flag.
    assert "include provisional pledges" in reason.message and "--" not in reason.message
    # The claim is true: including provisional pledges fills the line.
    assert filled(solve(sc, SourcingOptions(include=("provisional",))), "R1") == 1


def test_not_approved_only_offered_would_fill() -> None:
    sc = small_scenario(NATIONS, [line("R1", qty=2)], [
        pledge("P-FRA", "FRA", status="provisional"),
        pledge("P-DEU", "DEU", status="offered"),
    ])
    plan = solve(sc)
    (reason,) = shortfall_reasons(plan, "R1")["not-approved"]
    assert set(reason.pledges) == {"P-FRA", "P-DEU"}
    assert reason.detail["fills_with"] == "offered"
    assert "include offered pledges" in reason.message and "--" not in reason.message
    assert filled(solve(sc, SourcingOptions(include=("provisional",))), "R1") == 1
    assert filled(solve(sc, SourcingOptions(include=("offered",))), "R1") == 2


def test_not_approved_names_only_statuses_still_excluded() -> None:
    sc = small_scenario(NATIONS, [line("R1", qty=2)], [
        pledge("P-FRA", "FRA", status="provisional"),
        pledge("P-DEU", "DEU", status="offered"),
    ])
    plan = solve(sc, SourcingOptions(include=("provisional",)))
    assert filled(plan, "R1") == 1
    (reason,) = shortfall_reasons(plan, "R1")["not-approved"]
    assert reason.pledges == ["P-DEU"] and reason.nations == ["DEU"]
    assert reason.detail["fills_with"] == "offered"


def test_not_approved_even_all_would_not_fill() -> None:
    sc = small_scenario(NATIONS, [line("R1", qty=3)], [pledge("P-FRA", "FRA", status="offered")])
    (reason,) = shortfall_reasons(solve(sc), "R1")["not-approved"]
    assert reason.pledges == ["P-FRA"]
    assert reason.detail["fills_with"] is None


# --------------------------------------------------------------------------- caveats
@pytest.mark.parametrize(
    ("caveats", "line_kw", "kind"),
    [
        ({"sectors": ["south", "east"]}, {"sector": "north"}, "sectors"),
        ({"roles": ["service-support"]}, {}, "roles"),  # X-CBT is a combat type
        ({"max_months": 6}, {"months": 12}, "max_months"),
    ],
)
def test_blocked_by_caveat(caveats: dict[str, Any], line_kw: dict[str, Any], kind: str) -> None:
    sc = small_scenario(NATIONS, [line("R1", **line_kw)], [
        pledge("P-POL", "POL", caveats=caveats),
        pledge("P-FRA", "FRA", status="withdrawn"),
    ])
    plan = solve(sc)
    reasons = shortfall_reasons(plan, "R1")
    (reason,) = reasons["caveat"]
    assert reason.pledges == ["P-POL"] and reason.nations == ["POL"]
    assert reason.detail["caveat"] == kind
    assert kind in reason.message and "POL" in reason.message
    # The withdrawn pledge is not blamed on the caveat.
    assert reasons["withdrawn"][0].pledges == ["P-FRA"]
    # Lifting Poland's caveats fills the line (and the caveat reason goes away).
    lifted = solve(sc, SourcingOptions(lift_caveats=("POL",)))
    assert filled(lifted, "R1") == 1
    assert not any(s.requirement == "R1" for s in lifted.shortfalls)


def test_caveats_allow_what_they_name() -> None:
    """The same caveats that block above let a matching line through."""
    sc = small_scenario(NATIONS, [
        line("R-S", sector="south"), line("R-SUP", "X-SUP"), line("R-6", months=6),
    ], [
        pledge("P1", "POL", caveats={"sectors": ["south"]}),
        pledge("P2", "POL", "X-SUP", caveats={"roles": ["service-support"]}),
        pledge("P3", "POL", caveats={"max_months": 6, "sectors": ["north"]}),
    ])
    plan = solve(sc)
    assert plan.shortfalls == []
    assert {(a.pledge, a.requirement) for a in plan.assignments} == {
        ("P1", "R-S"), ("P2", "R-SUP"), ("P3", "R-6")}


def test_role_caveat_uses_the_catalog_role_of_the_line() -> None:
    """Built-in types: INF-COY is combat, ROLE2-MED service-support, ENG-BN combat-support."""
    sc = scenario_from_dict({
        "forcegen": 1, "nations": [{"code": "IRL"}, {"code": "AUT"}],
        "sectors": [{"id": "north"}],
        "requirements": [line("R-INF", "INF-COY"), line("R-MED", "ROLE2-MED"),
                         line("R-ENG", "ENG-BN")],
        "pledges": [
            pledge("P-IRL", "IRL", "INF-COY", caveats={"roles": ["service-support"]}),
            pledge("P-IRL-M", "IRL", "ROLE2-MED", caveats={"roles": ["service-support"]}),
            pledge("P-AUT", "AUT", "ENG-BN", caveats={"roles": ["combat-support"]}),
        ],
    })
    plan = solve(sc)
    assert [s.requirement for s in plan.shortfalls] == ["R-INF"]
    (reason,) = shortfall_reasons(plan, "R-INF")["caveat"]
    assert reason.detail["caveat"] == "roles" and reason.nations == ["IRL"]
    assert reason.pledges == ["P-IRL"]


def test_several_caveat_kinds_named_separately() -> None:
    sc = small_scenario(NATIONS, [line("R1", months=12)], [
        pledge("P-FRA", "FRA", caveats={"sectors": ["east"]}),
        pledge("P-DEU", "DEU", caveats={"max_months": 6}),
    ])
    reasons = shortfall_reasons(solve(sc), "R1")["caveat"]
    by_kind = {r.detail["caveat"]: r for r in reasons}
    assert set(by_kind) == {"sectors", "max_months"}
    assert by_kind["sectors"].nations == ["FRA"] and by_kind["sectors"].pledges == ["P-FRA"]
    assert by_kind["max_months"].nations == ["DEU"]
    assert by_kind["max_months"].pledges == ["P-DEU"]


# --------------------------------------------------------------------------- readiness
def test_not_ready_in_time() -> None:
    sc = small_scenario(NATIONS, [line("R1", notice_days=10)], [
        pledge("P-FRA", "FRA", notice_days=25),
        pledge("P-DEU", "DEU", notice_days=15),
        pledge("P-POL", "POL", notice_days=10, status="provisional"),
    ])
    reasons = shortfall_reasons(solve(sc), "R1")
    (reason,) = reasons["not-ready"]
    assert set(reason.pledges) == {"P-FRA", "P-DEU"}
    assert reason.nations == ["DEU", "FRA"]
    assert reason.detail == {"best_notice_days": 15.0, "needed_notice_days": 10.0}
    # The provisional pledge is ready in time: it is named for its status, not for notice.
    assert reasons["not-approved"][0].pledges == ["P-POL"]


def test_notice_equal_to_the_line_is_in_time() -> None:
    sc = small_scenario(NATIONS, [line("R1", notice_days=10)], [pledge("P", "FRA", notice_days=10)])
    assert solve(sc).shortfalls == []


# --------------------------------------------------------------------------- ceilings
def test_nation_ceiling_binding() -> None:
    sc = small_scenario(
        [{"code": "FRA", "ceiling": {"personnel": 100}}, {"code": "DEU"}],
        [line("R1", qty=2)],
        [pledge("P-FRA", "FRA", qty=2, personnel=60)],
    )
    plan = solve(sc)
    assert filled(plan, "R1") == 1
    (reason,) = shortfall_reasons(plan, "R1")["ceiling"]
    assert reason.pledges == ["P-FRA"] and reason.nations == ["FRA"]
    assert reason.detail["ceiling"] == 100
    assert reason.detail["room"] == 40
    # Raising the ceiling to two units' worth fills the line.
    assert filled(solve(sc, SourcingOptions(ceilings={"FRA": 120})), "R1") == 2


def test_ceiling_spent_on_a_higher_priority_line() -> None:
    """France's ceiling goes to the priority-1 line; the priority-2 line is short for it."""
    sc = small_scenario(
        [{"code": "FRA", "ceiling": {"personnel": 50}}],
        [line("R-HI", "X-SUP", priority=1), line("R-LO", "X-CBT", priority=2)],
        [pledge("P-SUP", "FRA", "X-SUP", personnel=50), pledge("P-CBT", "FRA", personnel=50)],
    )
    plan = solve(sc)
    assert filled(plan, "R-HI") == 1
    (reason,) = shortfall_reasons(plan, "R-LO")["ceiling"]
    assert reason.pledges == ["P-CBT"] and reason.nations == ["FRA"]


# --------------------------------------------------------------------------- competition
def test_units_taken_by_higher_priority_line() -> None:
    sc = small_scenario(NATIONS, [
        line("R-LOW", priority=3, sector="north"),
        line("R-TOP", priority=1, sector="south"),
    ], [pledge("P-FRA", "FRA")])
    plan = solve(sc)
    assert filled(plan, "R-TOP") == 1
    (reason,) = shortfall_reasons(plan, "R-LOW")["taken"]
    assert reason.pledges == ["P-FRA"] and reason.nations == ["FRA"]
    assert reason.detail["lines"] == {"R-TOP": {"priority": 1, "units": 1}}
    assert "R-TOP" in reason.message and "higher-priority" in reason.message


def test_taken_names_every_taking_line() -> None:
    sc = small_scenario(NATIONS, [
        line("R-A", priority=1), line("R-B", priority=1, sector="south"),
        line("R-C", qty=2, priority=2),
    ], [pledge("P-FRA", "FRA", qty=2)])
    plan = solve(sc)
    assert filled(plan, "R-C") == 0
    (reason,) = shortfall_reasons(plan, "R-C")["taken"]
    assert reason.detail["lines"] == {"R-A": {"priority": 1, "units": 1},
                                      "R-B": {"priority": 1, "units": 1}}


# --------------------------------------------------------------------------- withdrawal
def test_withdrawn_status() -> None:
    sc = small_scenario(NATIONS, [line("R1")], [pledge("P-DEU", "DEU", status="withdrawn")])
    plan = solve(sc, SourcingOptions(include=("offered",)))
    reasons = shortfall_reasons(plan, "R1")
    assert list(reasons) == ["withdrawn"]
    assert reasons["withdrawn"][0].pledges == ["P-DEU"]
    assert reasons["withdrawn"][0].nations == ["DEU"]


def test_nation_withdrawn_in_a_what_if() -> None:
    sc = small_scenario(NATIONS, [line("R1", qty=2)], [
        pledge("P-NZ1", "FRA"), pledge("P-NZ2", "FRA"), pledge("P-DEU", "DEU"),
    ])
    assert solve(sc).shortfalls == []
    plan = solve(sc, SourcingOptions(withdraw=("FRA",)))
    assert filled(plan, "R1") == 1
    reasons = shortfall_reasons(plan, "R1")
    assert list(reasons) == ["nation-withdrawn"]
    (reason,) = reasons["nation-withdrawn"]
    assert set(reason.pledges) == {"P-NZ1", "P-NZ2"} and reason.nations == ["FRA"]


# --------------------------------------------------------------------------- all at once
def _expected_groups(sc: Scenario, options: SourcingOptions, plan: Plan,
                     rid: str) -> dict[str, set[str]]:
    """Which pledge should be named under which code, worked out from the scenario objects.

    The order of causes is the documented one: withdrawn, nation withdrawn, not ready, caveat,
    status; an eligible pledge is short for its nation's ceiling or because its units serve other
    lines. At an optimum no eligible pledge may have free units and ceiling room.
    """
    rules = Rules(sc, options)
    target = sc.requirement_by_id[rid]
    used: dict[str, int] = defaultdict(int)
    pers: dict[str, float] = defaultdict(float)
    lines_of: dict[str, set[str]] = defaultdict(set)
    by_id = {p.id: p for p in sc.pledges}
    for a in plan.assignments:
        used[a.pledge] += a.units
        pers[by_id[a.pledge].nation] += a.units * by_id[a.pledge].personnel
        lines_of[a.pledge].add(a.requirement)
    out: dict[str, set[str]] = defaultdict(set)
    for p in sc.pledges:
        if p.capability != target.capability:
            continue
        why = rules.violations(p, target)
        if p.status == "withdrawn":
            out["withdrawn"].add(p.id)
        elif p.nation in options.withdraw:
            out["nation-withdrawn"].add(p.id)
        elif "notice" in why:
            out["not-ready"].add(p.id)
        elif any(w.startswith("caveat") for w in why):
            out["caveat"].add(p.id)
        elif why:
            out["not-approved"].add(p.id)
        elif used[p.id] < p.quantity:
            room = rules.ceiling(p.nation) - pers[p.nation]
            assert room < p.personnel, f"{p.id} could still serve {rid}: plan not optimal"
            out["ceiling"].add(p.id)
        elif lines_of[p.id] - {rid}:
            out["taken"].add(p.id)
    return dict(out)


@pytest.mark.parametrize("seed", range(150))
def test_reasons_match_an_independent_account(seed: int) -> None:
    doc, options = random_small_dict(50_000 + seed)
    sc = scenario_from_dict(doc)
    options = SourcingOptions(include=options.include, withdraw=options.withdraw,
                              lift_caveats=options.lift_caveats, ceilings=options.ceilings,
                              method="exact")
    plan = solve(sc, options)
    assert plan.status == "optimal"
    for s in plan.shortfalls:
        got: dict[str, set[str]] = defaultdict(set)
        for r in s.reasons:
            got[r.code] |= set(r.pledges)
            nation_of = {p.id: p.nation for p in sc.pledges}
            assert set(r.nations) == {nation_of[q] for q in r.pledges}, f"seed {seed}: {r}"
        assert "unused" not in got, f"seed {seed}: optimal plan leaves units unused: {s}"
        want = _expected_groups(sc, options, plan, s.requirement)
        if not any(p.capability == sc.requirement_by_id[s.requirement].capability
                   for p in sc.pledges):
            assert [r.code for r in s.reasons] == ["no-offer"]
            continue
        got.pop("no-offer", None)
        assert {k: v for k, v in got.items() if v} == want, f"seed {seed}, {s.requirement}"
