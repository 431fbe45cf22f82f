"""Charts of a sourcing plan (matplotlib, Agg backend: rendered offline, PNG or SVG)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import IO

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from forcegen.sourcing.plan import Plan

__all__ = ["plot_burden", "plot_fill_by_category", "write_plan_charts"]


def plot_fill_by_category(
    plan: Plan, path: Path | IO[bytes], fmt: str | None = None
) -> Path | IO[bytes]:
    """Horizontal bars: units filled vs needed per capability category.

    ``path`` is a file (format from its suffix) or a binary buffer with ``fmt`` (``"svg"``).
    """
    need: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    for line in plan.lines:
        need[line.category] += line.quantity
        got[line.category] += line.filled
    cats = sorted(need, key=lambda c: got[c] / need[c] if need[c] else 1)
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(cats) + 1.5))
    ax.barh(cats, [need[c] for c in cats], color="#d9d9d9", label="needed")
    ax.barh(cats, [got[c] for c in cats], color="#2b6cb0", label="filled")
    for i, c in enumerate(cats):
        ax.text(need[c], i, f"  {100 * got[c] / need[c]:.0f}%", va="center", fontsize=8)
    ax.set_xlim(0, max(need.values(), default=1) * 1.15)  # room for the % labels
    ax.set_xlabel("units")
    ax.set_title(f"Fill by capability category ({100 * plan.fill_rate:.0f}% overall)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format=fmt)
    plt.close(fig)
    return path


def plot_burden(
    plan: Plan, path: Path | IO[bytes], fmt: str | None = None, *, top: int = 20
) -> Path | IO[bytes]:
    """Bars of each nation's share of the sourced personnel (largest first).

    ``path`` and ``fmt`` as :func:`plot_fill_by_category`.
    """
    rows = plan.burden[:top]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.5))
    names = [b.nation for b in rows][::-1]
    ax.barh(names, [100 * b.share for b in rows][::-1], color="#c05621")
    for i, b in enumerate(rows[::-1]):
        ax.text(100 * b.share, i, f"  {b.personnel:,}", va="center", fontsize=8)
    ax.set_xlim(0, max((100 * b.share for b in rows), default=1) * 1.15)
    ax.set_xlabel("share of sourced personnel (%)")
    shown = f" (largest {len(rows)} of {len(plan.burden)})" if len(plan.burden) > len(rows) else ""
    ax.set_title(f"Burden sharing{shown}")
    fig.tight_layout()
    fig.savefig(path, format=fmt)
    plt.close(fig)
    return path


def write_plan_charts(plan: Plan, folder: Path, fmt: str = "svg") -> list[Path]:
    """Write both charts into ``folder`` as ``fill-by-category.FMT`` and ``burden.FMT``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"fill-by-category.{fmt}", folder / f"burden.{fmt}"]
    plot_fill_by_category(plan, paths[0])
    plot_burden(plan, paths[1])
    return paths
