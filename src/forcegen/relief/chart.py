"""Timeline of arrivals against needed-by hours (matplotlib, Agg backend: rendered offline).

One row per request: a bar from the event's start to its needed-by hour, one marker per
delivery at its arrival hour (coloured by nation, hollow when late), the request's quantity
and what arrived in time written beside it. The format follows the suffix (.png or .svg).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from forcegen.exceptions import OptionError

__all__ = ["plot_timeline"]

_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f"]


def plot_timeline(doc: dict[str, Any], path: Path) -> Path:
    """Draw ``doc`` (``ReliefPlan.to_dict()``) to ``path`` and return it.

    Raises
    ------
    forcegen.exceptions.OptionError
        When ``path`` is not a .png or .svg file name.
    """
    if path.suffix.lower() not in (".png", ".svg"):
        raise OptionError(f"{{path}} {path}: a chart is written as .png or .svg", "path")
    reqs = sorted(doc["requests"], key=lambda r: (r["priority"], r["by_hours"], r["request"]))
    nations = sorted({d["nation"] for d in doc["deliveries"]})
    colour = {n: _COLOURS[i % len(_COLOURS)] for i, n in enumerate(nations)}
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(reqs) + 1.8))
    row = {r["request"]: i for i, r in enumerate(reqs)}
    for i, r in enumerate(reqs):
        ax.barh(i, r["by_hours"], color="#e5f0f8", edgecolor="#6baed6", linewidth=0.5)
        end = max([r["by_hours"]] + [d["hours"] for d in doc["deliveries"]
                                     if d["request"] == r["request"]])
        ax.text(end, i, f"   {r['in_time']}/{r['quantity']} in time", va="center",
                fontsize=7, color="#222222" if r["in_time"] == r["quantity"] else "#b2182b")
    top = max([r["by_hours"] for r in reqs] + [d["hours"] for d in doc["deliveries"]] + [1.0])
    for d in doc["deliveries"]:
        if d["hours"] < 0:
            continue
        c = colour[d["nation"]]
        ax.scatter(d["hours"], row[d["request"]], s=36, marker="o", zorder=3, edgecolors=c,
                   facecolors=c if d["in_time"] else "white", linewidths=1.2)
    ax.set_yticks(range(len(reqs)),
                  [f"{r['request']} P{r['priority']} {r['capability']} {r['place']}".strip()
                   for r in reqs], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel("hours after the event started (bar: needed by; hollow marker: late)")
    for n in nations:
        ax.scatter([], [], color=colour[n], label=n)
    if nations:
        ax.legend(loc="lower right", fontsize=7)
    ax.set_title(f"{doc['name']}: {doc['in_time']} of {doc['asked']} units in time "
                 f"({'proven best' if doc['proven_best'] else 'not proven best'})", fontsize=9)
    ax.grid(axis="x", linestyle=":", linewidth=0.5)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
