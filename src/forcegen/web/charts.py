"""Charts of a sourcing plan as inline SVG: fill by sector and capability category, burden.

Drawn here as plain bars whose text stays readable at the size the dashboard shows them (the
matplotlib figures of ``forcegen.report`` are for files and briefs, and shrank to 7 px text in
a dashboard column).

No inline style (the pages' Content-Security-Policy forbids it): presentation attributes only.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape

from forcegen.sourcing.plan import Plan

__all__ = ["burden_svg", "category_fill_svg", "sector_fill", "sector_fill_svg"]


def sector_fill(plan: Plan) -> list[tuple[str, int, int]]:
    """``(sector, filled, needed)`` units per sector, in the order sectors first appear."""
    need: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    for line in plan.lines:
        need[line.sector] += line.quantity
        got[line.sector] += line.filled
    return [(s, got[s], need[s]) for s in need]


#: Text size of the hand-drawn charts, in the units of their 420-wide view box: drawn in a
#: dashboard column (about 390 px at 1366 px wide) it is at least 11 px on screen.
_FONT = 13
_WIDTH = 420


def _bars_svg(rows: list[tuple[str, str, float, str, str]], label: str) -> str:
    """Horizontal bars ``(name, full name, share 0..1, value text, colour)``, one per row."""
    if not rows:
        return ""
    bar_h, gap, left, value_w = 24, 8, 130, 100
    width = _WIDTH - left - value_w
    height = len(rows) * (bar_h + gap) + 8
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} '
        f'{height}" role="img" aria-label="{escape(label)}">'
    ]
    for i, (name, full, share, value, colour) in enumerate(rows):
        y = 4 + i * (bar_h + gap)
        short = name if len(name) <= 15 else name[:14] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y + 17}" text-anchor="end" font-size="{_FONT}">'
            f"<title>{escape(full)}</title>{escape(short)}</text>"
            f'<rect x="{left}" y="{y}" width="{width}" height="{bar_h}" fill="#e2e8f0"/>'
            f'<rect x="{left}" y="{y}" width="{width * min(max(share, 0.0), 1.0):.1f}" '
            f'height="{bar_h}" fill="{colour}"/>'
            f'<text x="{left + width + 6}" y="{y + 17}" font-size="{_FONT}">{escape(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _fill_colour(share: float) -> str:
    return "#2f855a" if share >= 0.999 else "#b7791f" if share >= 0.8 else "#c53030"


def sector_fill_svg(rows: list[tuple[str, int, int]], names: dict[str, str]) -> str:
    """Horizontal bars of filled against needed units per sector."""
    bars = []
    for sector, filled, needed in rows:
        share = filled / needed if needed else 1.0
        full = names.get(sector) or sector
        bars.append((full.split(" (")[0], full, share, f"{filled}/{needed} ({100 * share:.0f}%)",
                     _fill_colour(share)))
    return _bars_svg(bars, "Fill by sector")


def category_fill_svg(plan: Plan) -> str:
    """Horizontal bars of filled against needed units per capability category, worst first."""
    need: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    for line in plan.lines:
        need[line.category] += line.quantity
        got[line.category] += line.filled
    cats = sorted(need, key=lambda c: (got[c] / need[c] if need[c] else 1.0, c))
    bars = []
    for c in cats:
        share = got[c] / need[c] if need[c] else 1.0
        bars.append((c, c, share, f"{got[c]}/{need[c]} ({100 * share:.0f}%)", _fill_colour(share)))
    return _bars_svg(bars, "Fill by capability category")


def burden_svg(plan: Plan, top: int = 12) -> str:
    """Each nation's share of the sourced personnel, largest first (the first ``top``)."""
    rows = sorted(plan.burden, key=lambda b: (-b.share, b.nation))[:top]
    biggest = max((b.share for b in rows), default=1.0) or 1.0
    bars = [(b.nation, f"{b.nation}: {b.units} units", b.share / biggest,
             f"{100 * b.share:.1f}% · {b.personnel:,}", "#c05621") for b in rows]
    return _bars_svg(bars, "Burden sharing: share of sourced personnel")
