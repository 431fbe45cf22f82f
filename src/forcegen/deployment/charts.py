"""Deployment charts, drawn offline (matplotlib, Agg canvas, no pyplot state).

The Gantt chart by unit line, the closure curve (share of the force in place by day, per
sector) and lift and port use by day with the bottleneck highlighted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from forcegen.deployment.result import DeploymentResult

__all__ = ["closure_curve", "gantt", "lift_use", "use_by_day", "write_charts"]


def _save(fig: Figure, path: Path) -> Path:
    # Written beside and renamed into place: a chart is never half-written.
    FigureCanvasAgg(fig)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    tmp.replace(path)
    return path


def _colours(keys: list[str]) -> dict[str, Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return {k: cmap(i % 10) for i, k in enumerate(keys)}


def gantt(result: DeploymentResult, path: Path) -> Path:
    """One bar per unit line from start to arrival, grouped and coloured by sector.

    A black tick marks its required delivery day, a red edge a late line.
    """
    rows = [r for r in result.rows() if r["start"] is not None]
    rows.sort(key=lambda r: (str(r.get("sector") or ""), r["start"], r["id"]))
    sectors = sorted({str(r.get("sector") or "-") for r in rows})
    col = _colours(sectors)
    fig = Figure(figsize=(10, max(3.0, 0.13 * len(rows) + 1.2)))
    ax = fig.add_subplot()
    for y, r in enumerate(rows):
        ax.barh(y, max(r["arrive"] - r["start"], 0.3), left=r["start"], height=0.8,
                color=col[str(r.get("sector") or "-")],
                edgecolor="red" if r["late"] else "none", linewidth=0.8)
        if r["required"] is not None:
            ax.plot([r["required"]] * 2, [y - 0.4, y + 0.4], color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [f"{r['id']} {r.get('unit') or ''}" for r in rows],
                  fontsize=5)
    ax.invert_yaxis()
    ax.set_xlabel("day from C-day")
    ax.set_title(f"Deployment by unit line: closure day {result.plan.closure}")
    for s in sectors:
        ax.barh([], [], color=col[s], label=s)
    ax.legend(fontsize=7, loc="lower right", title="sector", title_fontsize=7)
    return _save(fig, path)


def closure_curve(result: DeploymentResult, path: Path) -> Path:
    """Share of unit lines arrived by each day: the whole force and each sector."""
    rows = [r for r in result.rows() if r["arrive"] is not None]
    end = max((r["arrive"] for r in rows), default=0) + 1
    days = np.arange(end + 1)
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    groups: dict[str, list[int]] = {}
    for r in rows:
        groups.setdefault(str(r.get("sector") or "-"), []).append(r["arrive"])
    col = _colours(sorted(groups))
    for s in sorted(groups):
        arr = np.sort(np.asarray(groups[s]))
        ax.step(days, np.searchsorted(arr, days, side="right") / arr.size, where="post",
                color=col[s], linewidth=1, label=s)
    allarr = np.sort(np.asarray([r["arrive"] for r in rows]))
    if allarr.size:
        ax.step(days, np.searchsorted(allarr, days, side="right") / allarr.size, where="post",
                color="black", linewidth=2.2, label="whole force")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("day from C-day")
    ax.set_ylabel("share of unit lines in place")
    ax.set_title("Closure curve")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return _save(fig, path)


def use_by_day(result: DeploymentResult) -> tuple[list[str], np.ndarray]:
    """Share of each lift type's / port's daily capacity in use, ``(resources, days)``."""
    p, start = result.problem, result.plan.start
    if start is None or p.n == 0:
        return [], np.zeros((0, 0))
    arrive = start + p.dur
    end = int(arrive.max())
    use = np.zeros((len(p.resources), end))  # days 0 .. closure - 1 (closure: all arrived)
    for i in range(p.n):
        use[:, int(start[i]):int(arrive[i])] += p.demand[i][:, None]
    cap = np.maximum(p.capacity, 1)[:, None]
    return list(p.resources), use / cap


def lift_use(result: DeploymentResult, path: Path) -> Path:
    """Use of each lift type and port by day (share of its capacity).

    The bottleneck, the one busiest on average until closure, is drawn thick and named in the
    title.
    """
    names, share = use_by_day(result)
    fig = Figure(figsize=(9, 4.5))
    ax = fig.add_subplot()
    if names:
        busiest = int(np.argmax(share.mean(axis=1)))
        col = _colours(names)
        for k, name in enumerate(names):
            ax.plot(share[k], color=col[name], linewidth=2.6 if k == busiest else 0.9,
                    alpha=1.0 if k == busiest else 0.7, label=name)
        ax.set_title(f"Lift and port use by day; bottleneck: {names[busiest]} "
                     f"({share[busiest].mean():.0%} busy on average)")
        ax.legend(fontsize=6, ncol=2, loc="upper right")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("day from C-day")
    ax.set_ylabel("share of daily capacity in use")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def write_charts(result: DeploymentResult, folder: Path) -> list[Path]:
    """``gantt.png``, ``closure.png`` and ``lift.png`` in ``folder`` (created if missing)."""
    folder.mkdir(exist_ok=True)
    return [gantt(result, folder / "gantt.png"), closure_curve(result, folder / "closure.png"),
            lift_use(result, folder / "lift.png")]
