"""Simple APP-6(D) symbols as inline SVG, drawn from a 20-digit SIDC.

Only what an ORBAT of friendly units needs: the friendly frame of the symbol set (land unit
rectangle, air dome, sea-surface circle), the main icon for common entities (infantry cross,
armour ellipse, reconnaissance slash, artillery dot, air defence dome, rotary wing bow tie,
medical cross, engineer bridge, signal flash, supply bar), a text label for the others, the
echelon mark above the frame, and the headquarters staff and task-force bracket.

SIDC digits (1-based): 1-2 version, 3 context, 4 standard identity, 5-6 symbol set, 7 status,
8 headquarters / task force / dummy, 9-10 echelon, 11-16 entity, type, subtype, 17-20 modifiers.
This is a readable approximation, not a certified rendering of the standard.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

__all__ = ["ECHELONS", "SidcParts", "parse_sidc", "symbol_svg"]

#: Echelon digits (9-10) to the mark drawn above a land unit frame.
ECHELONS: dict[str, str] = {
    "11": "team",
    "12": "•",
    "13": "••",
    "14": "•••",
    "15": "I",
    "16": "II",
    "17": "III",
    "18": "X",
    "21": "XX",
    "22": "XXX",
    "23": "XXXX",
    "24": "XXXXX",
}

_FILL = "#80e0ff"  # friendly fill (APP-6 "crystal blue")
_LINE = 'stroke="#000" stroke-width="4" fill="none"'

# Land unit icons by entity+type digits (11-14), inside the frame x 25..175, y 50..150.
_LAND: dict[str, str] = {
    "1211": '<path d="M25 50L175 150M175 50L25 150" {s}/>',
    "1205": '<rect x="60" y="75" width="80" height="50" rx="25" {s}/>',
    "1213": '<path d="M25 150L175 50" {s}/>',
    "1303": '<circle cx="100" cy="100" r="14" fill="#000"/>',
    "1301": '<path d="M45 150C45 105 155 105 155 150" {s}/>',
    "1206": '<path d="M60 80L140 120V80L60 120Z" {s}/>',
    "1613": '<path d="M100 60V140M60 100H140" {s}/>',
    "1614": '<path d="M100 60V140M60 100H140" {s}/>',
    "1407": '<path d="M65 115V85H135V115M100 85V115" {s}/>',
    "1110": '<path d="M25 50L90 115L110 85L175 150" {s}/>',
    "1634": '<path d="M25 130H175" {s}/>',
    "1606": '<path d="M25 130H175" {s}/>',
}
# Subtypes (digits 11-16) that add to the entity's icon.
_LAND_EXTRA: dict[str, str] = {
    "121102": '<rect x="60" y="75" width="80" height="50" rx="25" {s}/>',  # armoured infantry
    "121104": '<path d="M100 50V150" {s}/>',  # motorized
}
_LAND_TEXT: dict[str, str] = {
    "1103": "CIMIC",
    "1104": "CYB",
    "1105": "LO",
    "1202": "ATC",
    "1218": "SOF",
    "1219": "UAS",
    "1401": "CBRN",
    "1404": "DIVE",
    "1408": "EOD",
    "1412": "MP",
    "1414": "MC",
    "1417": "SEC",
    "1505": "EW",
    "1510": "SIG",
    "1611": "MNT",
    "1625": "POL",
    "1633": "SPOD",
    "1636": "TPT",
    "1804": "HQ",
}
_AIR_TEXT: dict[str, str] = {"1103": "UAV"}
_SEA_TEXT: dict[str, str] = {"1202": "FF", "1204": "MCM", "1205": "PB", "1207": "USV"}
_PLANE = '<path d="M100 70V140M70 100H130M85 132H115" {s}/>'


class SidcParts:
    """The digits of a SIDC this module uses."""

    __slots__ = ("echelon", "entity", "hq_tf", "identity", "symbol_set")

    def __init__(self, sidc: str) -> None:
        digits = (sidc or "").strip()
        if len(digits) != 20 or not digits.isdigit():
            digits = "10031000000000000000"  # unknown friendly land unit
        self.identity = digits[3]
        self.symbol_set = digits[4:6]
        self.hq_tf = digits[7]
        self.echelon = digits[8:10]
        self.entity = digits[10:16]


def parse_sidc(sidc: str | None) -> SidcParts:
    """Split a SIDC (anything not 20 digits reads as an unknown friendly land unit)."""
    return SidcParts(sidc or "")


def _text(label: str, y: int = 112) -> str:
    size = 36 if len(label) <= 3 else 28 if len(label) <= 4 else 22
    return (
        f'<text x="100" y="{y}" font-family="sans-serif" font-weight="bold" '
        f'font-size="{size}" text-anchor="middle">{escape(label)}</text>'
    )


def _frame(symbol_set: str) -> tuple[str, str]:
    """The frame and a clip path id suffix for the symbol set."""
    if symbol_set == "01":  # air: dome open at the bottom
        return (f'<path d="M25 150C25 40 175 40 175 150Z" fill="{_FILL}" '
                'stroke="#000" stroke-width="5"/>', "air")
    if symbol_set == "30":  # sea surface: circle
        return (f'<circle cx="100" cy="100" r="55" fill="{_FILL}" '
                'stroke="#000" stroke-width="5"/>', "sea")
    return (f'<rect x="25" y="50" width="150" height="100" fill="{_FILL}" '
            'stroke="#000" stroke-width="5"/>', "land")


def _icon(parts: SidcParts, kind: str) -> str:
    key = parts.entity[:4]
    if kind == "air":
        return _text(_AIR_TEXT[key]) if key in _AIR_TEXT else _PLANE.format(s=_LINE)
    if kind == "sea":
        return _text(_SEA_TEXT.get(key, "SUR"))
    icon = _LAND.get(key, "")
    extra = _LAND_EXTRA.get(parts.entity, "")
    if icon or extra:
        return (icon + extra).format(s=_LINE)
    label = _LAND_TEXT.get(key)
    return _text(label) if label else ""


def _echelon(code: str) -> str:
    mark = ECHELONS.get(code)
    if mark is None:
        return ""
    if mark == "team":
        return ('<circle cx="100" cy="32" r="12" stroke="#000" stroke-width="4" fill="none"/>'
                '<path d="M84 46L116 18" stroke="#000" stroke-width="4"/>')
    if "•" in mark:
        n = len(mark)
        return "".join(
            f'<circle cx="{100 + (i - (n - 1) / 2) * 22:.0f}" cy="34" r="7" fill="#000"/>'
            for i in range(n)
        )
    if set(mark) == {"I"}:
        n = len(mark)
        return "".join(
            f'<path d="M{100 + (i - (n - 1) / 2) * 16:.0f} 18V46" stroke="#000" stroke-width="5"/>'
            for i in range(n)
        )
    return (f'<text x="100" y="45" font-family="sans-serif" font-weight="bold" font-size="38" '
            f'text-anchor="middle">{mark}</text>')


@lru_cache(maxsize=512)
def symbol_svg(sidc: str | None, title: str = "", size: int = 48) -> str:
    """An inline ``<svg>`` of the symbol, ``size`` pixels wide (height follows)."""
    parts = parse_sidc(sidc)
    frame, kind = _frame(parts.symbol_set)
    body = [frame, _icon(parts, kind)]
    if kind == "land":
        body.append(_echelon(parts.echelon))
        if parts.hq_tf in ("4", "5", "6", "7"):  # task force: bracket over the echelon
            body.append('<path d="M55 46V12H145V46" stroke="#000" stroke-width="4" fill="none"/>')
        if parts.hq_tf in ("2", "3", "6", "7"):  # headquarters: staff from the lower left
            body.append('<path d="M25 150V198" stroke="#000" stroke-width="5"/>')
    label = f"<title>{escape(title)}</title>" if title else ""
    height = round(size * 200 / 200)
    return (
        f'<svg class="app6" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" '
        f'width="{size}" height="{height}" role="img" aria-label="{escape(title or "unit")}">'
        f'{label}{"".join(body)}</svg>'
    )
