"""Terminal tables (Rich) for sourcing plans and plan comparisons."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console
from rich.table import Table

from forcegen.sourcing.compare import PlanDiff
from forcegen.sourcing.plan import Plan

__all__ = ["print_comparison", "print_plan"]


def _pct(a: float, b: float) -> str:
    return f"{100 * a / b:5.1f}%" if b else "  -  "


def _fill_table(title: str, key: str, plan: Plan) -> Table:
    need: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    for line in plan.lines:
        k = getattr(line, key)
        need[k] += line.quantity
        got[k] += line.filled
    t = Table(title=title, title_justify="left")
    t.add_column(key.capitalize())
    t.add_column("Needed", justify="right")
    t.add_column("Filled", justify="right")
    t.add_column("Fill", justify="right")
    for k in sorted(need):
        style = "green" if got[k] == need[k] else ("yellow" if got[k] else "red")
        t.add_row(k, str(need[k]), str(got[k]), f"[{style}]{_pct(got[k], need[k])}[/]")
    return t


def print_plan(plan: Plan, console: Console, *, max_shortfalls: int = 50) -> None:
    """Summary, fill by sector and category, shortfalls with reasons, burden sharing."""
    status_style = "green" if plan.status == "optimal" else "yellow"
    console.print(
        f"[bold]{plan.scenario}[/]  status [{status_style}]{plan.status}: "
        f"{plan.status_text}[/] "
        f"(gap {plan.gap:.2e}, {plan.method}, {plan.seconds.get('total', 0):.2f} s)"
    )
    console.print(
        f"Filled {plan.fill} of {plan.required} units ({100 * plan.fill_rate:.1f}%), "
        f"cost {plan.cost:,.0f} {plan.currency}; by priority: "
        + ", ".join(f"P{k}: {v}" for k, v in sorted(plan.fill_by_priority.items()))
    )
    console.print(f"[dim]inputs sha256 {plan.input_hash[:16]}…  solver {plan.solver}[/]")
    grid = Table.grid(padding=(0, 4))
    grid.add_row(_fill_table("Fill by sector", "sector", plan),
                 _fill_table("Fill by category", "category", plan))
    console.print(grid)

    if plan.shortfalls:
        t = Table(title=f"Shortfalls ({len(plan.shortfalls)} lines)", title_justify="left",
                  show_lines=True)
        t.add_column("Line")
        t.add_column("Capability")
        t.add_column("Sector")
        t.add_column("P", justify="right")
        t.add_column("Missing", justify="right")
        t.add_column("Reasons")
        for s in sorted(plan.shortfalls, key=lambda s: (s.priority, s.requirement))[
            :max_shortfalls
        ]:
            reasons = "\n".join(f"[bold]{r.code}[/]: {r.message}" for r in s.reasons)
            t.add_row(s.requirement, s.capability, s.sector, str(s.priority), str(s.missing),
                      reasons)
        console.print(t)
        if len(plan.shortfalls) > max_shortfalls:
            console.print(f"[dim]… {len(plan.shortfalls) - max_shortfalls} more (see --json)[/]")
    else:
        console.print("[green]Every line is filled.[/]")

    t = Table(title="Burden sharing", title_justify="left")
    for col, just in (("Nation", "left"), ("Units", "right"), ("Personnel", "right"),
                      (f"Cost ({plan.currency})", "right"), ("Share", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for b in plan.burden:
        t.add_row(b.nation, str(b.units), f"{b.personnel:,}", f"{b.cost:,.0f}",
                  f"{100 * b.share:.1f}%")
    console.print(t)


def print_comparison(diff: PlanDiff, console: Console) -> None:
    """Lines gained and lost, and each nation's change in share."""
    console.print(
        f"Fill {diff.fill_before} → {diff.fill_after} ({diff.fill_after - diff.fill_before:+d}),"
        f" cost {diff.cost_before:,.0f} → {diff.cost_after:,.0f}"
        + ("" if diff.same_inputs else "  [dim](different inputs)[/]")
    )
    for title, rows, style in (("Lines gained", diff.gained, "green"),
                               ("Lines lost", diff.lost, "red")):
        if not rows:
            console.print(f"[dim]{title}: none[/]")
            continue
        t = Table(title=title, title_justify="left")
        for col in ("Line", "P", "Before", "After", "Needed", "Change"):
            t.add_column(col, justify="left" if col == "Line" else "right")
        for c in rows:
            t.add_row(c.requirement, str(c.priority), str(c.before), str(c.after),
                      str(c.quantity), f"[{style}]{c.delta:+d}[/]")
        console.print(t)
    t = Table(title="Share of the force by nation", title_justify="left")
    for col in ("Nation", "Personnel before", "after", "Share before", "after", "Change"):
        t.add_column(col, justify="left" if col == "Nation" else "right")
    for n in diff.nations:
        if n.personnel_before == n.personnel_after:
            continue
        t.add_row(n.nation, f"{n.personnel_before:,}", f"{n.personnel_after:,}",
                  f"{100 * n.share_before:.1f}%", f"{100 * n.share_after:.1f}%",
                  f"{100 * n.share_delta:+.1f} pt")
    console.print(t)
