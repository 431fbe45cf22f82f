"""Charts of a sourcing plan as inline SVG.

Fill by capability category and burden sharing come from ``forcegen.report.sourcing_charts``
(matplotlib, Agg); fill by sector is a small bar chart drawn here. Text stays text in the SVG
(``svg.fonttype = none``) so the page's own font is used and nothing is downloaded.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from html import escape
from typing import IO

import matplotlib

from forcegen.sourcing.plan import Plan

__all__ = ["plan_charts", "sector_fill", "sector_fill_svg"]

# pyplot keeps global state: one chart at a time across the server's threads.
_LOCK = threading.Lock()
_CACHE_LOCK = threading.Lock()
_HEAD = re.compile(r"^.*?(<svg\b)", re.S)
_SIZE = re.compile(r'\s(width|height)="[^"]*"')
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.S)


_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S)
_UNIVERSAL = re.compile(r"^\s*\*\s*\{(.*)\}\s*$", re.S)
_PROPERTY = re.compile(r"^[a-z-]+$")


def _attributes(declarations: str) -> str:
    """``"fill: #fff; stroke-width: 0.8"`` as SVG presentation attributes."""
    out = []
    for decl in declarations.split(";"):
        name, sep, value = decl.partition(":")
        name, value = name.strip(), value.strip()
        if sep and _PROPERTY.match(name) and value:
            out.append(f' {name}="{escape(value, quote=True)}"')
    return "".join(out)


def _presentational(svg: str) -> str:
    """Matplotlib's inline styles rewritten as SVG presentation attributes.

    ``style="..."`` attributes and ``<style>*{...}</style>`` go: the pages'
    Content-Security-Policy (``style-src 'self'``) blocks inline styles, and every property
    matplotlib writes (fill, stroke*, opacity, font-size, font-family, text-anchor) is also an
    SVG attribute. The universal rule (stroke-linejoin, -linecap, both inherited) moves to the
    root element.
    """
    root_attrs = ""
    for rule in _STYLE_ELEMENT.findall(svg):
        universal = _UNIVERSAL.match(rule)
        if universal:
            root_attrs += _attributes(universal.group(1))
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE_ATTR.sub(lambda m: _attributes(m.group(1)), svg)
    return svg.replace("<svg", "<svg" + root_attrs, 1) if root_attrs else svg


def _inline(svg: str) -> str:
    """Drop the XML prolog and fixed size so the chart scales with its box; no inline CSS."""
    svg = _presentational(_METADATA.sub("", _HEAD.sub(r"\1", svg, count=1)))
    head, _, rest = svg.partition(">")
    return _SIZE.sub("", head) + ' class="chart" preserveAspectRatio="xMinYMin meet">' + rest


def _render(fn: Callable[[Plan, IO[bytes], str], object], plan: Plan) -> str:
    buf = io.BytesIO()
    with _LOCK, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "forcegen"}):
        fn(plan, buf, "svg")
    return _inline(buf.getvalue().decode("utf-8"))


# (run id, finished at) -> (fill, burden) SVG, least recently used first.
_CACHE: OrderedDict[tuple[int, str], tuple[str, str]] = OrderedDict()
_CACHE_SIZE = 32


def plan_charts(run_id: int, finished: str, plan: Plan) -> tuple[str, str]:
    """``(fill by category, burden sharing)`` SVG of a run's plan, cached per run.

    Both charts use only line fill and burden totals, which every role may see: a run's
    charts are the same for every reader, so the run identifies them.
    """
    from forcegen.report.sourcing_charts import plot_burden, plot_fill_by_category

    key = (run_id, finished)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    fill = _render(plot_fill_by_category, plan) if plan.lines else ""
    burden = _render(plot_burden, plan) if plan.burden else ""
    with _CACHE_LOCK:
        _CACHE[key] = (fill, burden)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return fill, burden


def sector_fill(plan: Plan) -> list[tuple[str, int, int]]:
    """``(sector, filled, needed)`` units per sector, in the order sectors first appear."""
    need: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    for line in plan.lines:
        need[line.sector] += line.quantity
        got[line.sector] += line.filled
    return [(s, got[s], need[s]) for s in need]


def sector_fill_svg(rows: list[tuple[str, int, int]], names: dict[str, str]) -> str:
    """Horizontal bars of filled against needed units per sector."""
    if not rows:
        return ""
    bar_h, gap, left, width = 22, 10, 150, 300
    height = len(rows) * (bar_h + gap) + 10
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {left + width + 95} '
        f'{height}" role="img" aria-label="Fill by sector">'
    ]
    for i, (sector, filled, needed) in enumerate(rows):
        y = 5 + i * (bar_h + gap)
        share = filled / needed if needed else 1.0
        colour = "#2f855a" if share >= 0.999 else "#b7791f" if share >= 0.8 else "#c53030"
        label = escape(names.get(sector) or sector)
        short = escape((names.get(sector) or sector).split(" (")[0])
        short = short if len(short) <= 22 else short[:21] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"<title>{label}</title>{short}</text>"
            f'<rect x="{left}" y="{y}" width="{width}" height="{bar_h}" fill="#e2e8f0"/>'
            f'<rect x="{left}" y="{y}" width="{width * share:.1f}" height="{bar_h}" '
            f'fill="{colour}"/>'
            f'<text x="{left + width + 6}" y="{y + 15}" font-size="12">'
            f"{filled}/{needed} ({100 * share:.0f}%)</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
