"""``forcegen exercises --roster``: the standby roster and the task force at short notice."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["print_roster", "roster_doc"]


def roster_doc(result: Any, time_limit: float, solver: str, planned: Any = None
               ) -> dict[str, Any]:
    """The roster (``--solver greedy`` gives the baseline only) and each month's sourcing.

    ``planned``: the roster already planned (``--coupled``), else it is planned here.

    Each month the short-notice lines are sourced from the units on standby then only
    (:func:`forcegen.exercises.roster_result.standby_scenario`).
    """
    from forcegen.exercises.roster_result import plan_roster, standby_scenario
    from forcegen.sourcing import solve

    roster = planned or plan_roster(result, time_limit=time_limit,
                                    method="greedy" if solver == "greedy" else "highs")
    doc = roster.to_dict()
    monthly = []
    for t, month in enumerate(doc["calendar"]):
        scenario = standby_scenario(roster, t)
        if not scenario.requirements:
            continue
        plan = solve(scenario).to_dict()
        required = sum(r.quantity for r in scenario.requirements)
        filled = sum(a["units"] for a in plan["assignments"])
        monthly.append({"month": month["month"], "status": plan["status"],
                        "required": required, "filled": filled,
                        "assignments": plan["assignments"],
                        "shortfalls": [{"requirement": s["requirement"],
                                        "missing": s["missing"],
                                        "reasons": [r["code"] for r in s["reasons"]]}
                                       for s in plan["shortfalls"]]})
    doc["short_notice"] = monthly
    return doc


def print_roster(doc: dict[str, Any], con: Console) -> None:
    """The roster's calendar, its proof, shortfalls and short-notice fill per month."""
    table = Table(title="Standby roster (units on standby per month)")
    table.add_column("month")
    caps = [c["capability"] for c in doc["calendar"][0]["capabilities"]] if doc["calendar"] \
        else []
    for c in caps:
        table.add_column(c)
    table.add_column("nations")
    for m in doc["calendar"]:
        cells = [f"{c['on_standby']}/{c['required']}" + (" [red]short[/]" if c["missing"] else "")
                 for c in m["capabilities"]]
        table.add_row(m["month"], *cells, ", ".join(m["nations"]))
    con.print(table)
    for tour in doc["tours"]:
        con.print(f"  {escape(tour['unit'])} ({tour['nation']}, {tour['capability']}) on "
                  f"standby {tour['start']} to {tour['end']}, rests until {tour['rest_until']}",
                  highlight=False)
    colour = "green" if doc["shortfall"] == 0 else "yellow"
    proof = "proven least" if doc["status"] == "optimal" else f"at least {doc['bound']}"
    con.print(f"[{colour}]roster {doc['status']}[/]: {doc['shortfall']} unit-month(s) short of "
              f"{doc['required_unit_months']} ({proof}; {doc['solver']}, {doc['seconds']:.1f} s);"
              f" greedy baseline {doc['baseline']['shortfall']} short", highlight=False)
    burden = ", ".join(f"{b['nation']} {b['unit_months']}" for b in doc["burden"])
    con.print(f"standby unit-months by nation: {burden or 'none'}", highlight=False)
    for s in doc["short"]:
        con.print(f"[red]{s['month']} {escape(s['capability'])} short {s['missing']}[/]: "
                  f"{escape('; '.join(s['reasons']))}", highlight=False)
    if "coupling" in doc:
        co = doc["coupling"]
        kept = max(r["round"] for r in co["rounds"] if r["kept"])
        con.print(f"planned with the programme: {co['coupled']['shortfall']} unit-month(s) short "
                  f"with no unit resting in an exercise (round {kept} of "
                  f"{len(co['rounds'])}); one after the other: "
                  f"{co['sequential']['shortfall']} short, "
                  f"{len(co['sequential']['rest_in_exercise'])} rest(s) in an exercise",
                  highlight=False)
    for m in doc["short_notice"]:
        missing = ", ".join(f"{s['requirement']} short {s['missing']} "
                            f"({', '.join(s['reasons'])})" for s in m["shortfalls"])
        con.print(f"short notice {m['month']}: {m['filled']} of {m['required']} unit(s) "
                  f"from the units on standby{'; ' + escape(missing) if missing else ''}",
                  highlight=False)
