"""The relief map: points across the antimeridian drawn side by side, text escaped."""

from __future__ import annotations

import re

from forcegen.web.relief_map import ReliefMark, relief_svg, unwrap_cut


def test_tonga_is_drawn_east_of_new_caledonia() -> None:
    marks = [ReliefMark("request", -175.2, -21.1, "Nuku'alofa"),
             ReliefMark("offer", 166.4, -22.3, "FRA base")]
    assert abs(unwrap_cut([m.lon for m in marks]) - 166.4) < 1e-9  # -175 becomes 185
    svg, outside = relief_svg(marks, [("FRA-1 -> RQ-1", [[166.4, -22.3], [-175.2, -21.1]])])
    assert outside == 0
    home = re.search(r'<circle class="home" cx="([\d.]+)"', svg)
    ask = re.search(r'<rect class="request rq-open" x="([\d.]+)"', svg)
    # Unwrapped, the request lies east of the base (drawn at their raw longitudes it would
    # lie 341.6 degrees to the west).
    assert home and ask and float(home.group(1)) < float(ask.group(1))


def test_text_is_escaped_and_far_bases_left_out() -> None:
    marks = [ReliefMark("request", 178.4, -18.1, "<script>alert(1)</script>", ["a & b"]),
             ReliefMark("offer", -1.58, 51.75, "GBR base")]
    svg, outside = relief_svg(marks, [])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    assert outside == 1 and 'class="home"' not in svg
