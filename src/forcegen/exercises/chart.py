"""Gantt chart of an exercise programme (matplotlib, Agg backend: rendered offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

__all__ = ["plot_gantt"]

_COLOURS = {"staffex": "#9ecae1", "cpx": "#4292c6", "livex": "#d94801",
            "certification": "#31a354"}


def plot_gantt(doc: dict[str, Any], path: Path) -> Path:
    """One bar per held exercise over its weeks (colour by kind, area in the label).

    Exercises not held are listed in grey at the bottom. ``doc`` is
    ``ExerciseResult.to_dict()``.
    """
    rows = [r for r in doc["exercises"] if r["held"]]
    rows.sort(key=lambda r: (r["start_week"], r["id"]))
    missing = [r for r in doc["exercises"] if not r["held"]]
    n = len(rows) + len(missing)
    fig, ax = plt.subplots(figsize=(10, 0.42 * n + 1.8))
    labels = []
    for i, r in enumerate(rows):
        ax.barh(i, r["weeks"], left=r["start_week"], color=_COLOURS.get(r["kind"], "#777777"),
                edgecolor="black", linewidth=0.4)
        ax.text(r["start_week"] + r["weeks"] + 0.3, i, f"{r['area']} ({len(r['units'])} units)",
                va="center", fontsize=7)
        labels.append(f"{r['id']} {r['name'] or ''}".strip())
    for j, r in enumerate(missing, len(rows)):
        ax.text(0, j, "not held", va="center", fontsize=7, color="#888888")
        labels.append(f"{r['id']} {r['name'] or ''}".strip())
    ax.set_yticks(range(n), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"week (week 0 starts {doc['programme_start']})")
    for kind, colour in _COLOURS.items():
        ax.barh([], [], color=colour, label=kind)
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title(f"Exercise programme: value {doc['value']} of at most {doc['bound']} "
                 f"({doc['status']})")
    ax.grid(axis="x", linestyle=":", linewidth=0.5)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
