"""Deployment charts as inline SVG (offline, no script): Gantt, closure curve, lift and port use.

Drawn from the plan document a reader may see (``runs.deploy_service.scoped``): a liaison's
Gantt holds their own nation's lines only, while the closure curve of the whole force and the
use of lift and ports are totals every reader of the run may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

__all__ = ["MAX_GANTT_LINES", "bottleneck", "closure_svg", "gantt_svg", "use_svg"]

#: The Gantt draws at most this many lines (the rest are in the table and the downloads).
MAX_GANTT_LINES = 400
_PALETTE = (
    "#2563eb",
    "#16a34a",
    "#d97706",
    "#9333ea",
    "#0891b2",
    "#be123c",
    "#4d7c0f",
    "#7c3aed",
    "#0f766e",
    "#b45309",
)
_FONT = 12


def _colours(keys: list[str]) -> dict[str, str]:
    return {k: _PALETTE[i % len(_PALETTE)] for i, k in enumerate(sorted(keys))}


def _axis(left: int, width: int, days: int, y: int, height: int) -> list[str]:
    """Day ticks (about ten) with light grid lines."""
    step = max(1, -(-days // 10))
    out = []
    for d in range(0, days + 1, step):
        x = left + width * d / max(days, 1)
        out.append(
            f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + height}" '
            f'stroke="#e2e8f0"/><text x="{x:.1f}" y="{y - 4}" font-size="{_FONT}" '
            f'text-anchor="middle">{d}</text>'
        )
    return out


def gantt_svg(rows: list[dict[str, Any]], names: Mapping[str, str] | None = None) -> str:
    """One bar per unit line from start to arrival, grouped and coloured by sector.

    Lines are ordered by sector, then nation, then start; a tick marks the required day and a
    late line is edged red. Empty when no line has a start.
    """
    lines = [r for r in rows if r.get("start") is not None]
    if not lines:
        return ""
    names = names or {}
    lines.sort(
        key=lambda r: (str(r.get("sector") or "~"), str(r.get("nation") or ""), r["start"], r["id"])
    )
    lines = lines[:MAX_GANTT_LINES]
    days = max(max(r["arrive"] for r in lines), max((r.get("required") or 0) for r in lines), 1)
    colours = _colours([str(r.get("sector") or "-") for r in lines])
    left, width, bar, top = 190, 760, 11, 24
    height = top + len(lines) * (bar + 3) + 8
    parts = [
        f'<svg class="chart gantt" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{left + width + 20} {height}" role="img" aria-label="Gantt chart of '
        f'{len(lines)} unit lines by sector, days from C-day" data-testid="gantt">',
        *_axis(left, width, days, top, height - top),
    ]
    scale = width / days
    for i, r in enumerate(lines):
        y = top + i * (bar + 3)
        sector = str(r.get("sector") or "-")
        late = (r.get("late") or 0) > 0
        label = f"{r['id']} {r.get('nation') or ''} {r.get('unit') or ''}".strip()
        tip = f"{label}: day {r['start']} to {r['arrive']}, sector {names.get(sector, sector)}" + (
            f", {r['late']} day(s) late" if late else ""
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + bar - 1}" font-size="{_FONT - 2}" '
            f'text-anchor="end">{escape(label[:32])}</text>'
            f'<rect x="{left + r["start"] * scale:.1f}" y="{y}" '
            f'width="{max((r["arrive"] - r["start"]) * scale, 1.5):.1f}" height="{bar}" '
            f'fill="{colours[sector]}"'
            + (' stroke="#dc2626" stroke-width="2"' if late else "")
            + f' data-line="{escape(str(r["id"]))}"><title>{escape(tip)}</title></rect>'
        )
        if r.get("required") is not None:
            x = left + r["required"] * scale
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 1}" x2="{x:.1f}" y2="{y + bar + 1}" '
                'stroke="#111827" stroke-width="1.5"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _legend(name: str, size: int = 18) -> str:
    """A sector's name short enough for the legend.

    The part before any " (" note, cut with an ellipsis if still long (a bare cut left
    "Sector Vinnytsia (" in the legend).
    """
    name = name.split(" (", 1)[0]
    return name if len(name) <= size else name[:size - 1].rstrip() + "\u2026"


def _polyline(points: list[tuple[float, float]], colour: str, wide: bool) -> str:
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (
        f'<polyline points="{pts}" fill="none" stroke="{colour}" '
        f'stroke-width="{3 if wide else 1.5}"/>'
    )


def closure_svg(
    closure_by_sector: Mapping[str, int | None],
    rows: list[dict[str, Any]],
    names: Mapping[str, str] | None = None,
) -> str:
    """Share of unit lines in place by day: the lines given, whole and per sector.

    Empty without lines that arrive.
    """
    arr = [(str(r.get("sector") or "-"), r["arrive"]) for r in rows if r.get("arrive") is not None]
    if not arr:
        return ""
    names = names or {}
    days = max(max(a for _, a in arr), 1)
    left, width, top, height = 40, 520, 20, 200
    groups: dict[str, list[int]] = {"all": [a for _, a in arr]}
    for s, a in arr:
        groups.setdefault(s, []).append(a)
    colours = _colours([g for g in groups if g != "all"])
    colours["all"] = "#111827"
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{left + width + 170} {top + height + 24}" role="img" aria-label="Share of unit '
        'lines in place by day, whole force and per sector" data-testid="closure-curve">',
        *_axis(left, width, days, top, height),
    ]
    for k, (g, arrivals) in enumerate(sorted(groups.items(), key=lambda kv: kv[0] != "all")):
        arrivals.sort()
        pts = [
            (
                left + width * d / days,
                top + height * (1 - sum(1 for a in arrivals if a <= d) / len(arrivals)),
            )
            for d in range(days + 1)
        ]
        parts.append(_polyline(pts, colours[g], g == "all"))
        label = "whole force" if g == "all" else names.get(g, g)
        day = closure_by_sector.get(g) if g != "all" else max(arrivals)
        parts.append(
            f'<text x="{left + width + 8}" y="{top + 14 + 16 * k}" font-size="{_FONT}" '
            f'fill="{colours[g]}">{escape(_legend(label))}'
            f"{'' if day is None else f' (day {day})'}</text>"
        )
    parts.append(
        f'<text x="{left - 4}" y="{top + 4}" font-size="{_FONT}" '
        f'text-anchor="end">100%</text><text x="{left - 4}" y="{top + height}" '
        f'font-size="{_FONT}" text-anchor="end">0%</text></svg>'
    )
    return "".join(parts)


def bottleneck(use: Mapping[str, Any]) -> str | None:
    """The lift type or port busiest on average until closure (share of its capacity)."""
    best, share = None, -1.0
    for name, cap, days in zip(use["resources"], use["capacity"], use["days"], strict=True):
        s = sum(days) / max(cap, 1) / max(len(days), 1)
        if s > share:
            best, share = name, s
    return best


def use_svg(use: Mapping[str, Any]) -> str:
    """Lift and port use by day as a heat map (share of daily capacity), bottleneck named."""
    res = list(use.get("resources") or [])
    if not res or not use["days"] or not use["days"][0]:
        return ""
    days = len(use["days"][0])
    worst = bottleneck(use)
    left, width, cell = 170, 760, 14
    top = 24
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{left + width + 20} {top + len(res) * cell + 8}" role="img" aria-label="Lift '
        f'and port use by day; bottleneck {escape(str(worst))}" data-testid="lift-use">',
        *_axis(left, width, days, top, len(res) * cell),
    ]
    w = width / days
    for i, (name, cap, row) in enumerate(zip(res, use["capacity"], use["days"], strict=True)):
        y = top + i * cell
        bold = ' font-weight="bold" fill="#b91c1c"' if name == worst else ""
        parts.append(
            f'<text x="{left - 4}" y="{y + cell - 3}" font-size="{_FONT - 1}" '
            f'text-anchor="end"{bold}>{escape(name.removeprefix("port:")[:24])}'
            f"{' (bottleneck)' if name == worst else ''}</text>"
        )
        for d, n in enumerate(row):
            if n:
                share = min(n / max(cap, 1), 1.0)
                parts.append(
                    f'<rect x="{left + d * w:.1f}" y="{y}" width="{w + 0.3:.1f}" '
                    f'height="{cell - 2}" fill="#1d4ed8" fill-opacity="'
                    f'{0.15 + 0.85 * share:.2f}"><title>{escape(name)} day {d}: {n} '
                    f"of {cap}</title></rect>"
                )
    parts.append("</svg>")
    return "".join(parts)
